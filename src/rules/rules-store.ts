import type { ReadBatch } from '../redis/read-batch.js'
import type { RulesContent } from './document.js'
import type { RulesDocument } from './schema.js'

/** What a change to a user's rules computes from the current document. Throwing aborts it: nothing is stored. */
export type RulesChange<T> = (current: RulesDocument) => { content: RulesContent; result: T }

/**
 * Where users' rules live. Two implementations share one contract test suite: Redis (production,
 * shared by replicas) and in-memory (the embedded default when no REDIS_URL is set).
 */
export interface RulesStore {
  readonly kind: 'redis' | 'memory'
  /** The user's document; defaults with version 0 for a user who never saved any. */
  get(userId: string): Promise<RulesDocument>
  /** The same read for the scoring path: queued on the request's batch when the store is Redis. */
  read(userId: string, batch: ReadBatch): Promise<RulesDocument>
  /**
   * Applies a change atomically with optimistic concurrency on `version`: when another writer got in
   * first the change is recomputed on the newer document, so no update is ever lost. With
   * `expectedVersion`, a document at another version fails with FG_RULES_CONFLICT instead.
   */
  update<T>(userId: string, change: RulesChange<T>, expectedVersion?: number): Promise<{ doc: RulesDocument; result: T }>
  /**
   * Removes the user's rules, leaving a tombstone: the defaults at the next version, so versions only go
   * forward and no If-Match from before is accepted again. Answers whether there were rules to remove.
   */
  delete(userId: string): Promise<boolean>
  /** Called with a user id whenever that user's rules change, on this replica or any other. */
  onChange(listener: (userId: string) => void): void
  /** Called when change notifications may have been missed (e.g. after a reconnect). */
  onResync(listener: () => void): void
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}
