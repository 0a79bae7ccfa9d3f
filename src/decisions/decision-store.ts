/**
 * Recent decisions, platform-wide and without user ids: a sampled ring of scored items (what a decision
 * needs to be taken again under another policy) and hourly counts of decisions by action and headline
 * reason. Two implementations share one contract test suite: Redis (every key under the `{decisions}`
 * hash tag) and in-memory (embedded).
 */
import type { ScoredCategory } from '../classifiers/types.js'
import type { Action, AgeBand, Category, Sensitivity, Surface } from '../policy/vocabulary.js'

export const HOUR_MS = 3_600_000

/** What re-deciding an item under another policy needs: its scores and the user's settings, no user id. */
export interface SampledItem {
  itemId: string
  /** Epoch ms when it was scored. */
  at: number
  surface: Surface
  sensitivity: Sensitivity
  ageBand: AgeBand
  restrictedMode: boolean
  /** The user's own category choices (they replace the policy's thresholds for those categories). */
  choices: Partial<Record<Category, Action>>
  evidence: Partial<Record<Category, ScoredCategory>>
}

/** The type of a decision's first (most severe) reason, or `none` for an allow without reasons. */
export const HEADLINE_REASONS = ['keyword', 'hashtag', 'author', 'category', 'feedback', 'item', 'hash', 'none'] as const
export type HeadlineReason = (typeof HEADLINE_REASONS)[number]

/** Decisions per `<action>|<headline reason>`, for one hour. */
export type DecisionCounts = Record<string, number>

export interface HourlyDecisions {
  /** Epoch ms of the hour's start. */
  hour: number
  counts: DecisionCounts
}

export interface DecisionStoreOptions {
  /** Samples kept per hourly bucket; the oldest of a bucket go first. */
  maxSamplesPerHour: number
  /** How long a sample is kept. */
  sampleTtlMs: number
  /** How long hourly counts are kept. */
  countsTtlMs: number
  now?: () => number
}

export interface DecisionStore {
  readonly kind: 'redis' | 'memory'
  addSamples(samples: readonly SampledItem[]): Promise<void>
  /** Samples still within their time to live, newest first, at most `limit`. */
  readSamples(limit: number): Promise<SampledItem[]>
  /** Adds counts to the hours they belong to. */
  addCounts(hours: readonly HourlyDecisions[]): Promise<void>
  /** The `hours` hourly buckets ending with the current one, oldest first (empty hours included). */
  readCounts(hours: number): Promise<HourlyDecisions[]>
  close(): Promise<void>
}

export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS

/** The starts of the `hours` hourly buckets ending with the one holding `now`, oldest first. */
export function bucketHours(now: number, hours: number): number[] {
  const current = hourOf(now)
  return Array.from({ length: hours }, (_, index) => current - (hours - 1 - index) * HOUR_MS)
}

export const countKey = (action: Action, reason: HeadlineReason) => `${action}|${reason}`

/** One hour's decisions as insights show them: allows (they have no reason), blurs and hides per headline reason. */
export interface DecisionsInHour {
  hour: string
  allow: number
  blur: Partial<Record<HeadlineReason, number>>
  hide: Partial<Record<HeadlineReason, number>>
}

export function decisionsInHour({ hour, counts }: HourlyDecisions): DecisionsInHour {
  const out: DecisionsInHour = { hour: new Date(hour).toISOString(), allow: 0, blur: {}, hide: {} }
  for (const [key, count] of Object.entries(counts)) {
    const [action, reason] = key.split('|') as [Action, HeadlineReason]
    if (action === 'allow') out.allow += count
    else out[action][reason] = (out[action][reason] ?? 0) + count
  }
  return out
}
