/**
 * Platform-wide feedback: crowd signals about items and creators, item statuses, reporter trust and the
 * hourly counters behind insights. Two implementations share one contract test suite: Redis (keys spread
 * per item, creator and reporter, insights buckets over a few slots; each script touches one slot) and
 * in-memory (embedded).
 */
import type { ItemStatus } from '../engine/types.js'
import type { Category } from '../policy/vocabulary.js'
import type { FeedbackSignal } from '../rules/schema.js'
import type { ReadBatch } from '../redis/read-batch.js'

export const HOUR_MS = 3_600_000
export const DAY_MS = 24 * HOUR_MS
/** Insights look back at most this far; hourly buckets live a little longer. */
export const MAX_INSIGHTS_HOURS = 30 * 24
export const BUCKET_RETENTION_MS = (MAX_INSIGHTS_HOURS + 2) * HOUR_MS

export interface AggregateEvent {
  /** Set when the event has an id: the store applies an event with a given key at most once. */
  dedupeKey?: string
  userId: string
  kind: FeedbackSignal
  itemId: string
  authorId?: string
  /** Normalised, without repeats. */
  hashtags: readonly string[]
  category?: Category
  /** Epoch ms. */
  at: number
}

export interface AggregateOutcome {
  /** False when the event's key was seen before: nothing was counted again. */
  applied: boolean
  /** This report put the item under review. */
  flagged: boolean
}

export type StoredStatus = 'under_review' | 'removed' | 'cleared'

export interface ItemSignals {
  itemId: string
  status: StoredStatus | 'none'
  category?: Category
  /** Epoch ms of the status change and of its expiry. */
  since?: number
  expiresAt?: number
  /** Distinct reporters within the window, and the sum of their trust at report time. */
  reporters: number
  weighted: number
  /** Weighted reports per report reason. */
  byCategory: Partial<Record<Category, number>>
}

export interface CreatorSignals {
  authorId: string
  /** Distinct reporters of the creator's items within the window. */
  reporters: number
  /** Distinct reporters per report reason. */
  byCategory: Partial<Record<Category, number>>
}

export interface VerdictOutcome {
  itemId: string
  status: 'removed' | 'cleared'
  category?: Category
  /** Reporters whose trust the verdict moved. */
  reportersAdjusted: number
  expiresAt: number
}

export interface ReviewQueue {
  /** Items under review, the longest waiting first. */
  items: ItemSignals[]
  /** How many items are under review in all. */
  total: number
}

export interface Ranked<T extends string = string> {
  value: T
  count: number
}

export interface InsightsQuery {
  /** Hourly buckets to read: the current hour and the ones before it. */
  hours: number
  limit: number
  /** A muted keyword is shown only when at least this many distinct users muted it. */
  minUsers: number
}

export interface InsightsData {
  items: Ranked[]
  creators: Ranked[]
  hashtags: Ranked[]
  categories: Array<Ranked<Category>>
  /** Oldest hour first; epoch ms of the hour's start. */
  byHour: Array<{ hour: number; counts: Record<FeedbackSignal, number> }>
  mutedKeywords: Ranked[]
}

export interface TrustOptions {
  initial: number
  min: number
  max: number
  stepUp: number
  stepDown: number
  ttlMs: number
}

export interface AggregateOptions {
  /** Reports count over this sliding window. */
  reportWindowMs: number
  /** Weighted distinct reporters at which an item goes under review. */
  reviewThreshold: number
  reviewTtlMs: number
  removedTtlMs: number
  clearedTtlMs: number
  /** How long event keys are remembered. */
  dedupeMs: number
  trust: TrustOptions
  now?: () => number
}

export interface AggregateStore {
  readonly kind: 'redis' | 'memory'
  /** Counts the events (each at most once per dedupe key) and updates item statuses. */
  record(events: readonly AggregateEvent[]): Promise<AggregateOutcome[]>
  /** The scoring path's read: one command queued on the request's batch for all its items. */
  readStatuses(itemIds: readonly string[], batch: ReadBatch): Promise<Map<string, ItemStatus>>
  item(itemId: string): Promise<ItemSignals>
  creator(authorId: string): Promise<CreatorSignals>
  /**
   * Removes the item (violating) or clears it, and moves its current reporters' trust up or down.
   * Repeating a verdict sets the status again but moves nobody's trust twice.
   */
  verdict(itemId: string, violating: boolean, category?: Category): Promise<VerdictOutcome>
  /** The items under review, oldest first, at most `limit`, with their reports. */
  underReview(limit: number): Promise<ReviewQueue>
  trust(userId: string): Promise<number>
  /** Users who started muting these (normalised) keywords. */
  recordMutedTerms(userId: string, terms: readonly string[]): Promise<void>
  insights(query: InsightsQuery): Promise<InsightsData>
  close(): Promise<void>
}

export const defaultAggregateOptions = (): AggregateOptions => ({
  reportWindowMs: 72 * HOUR_MS,
  reviewThreshold: 5,
  reviewTtlMs: 168 * HOUR_MS,
  removedTtlMs: 90 * 24 * HOUR_MS,
  clearedTtlMs: 168 * HOUR_MS,
  dedupeMs: 168 * HOUR_MS,
  trust: { initial: 1, min: 0.1, max: 3, stepUp: 0.25, stepDown: 0.5, ttlMs: 180 * 24 * HOUR_MS }
})

export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS

/** The starts of the `hours` hourly buckets ending with the current one, oldest first. */
export function bucketHours(now: number, hours: number): number[] {
  const current = hourOf(now)
  return Array.from({ length: hours }, (_, index) => current - (hours - 1 - index) * HOUR_MS)
}

export const emptyCounts = (): Record<FeedbackSignal, number> => ({
  not_interested: 0,
  hide_author: 0,
  see_less_hashtag: 0,
  report: 0
})

/** Highest count first; ties in reverse order of the value, as Redis ranks sorted-set members. */
export function rank<T extends string>(counts: ReadonlyMap<T, number>, limit: number, min = 1): Array<Ranked<T>> {
  return [...counts]
    .filter(([, count]) => count >= min)
    .sort(([a, x], [b, y]) => y - x || (a < b ? 1 : -1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }))
}

/** Weights are kept as integers (thousandths) so sums stay exact in both stores. */
export const toMilli = (weight: number) => Math.round(weight * 1000)
export const fromMilli = (milli: number) => milli / 1000
