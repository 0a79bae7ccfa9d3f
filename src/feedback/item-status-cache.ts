import { LRUCache } from 'lru-cache'
import type { ItemStatus } from '../engine/types.js'

export interface ItemStatusCacheOptions {
  /** How long a status read from the store is used, in ms: the longest another process's change goes unseen. */
  maxAgeMs: number
  /** Items remembered at most (least recently used go first). */
  maxItems: number
  /** The clock ages and expiries are measured on, in ms (the store's). */
  now: () => number
}

/** A status as read, with when it expires (ms on the cache's clock). */
export interface ExpiringStatus {
  status: ItemStatus
  expiresAt: number
}

/** Remembered for an item without a status: the common case, which is what makes the cache worth having. */
const NO_STATUS = Object.freeze({ status: 'none' })
type Remembered = ItemStatus | typeof NO_STATUS

/**
 * The statuses of items read lately, so that every feed fill does not read the same items' statuses from Redis
 * again: a warm batch of 50 otherwise costs an MGET of 50 keys, nearly always of no status at all.
 *
 * A status changed by this process is forgotten as soon as the change is made; one changed by another (a replica,
 * or another of its workers) is seen within `maxAgeMs`. A read that was under way while a status was forgotten is not remembered (it may
 * predate the change): `generation` before the read, `remember` after it.
 */
export class ItemStatusCache {
  readonly #entries: LRUCache<string, Remembered>
  readonly #maxAgeMs: number
  readonly #now: () => number
  #generation = 0

  constructor({ maxAgeMs, maxItems, now }: ItemStatusCacheOptions) {
    this.#maxAgeMs = maxAgeMs
    this.#now = now
    // ttlResolution 0: every look-up reads the clock (cheap), so a test's clock is never read stale
    this.#entries = new LRUCache({ max: maxItems, ttl: maxAgeMs, ttlResolution: 0, perf: { now } })
  }

  /** The remembered statuses of the items (those without one left out), and the items to read. */
  lookup(itemIds: readonly string[]): { statuses: Map<string, ItemStatus>; unknown: string[] } {
    const statuses = new Map<string, ItemStatus>()
    const unknown: string[] = []
    for (const itemId of itemIds) {
      const remembered = this.#entries.get(itemId)
      if (remembered === undefined) unknown.push(itemId)
      else if (remembered !== NO_STATUS) statuses.set(itemId, remembered as ItemStatus)
    }
    return { statuses, unknown }
  }

  /** Changes each time statuses are forgotten: taken before a read, handed to `remember` with its result. */
  get generation(): number {
    return this.#generation
  }

  /**
   * Remembers what a read found for `itemIds` (no entry: no status), unless a status was forgotten since it began;
   * a status no longer than until it expires.
   */
  remember(itemIds: readonly string[], found: ReadonlyMap<string, ExpiringStatus>, generation: number): void {
    if (generation !== this.#generation) return
    const now = this.#now()
    for (const itemId of itemIds) {
      const read = found.get(itemId)
      if (read === undefined) this.#entries.set(itemId, NO_STATUS)
      else if (read.expiresAt > now) this.#entries.set(itemId, read.status, { ttl: Math.min(this.#maxAgeMs, read.expiresAt - now) })
    }
  }

  /** Forgets the items whose status this process is changing (call once the change is made, or failed). */
  forget(itemIds: Iterable<string>): void {
    this.#generation++
    for (const itemId of itemIds) this.#entries.delete(itemId)
  }

  get size(): number {
    return this.#entries.size
  }
}
