import { isCluster, type RedisClient } from './connection.js'

/** However long a burst of subscription rebuilds lasts, a resync follows its first within this long. */
export const RESYNC_MAX_WAIT_MS = 1000
/** How long a burst of subscription rebuilds on a cluster must be quiet before its resync (see the constructor). */
export const RESYNC_SETTLE_MS = 300

/**
 * One store's change notifications on a subscriber connection it shares with other stores (and does
 * not own): the messages of its channels, and a resync signal each time the subscription comes back,
 * since whatever was published while it was away is lost.
 *
 * On one node: SUBSCRIBE, and a resync at each reconnect. On a Redis Cluster: sharded pub/sub
 * (SSUBSCRIBE; each channel lives on the shard of its slot, so messages do not cross the cluster bus),
 * with ioredis' one subscriber connection per master; each time it rebuilds them (a master failed or
 * slots moved) and has subscribed again, a resync.
 */
export class ChannelSubscription {
  readonly #subscriber: RedisClient
  readonly #channels: readonly string[]
  readonly #sharded: boolean
  readonly #onMessage: (channel: string, message: string) => void
  readonly #onReady: () => void
  #started = false
  #resync: Coalesced | undefined

  /**
   * `resyncSettleMs` (a cluster only): ioredis rebuilds its shard subscribers again and again while a
   * failover settles (30–200 subscribersReady in one), and every resync drops a cache and reads it back;
   * one resync once they have been quiet that long, and at the latest RESYNC_MAX_WAIT_MS after the first.
   */
  constructor(
    subscriber: RedisClient,
    channels: string | readonly string[],
    onMessage: (message: string) => void,
    onResync: () => void,
    { resyncSettleMs = RESYNC_SETTLE_MS }: { resyncSettleMs?: number } = {}
  ) {
    this.#subscriber = subscriber
    this.#channels = typeof channels === 'string' ? [channels] : channels
    this.#sharded = isCluster(subscriber)
    const mine = new Set(this.#channels)
    this.#onMessage = (from, message) => {
      if (mine.has(from)) onMessage(message)
    }
    if (this.#sharded) {
      // Rebuilt subscribers have subscribed again by then; before start there is nothing to resync.
      const resync = new Coalesced(onResync, resyncSettleMs, RESYNC_MAX_WAIT_MS)
      this.#resync = resync
      this.#onReady = () => {
        if (this.#started) resync.signal()
      }
      subscriber.on('smessage', this.#onMessage)
      subscriber.on('subscribersReady', this.#onReady)
      return
    }
    // A connection that is up already (shared, made earlier) has had its first connection.
    let connectedBefore = subscriber.status === 'ready'
    this.#onReady = () => {
      if (connectedBefore) onResync()
      connectedBefore = true
    }
    subscriber.on('message', this.#onMessage)
    subscriber.on('ready', this.#onReady)
  }

  /**
   * Subscribes; call once before serving. While Redis is unreachable it tries again each time the
   * connection comes up; a refusal from a connected Redis (e.g. an ACL) is thrown.
   */
  async start(): Promise<void> {
    for (;;) {
      try {
        if (this.#sharded) await Promise.all(this.#channels.map((channel) => this.#subscriber.ssubscribe(channel)))
        else await this.#subscriber.subscribe(...this.#channels)
        this.#started = true
        return
      } catch (err) {
        if (this.#subscriber.status === 'ready') throw err
      }
      await new Promise<void>((resolve) => this.#subscriber.once('ready', () => resolve()))
    }
  }

  /** Stops listening; the connection stays with whoever made it. */
  close(): void {
    const subscriber = this.#subscriber
    this.#resync?.cancel()
    subscriber.off(this.#sharded ? 'smessage' : 'message', this.#onMessage)
    subscriber.off(this.#sharded ? 'subscribersReady' : 'ready', this.#onReady)
    // Not awaited: with Redis down it would wait for a reconnect.
    if (this.#sharded) for (const channel of this.#channels) subscriber.sunsubscribe(channel).then(ignore, ignore)
    else subscriber.unsubscribe(...this.#channels).then(ignore, ignore)
  }
}

function ignore(): void {}

/**
 * Runs `action` once per burst of signals: `settleMs` after the last one, and at the latest `maxWaitMs`
 * after the burst's first (then a later signal starts a new burst). The last signal is always followed by a run.
 */
export class Coalesced {
  readonly #action: () => void
  readonly #settleMs: number
  readonly #maxWaitMs: number
  #timer: NodeJS.Timeout | undefined
  #burstStarted = 0

  constructor(action: () => void, settleMs: number, maxWaitMs: number) {
    this.#action = action
    this.#settleMs = settleMs
    this.#maxWaitMs = maxWaitMs
  }

  signal(): void {
    const now = Date.now()
    if (this.#timer === undefined) this.#burstStarted = now
    clearTimeout(this.#timer)
    const delay = Math.min(this.#settleMs, this.#burstStarted + this.#maxWaitMs - now)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#action()
    }, Math.max(0, delay))
  }

  cancel(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
