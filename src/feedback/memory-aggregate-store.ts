import type { ItemStatus } from '../engine/types.js'
import type { Category } from '../policy/vocabulary.js'
import {
  BUCKET_RETENTION_MS,
  bucketHours,
  emptyCounts,
  fromMilli,
  hourOf,
  rank,
  toMilli,
  type AggregateEvent,
  type AggregateOptions,
  type AggregateOutcome,
  type AggregateStore,
  type CreatorSignals,
  type InsightsData,
  type InsightsQuery,
  type ItemSignals,
  type ReviewQueue,
  type StoredStatus,
  type VerdictOutcome
} from './aggregate-store.js'

interface Report {
  weight: number
  at: number
  category: Category | ''
}

interface Status {
  status: StoredStatus
  category: Category | ''
  since: number
  expiresAt: number
}

interface Bucket {
  expiresAt: number
  counts: ReturnType<typeof emptyCounts>
  items: Map<string, number>
  creators: Map<string, number>
  hashtags: Map<string, number>
  categories: Map<Category, number>
  /** term → distinct users who started muting it in this hour */
  muted: Map<string, Set<string>>
}

const increment = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1)

/**
 * The embedded store: one process, nothing persisted, the same behaviour as the Redis store (its
 * sliding windows, expiries and rankings), with exact distinct counts where Redis estimates.
 */
export class MemoryAggregateStore implements AggregateStore {
  readonly kind = 'memory'
  readonly #options: AggregateOptions
  readonly #now: () => number
  readonly #events = new Map<string, number>()
  readonly #trust = new Map<string, { milli: number; expiresAt: number }>()
  readonly #items = new Map<string, Map<string, Report>>()
  readonly #creators = new Map<string, Map<string, number>>()
  readonly #statuses = new Map<string, Status>()
  readonly #buckets = new Map<number, Bucket>()
  #nextSweep = 0

