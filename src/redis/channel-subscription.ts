import type { RedisClient } from './connection.js'

/**
 * One store's change notifications on a subscriber connection it shares with other stores (and does
 * not own): the messages of its channel, and a resync signal each time the connection comes back,
 * since whatever was published while it was away is lost.
 */
export class ChannelSubscription {
  readonly #subscriber: RedisClient
  readonly #channel: string
  readonly #onMessage: (channel: string, message: string) => void
  readonly #onReady: () => void

  constructor(subscriber: RedisClient, channel: string, onMessage: (message: string) => void, onResync: () => void) {
    this.#subscriber = subscriber
    this.#channel = channel
    this.#onMessage = (from, message) => {
      if (from === channel) onMessage(message)
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
        await this.#subscriber.subscribe(this.#channel)
        return
      } catch (err) {
        if (this.#subscriber.status === 'ready') throw err
      }
      await new Promise<void>((resolve) => this.#subscriber.once('ready', () => resolve()))
    }
  }

  /** Stops listening; the connection stays with whoever made it. */
  close(): void {
    this.#subscriber.off('message', this.#onMessage)
    this.#subscriber.off('ready', this.#onReady)
    // Not awaited: with Redis down it would wait for a reconnect.
    this.#subscriber.unsubscribe(this.#channel).then(ignore, ignore)
  }
}

function ignore(): void {}
