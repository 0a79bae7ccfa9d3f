import { randomUUID } from 'node:crypto'
import type { RedisClient } from './connection.js'

/** A loss of the data Redis held, seen by a replica and not yet acknowledged by an operator. */
export interface DataLoss {
  /** When it was first seen (epoch ms). */
  since: number
  /** `marker_missing` (restart without persistence, FLUSHALL, failover to an empty node) or `marker_changed`. */
  reason: 'marker_missing' | 'marker_changed'
}

export interface DatasetMarkerOptions {
  redis: RedisClient
  keyPrefix: string
  /** Told once per loss this replica sees (log and metric). */
  onLoss: (loss: DataLoss) => void
  now?: () => number
}

/**
 * Redis holds primary data (users' rules, hash banks): when it comes back empty or as another dataset,
 * nothing else would notice. A marker key holds a random id of the dataset; every replica remembers the
 * id it saw and checks it now and then. A missing or different marker is a loss: the replica that sees it
 * records it in Redis (so every replica, and one that starts later, reports it) and puts a new marker in
 * place, so a second loss is seen too. The loss stands until an operator acknowledges it.
 *
 * Both keys share a hash tag: one slot, one round trip, on Redis Cluster too.
 */
export class DatasetMarker {
  readonly #redis: RedisClient
  readonly #markerKey: string
  readonly #lossKey: string
  readonly #onLoss: (loss: DataLoss) => void
  readonly #now: () => number
  #known: string | undefined
  #loss: DataLoss | undefined

  constructor(options: DatasetMarkerOptions) {
    this.#redis = options.redis
    this.#markerKey = `${options.keyPrefix}{dataset}:marker`
    this.#lossKey = `${options.keyPrefix}{dataset}:unacknowledged-loss`
    this.#onLoss = options.onLoss
    this.#now = options.now ?? Date.now
  }

  /** The dataset id this replica works on; undefined until a first check succeeded. */
  get datasetId(): string | undefined {
    return this.#known
  }

  /** The unacknowledged loss, as of the last check. */
  get loss(): DataLoss | undefined {
    return this.#loss
  }

  /**
   * Reads the marker (creating it when this replica never saw one: a first start) and the shared loss
   * record. Rejects when Redis does not answer: nothing is concluded then.
   */
  async check(): Promise<void> {
    const [marker, loss] = await this.#redis.mget(this.#markerKey, this.#lossKey)
    if (marker !== null && marker === this.#known) {
      this.#loss = parseLoss(loss)
      return
    }
    const firstCheck = this.#known === undefined
    this.#known = marker ?? (await this.#create())
    if (firstCheck) {
      this.#loss = parseLoss(loss)
      return
    }
    const seen: DataLoss = { since: this.#now(), reason: marker === null ? 'marker_missing' : 'marker_changed' }
    // Another replica may have recorded the same loss already: the first record stands.
    await this.#redis.set(this.#lossKey, JSON.stringify(seen), 'NX')
    // Read back: the record that stands (none if it was acknowledged in between).
    this.#loss = parseLoss(await this.#redis.get(this.#lossKey))
    this.#onLoss(seen)
  }

  /** An operator acknowledges the loss: every replica stops reporting it. Answers whether there was one. */
  async acknowledge(): Promise<boolean> {
    const removed = await this.#redis.del(this.#lossKey)
    const had = removed > 0 || this.#loss !== undefined
    this.#loss = undefined
    return had
  }

  /** A new marker, unless another replica put one in place first (then that one). */
  async #create(): Promise<string> {
    const id = randomUUID()
    await this.#redis.set(this.#markerKey, id, 'NX')
    // Only a wipe in these few microseconds leaves none: the next check then sees it as a loss.
    return (await this.#redis.get(this.#markerKey)) as string
  }
}

function parseLoss(stored: string | null | undefined): DataLoss | undefined {
  return stored ? (JSON.parse(stored) as DataLoss) : undefined
}