  constructor(options: AggregateOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  async record(events: readonly AggregateEvent[]): Promise<AggregateOutcome[]> {
    const now = this.#now()
    this.#sweep(now)
    return events.map((event) => this.#recordOne(event, now))
  }

  #recordOne(event: AggregateEvent, now: number): AggregateOutcome {
    if (event.dedupeKey !== undefined) {
      if ((this.#events.get(event.dedupeKey) ?? 0) > now) return { applied: false, flagged: false }
      this.#events.set(event.dedupeKey, now + this.#options.dedupeMs)
    }
    const bucket = this.#bucket(event.at, now)
    bucket.counts[event.kind]++
    if (event.kind !== 'report') return { applied: true, flagged: false }

    const cutoff = now - this.#options.reportWindowMs
    const reports = this.#windowed(this.#items, event.itemId, cutoff)
    if (event.at < cutoff) return { applied: true, flagged: false }
    const isNew = !reports.has(event.userId)
    reports.set(event.userId, { weight: this.#trustMilli(event.userId, now), at: event.at, category: event.category ?? '' })
    if (isNew) {
      increment(bucket.items, event.itemId)
      if (event.authorId !== undefined) increment(bucket.creators, event.authorId)
      for (const tag of event.hashtags) increment(bucket.hashtags, tag)
      if (event.category) increment(bucket.categories, event.category)
    }
    if (event.authorId !== undefined) {
      const creator = this.#windowedCreator(event.authorId, cutoff)
      creator.set(`${event.category ?? ''}|${event.userId}`, event.at)
    }
    if (this.#status(event.itemId, now)) return { applied: true, flagged: false }
    const { total, top } = sums(reports.values())
    if (total < toMilli(this.#options.reviewThreshold)) return { applied: true, flagged: false }
    this.#statuses.set(event.itemId, { status: 'under_review', category: top, since: now, expiresAt: now + this.#options.reviewTtlMs })
    return { applied: true, flagged: true }
  }

  async readStatuses(itemIds: readonly string[]): Promise<Map<string, ItemStatus>> {
    const now = this.#now()
    const found = new Map<string, ItemStatus>()
    for (const itemId of itemIds) {
      const status = this.#status(itemId, now)
      if (!status || status.status === 'cleared') continue
      found.set(itemId, status.category ? { status: status.status, category: status.category } : { status: status.status })
    }
    return found
  }

  async item(itemId: string): Promise<ItemSignals> {
    const now = this.#now()
    const cutoff = now - this.#options.reportWindowMs
    const reports = [...(this.#items.get(itemId)?.values() ?? [])].filter((report) => report.at >= cutoff)
    const byCategory: ItemSignals['byCategory'] = {}
    for (const report of reports) {
      if (report.category) byCategory[report.category] = fromMilli(toMilli(byCategory[report.category] ?? 0) + report.weight)
    }
    const signals: ItemSignals = {
      itemId,
      status: 'none',
      reporters: reports.length,
      weighted: fromMilli(reports.reduce((sum, report) => sum + report.weight, 0)),
      byCategory
    }
    const status = this.#status(itemId, now)
    if (status) {
      signals.status = status.status
      if (status.category) signals.category = status.category
      signals.since = status.since
      signals.expiresAt = status.expiresAt
    }
    return signals
  }

  async creator(authorId: string): Promise<CreatorSignals> {
    const cutoff = this.#now() - this.#options.reportWindowMs
    const members = [...(this.#creators.get(authorId) ?? [])].filter(([, at]) => at >= cutoff).map(([member]) => member)
    return creatorSignals(authorId, members)
  }

  async verdict(itemId: string, violating: boolean, category?: Category): Promise<VerdictOutcome> {
    const now = this.#now()
    const reports = this.#windowed(this.#items, itemId, now - this.#options.reportWindowMs)
    const { trust } = this.#options
    for (const reporter of reports.keys()) {
      const milli = this.#trustMilli(reporter, now) + toMilli(violating ? trust.stepUp : -trust.stepDown)
      const bounded = Math.min(toMilli(trust.max), Math.max(toMilli(trust.min), milli))
      this.#trust.set(reporter, { milli: bounded, expiresAt: now + trust.ttlMs })
    }
    this.#items.delete(itemId)
    const chosen = category ?? (this.#status(itemId, now)?.category || sums(reports.values()).top)
    const ttl = violating ? this.#options.removedTtlMs : this.#options.clearedTtlMs
    const status: Status = { status: violating ? 'removed' : 'cleared', category: chosen, since: now, expiresAt: now + ttl }
    this.#statuses.set(itemId, status)
    const outcome: VerdictOutcome = { itemId, status: status.status as VerdictOutcome['status'], reportersAdjusted: reports.size, expiresAt: status.expiresAt }
    if (chosen) outcome.category = chosen
    return outcome
  }

  async underReview(limit: number): Promise<ReviewQueue> {
    const now = this.#now()
    const waiting: Array<[string, number]> = []
    for (const itemId of [...this.#statuses.keys()]) {
      const status = this.#status(itemId, now)
      if (status?.status === 'under_review') waiting.push([itemId, status.since])
    }
    // as Redis orders a sorted set: by score, then by the member's bytes
    waiting.sort(([a, x], [b, y]) => x - y || Buffer.compare(Buffer.from(a), Buffer.from(b)))
    const items = await Promise.all(waiting.slice(0, limit).map(([itemId]) => this.item(itemId)))
    return { total: waiting.length, items }
  }

  async trust(userId: string): Promise<number> {
    return fromMilli(this.#trustMilli(userId, this.#now()))
  }

  async recordMutedTerms(userId: string, terms: readonly string[]): Promise<void> {
    const now = this.#now()
    const bucket = this.#bucket(now, now)
    for (const term of terms) {
      const users = bucket.muted.get(term) ?? new Set<string>()
      users.add(userId)
      bucket.muted.set(term, users)
    }
  }

  async insights(query: InsightsQuery): Promise<InsightsData> {
    const now = this.#now()
    const buckets = bucketHours(now, query.hours).map((hour) => ({ hour, bucket: this.#liveBucket(hour, now) }))
    const merge = <K>(pick: (bucket: Bucket) => Map<K, number>) => {
      const merged = new Map<K, number>()
      for (const { bucket } of buckets) if (bucket) for (const [key, count] of pick(bucket)) merged.set(key, (merged.get(key) ?? 0) + count)
      return merged
    }
    const mutedBy = new Map<string, Set<string>>()
    for (const { bucket } of buckets) {
      for (const [term, users] of bucket?.muted ?? []) mutedBy.set(term, new Set([...(mutedBy.get(term) ?? []), ...users]))
    }
    return {
      items: rank(merge((bucket) => bucket.items), query.limit),
      creators: rank(merge((bucket) => bucket.creators), query.limit),
      hashtags: rank(merge((bucket) => bucket.hashtags), query.limit),
      categories: rank(merge((bucket) => bucket.categories), query.limit),
      byHour: buckets.map(({ hour, bucket }) => ({ hour, counts: bucket ? { ...bucket.counts } : emptyCounts() })),
      mutedKeywords: rank(new Map([...mutedBy].map(([term, users]) => [term, users.size])), query.limit, query.minUsers)
    }
  }

  async close(): Promise<void> {
    this.#items.clear()
    this.#buckets.clear()
  }

  #status(itemId: string, now: number): Status | undefined {
    const status = this.#statuses.get(itemId)
    if (status && status.expiresAt > now) return status
    this.#statuses.delete(itemId)
    return undefined
  }

  #trustMilli(userId: string, now: number): number {
    const stored = this.#trust.get(userId)
    return stored && stored.expiresAt > now ? stored.milli : toMilli(this.#options.trust.initial)
  }

  /** The item's reports with those older than the window forgotten (as the Redis script does on write). */
  #windowed(map: Map<string, Map<string, Report>>, key: string, cutoff: number): Map<string, Report> {
    const entries = map.get(key) ?? new Map<string, Report>()
    for (const [reporter, report] of entries) if (report.at < cutoff) entries.delete(reporter)
    map.set(key, entries)
    return entries
  }

  #windowedCreator(authorId: string, cutoff: number): Map<string, number> {
    const entries = this.#creators.get(authorId) ?? new Map<string, number>()
    for (const [member, at] of entries) if (at < cutoff) entries.delete(member)
    this.#creators.set(authorId, entries)
    return entries
  }

  #liveBucket(hour: number, now: number): Bucket | undefined {
    const bucket = this.#buckets.get(hour)
    return bucket && bucket.expiresAt > now ? bucket : undefined
  }

  #bucket(at: number, now: number): Bucket {
    const hour = hourOf(at)
    const live = this.#liveBucket(hour, now)
    if (live) {
      // Like a Redis key's TTL, set again on every write.
      live.expiresAt = now + BUCKET_RETENTION_MS
      return live
    }
    const bucket: Bucket = {
      expiresAt: now + BUCKET_RETENTION_MS,
      counts: emptyCounts(),
      items: new Map(),
      creators: new Map(),
      hashtags: new Map(),
      categories: new Map(),
      muted: new Map()
    }
    this.#buckets.set(hour, bucket)
    return bucket
  }

  /** Drops what has expired, at most once a minute, so memory stays bounded by the windows. */
  #sweep(now: number) {
    if (now < this.#nextSweep) return
    this.#nextSweep = now + 60_000
    const cutoff = now - this.#options.reportWindowMs
    for (const [key, expiresAt] of this.#events) if (expiresAt <= now) this.#events.delete(key)
    for (const [key, trust] of this.#trust) if (trust.expiresAt <= now) this.#trust.delete(key)
    for (const itemId of this.#statuses.keys()) this.#status(itemId, now)
    for (const [hour, bucket] of this.#buckets) if (bucket.expiresAt <= now) this.#buckets.delete(hour)
    for (const itemId of [...this.#items.keys()]) if (this.#windowed(this.#items, itemId, cutoff).size === 0) this.#items.delete(itemId)
    for (const authorId of [...this.#creators.keys()]) if (this.#windowedCreator(authorId, cutoff).size === 0) this.#creators.delete(authorId)
  }
}

/** Total weight and the report reason with the most weight (ties: the first in alphabetical order). */
function sums(reports: Iterable<Report>): { total: number; top: Category | '' } {
  let total = 0
  const byCategory = new Map<Category, number>()
  for (const report of reports) {
    total += report.weight
    if (report.category) byCategory.set(report.category, (byCategory.get(report.category) ?? 0) + report.weight)
  }
  let top: Category | '' = ''
  let topWeight = 0
  for (const [category, weight] of byCategory) {
    if (weight > topWeight || (weight === topWeight && category < top)) [top, topWeight] = [category, weight]
  }
  return { total, top }
}

/** Distinct reporters overall and per reason, from `<category>|<reporter>` members. */
export function creatorSignals(authorId: string, members: readonly string[]): CreatorSignals {
  const all = new Set<string>()
  const perCategory = new Map<Category, Set<string>>()
  for (const member of members) {
    const bar = member.indexOf('|')
    const category = member.slice(0, bar) as Category | ''
    const reporter = member.slice(bar + 1)
    all.add(reporter)
    if (category) perCategory.set(category, (perCategory.get(category) ?? new Set()).add(reporter))
  }
  const byCategory: CreatorSignals['byCategory'] = {}
  for (const [category, reporters] of perCategory) byCategory[category] = reporters.size
  return { authorId, reporters: all.size, byCategory }
}
