import { randomBytes } from 'node:crypto'
import calculateSlot from 'cluster-key-slot'
import type { ChainableCommander, Result } from 'ioredis'
import type { RedisClient } from '../redis/connection.js'
import type { ItemStatus } from '../engine/types.js'
import { FeedguardError } from '../errors.js'
import type { Category } from '../policy/vocabulary.js'
import { execByNode, type KeyedCommand } from '../redis/per-node.js'
import { ReplicaWait } from '../redis/replica-wait.js'
import { NO_METRICS, type MetricsRecorder } from '../metrics/recorder.js'
import { ItemStatusCache, type ExpiringStatus, type ItemStatusCacheOptions } from './item-status-cache.js'
import type { ReadBatch } from '../redis/read-batch.js'
import {
  BUCKET_RETENTION_MS,
  HOUR_MS,
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
  type Ranked,
  type ReviewQueue,
  type StoredStatus,
  type VerdictOutcome
} from './aggregate-store.js'
import { creatorSignals } from './memory-aggregate-store.js'
import { digest } from './terms.js'

/** Hourly insights buckets are split over this many slots (each its own hash tag), merged on read. */
export const BUCKET_SHARDS = 8

/** The bucket shard of a ranked member, an event key or a keyword digest: stable, spread evenly. */
export const shardOf = (value: string) => calculateSlot(value) % BUCKET_SHARDS

/**
 * Key layout: each family has its own hash tag, so that on Redis Cluster items, creators and reporters
 * spread over every shard, while each script still touches one slot.
 *
 *   {i:<itemId>}:rt          sorted set reporter → report time: the item's sliding window
 *   {i:<itemId>}:rw          hash reporter → "<weight>|<category>", the reporter's trust at report time
 *   {i:<itemId>}:rs          hash "all" | <category> → weighted sum over the window
 *   {i:<itemId>}:st          "<status>|<category>|<since>|<expiresAt>" (expires with the status)
 *   {a:<authorId>}:rt        sorted set "<category>|<reporter>" → time: the creator's sliding window
 *   {u:<userId>}:tr          a reporter's trust, in thousandths (expires when unused), beside their rules
 *   {review}:items           sorted set itemId → since: the items under review, for moderators' queue (entries
 *                            older than the review time to live are pruned when read). One key for the whole
 *                            platform on purpose: it is written once per item put under or taken off review
 *   {agg:<n>}:ev:<digest>    an event already counted (SET NX, expires after the dedupe window)
 *   {agg:<n>}:h:<hour>:fb    hash event kind → count, per hour: the share of the events whose key is in shard n
 *   {agg:<n>}:h:<hour>:ri|ra|rh|rc   sorted sets of first reports per item, creator, hashtag, category in shard n
 *   {agg:<n>}:h:<hour>:mk    sorted set keyword → users who started muting it (keywords whose digest is in shard n)
 *   {agg:<n>}:h:<hour>:mu:<digest>   HyperLogLog of those users, per keyword
 *
 * A ranked member always falls in the same shard, so a shard's union over hours counts it exactly and
 * the top of the whole is the top of the shards' tops.
 */
export function aggregateKeys(prefix: string) {
  const shard = (n: number) => `${prefix}{agg:${n}}:`
  return {
    event: (key: string) => `${shard(shardOf(key))}ev:${key}`,
    counts: (hour: number, n: number) => `${shard(n)}h:${hour / HOUR_MS}:fb`,
    trust: (userId: string) => `${prefix}{u:${userId}}:tr`,
    itemTimes: (itemId: string) => `${prefix}{i:${itemId}}:rt`,
    itemReports: (itemId: string) => `${prefix}{i:${itemId}}:rw`,
    itemSums: (itemId: string) => `${prefix}{i:${itemId}}:rs`,
    status: (itemId: string) => `${prefix}{i:${itemId}}:st`,
    creator: (authorId: string) => `${prefix}{a:${authorId}}:rt`,
    review: () => `${prefix}{review}:items`,
    ranking: (hour: number, what: Ranking, n: number) => `${shard(n)}h:${hour / HOUR_MS}:${what}`,
    mutedUsers: (hour: number, termDigest: string) => `${shard(shardOf(termDigest))}h:${hour / HOUR_MS}:mu:${termDigest}`,
    temp: (n: number) => `${shard(n)}tmp:${randomBytes(8).toString('hex')}`
  }
}

type Ranking = 'ri' | 'ra' | 'rh' | 'rc' | 'mk'

/** Counts an event once per key (KEYS: event, hour counts). */
const COUNT_SCRIPT = `
if ARGV[1] == '1' and not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`

/**
 * A report in its item's window (KEYS: times, reports, sums, status — one item, one slot): forgets
 * reports older than the window, records this reporter (distinct: a repeat replaces their earlier
 * report, so a retried report never counts twice) with the given weight, and puts the item under
 * review when the weighted sum reaches the threshold and the item has no status yet. Answers
 * {new reporter, flagged}, or {-1, 0} for a report older than the window.
 */
const REPORT_SCRIPT = `
local function forget(member)
  local entry = redis.call('HGET', KEYS[2], member)
  if entry then
    local bar = string.find(entry, '|', 1, true)
    local weight = tonumber(string.sub(entry, 1, bar - 1))
    local category = string.sub(entry, bar + 1)
    redis.call('HINCRBY', KEYS[3], 'all', -weight)
    if category ~= '' then redis.call('HINCRBY', KEYS[3], category, -weight) end
    redis.call('HDEL', KEYS[2], member)
  end
end
local before = '(' .. ARGV[4]
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', before)) do forget(member) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', before)
if tonumber(ARGV[1]) < tonumber(ARGV[4]) then return {-1, 0} end
local reporter = ARGV[2]
local category = ARGV[3]
local isNew = redis.call('HEXISTS', KEYS[2], reporter) == 0
forget(reporter)
local weight = tonumber(ARGV[9])
redis.call('ZADD', KEYS[1], ARGV[1], reporter)
redis.call('HSET', KEYS[2], reporter, weight .. '|' .. category)
redis.call('HINCRBY', KEYS[3], 'all', weight)
if category ~= '' then redis.call('HINCRBY', KEYS[3], category, weight) end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
local fresh = isNew and 1 or 0
if redis.call('EXISTS', KEYS[4]) == 1 then return {fresh, 0} end
local sums = redis.call('HGETALL', KEYS[3])
local total, top, topWeight = 0, '', 0
for i = 1, #sums, 2 do
  local w = tonumber(sums[i + 1])
  if sums[i] == 'all' then total = w
  elseif w > topWeight or (w == topWeight and sums[i] < top) then top, topWeight = sums[i], w end
end
if total < tonumber(ARGV[6]) then return {fresh, 0} end
redis.call('SET', KEYS[4], 'under_review|' .. top .. '|' .. ARGV[7], 'PX', ARGV[8])
return {fresh, 1}
`

/** A first report counted in an hourly ranking (KEYS: the ranking in the member's shard). */
const RANK_SCRIPT = `
redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

/** A report in its creator's window (KEYS: the creator's window). */
const CREATOR_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`

/**
 * A verdict on one item (KEYS: status, times, reports, sums): takes the given reporters that are still
 * in the window out of it (each once: they leave the window as they are counted, so a retried verdict
 * never moves a reporter's trust twice), forgets reports that aged out, and sets the status with the
 * given category, else the current status's, else the reporters' most weighted reason. Answers
 * {category, reporter…}: the reporters whose trust is to move.
 */
const VERDICT_SCRIPT = `
local adjusted = {}
local weights = {}
local cutoff = tonumber(ARGV[5])
for _, reporter in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], cutoff, '+inf')) do
  local entry = redis.call('HGET', KEYS[3], reporter)
  if entry then
    local bar = string.find(entry, '|', 1, true)
    local category = string.sub(entry, bar + 1)
    if category ~= '' then weights[category] = (weights[category] or 0) + tonumber(string.sub(entry, 1, bar - 1)) end
    redis.call('ZREM', KEYS[2], reporter)
    redis.call('HDEL', KEYS[3], reporter)
    adjusted[#adjusted + 1] = reporter
  end
end
local before = '(' .. ARGV[5]
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', before)) do redis.call('HDEL', KEYS[3], member) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', before)
redis.call('DEL', KEYS[4])
local remaining = redis.call('HGETALL', KEYS[3])
for i = 1, #remaining, 2 do
  local entry = remaining[i + 1]
  local bar = string.find(entry, '|', 1, true)
  local weight = tonumber(string.sub(entry, 1, bar - 1))
  local category = string.sub(entry, bar + 1)
  redis.call('HINCRBY', KEYS[4], 'all', weight)
  if category ~= '' then redis.call('HINCRBY', KEYS[4], category, weight) end
end
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
local category = ARGV[2]
if category == '' then
  local current = redis.call('GET', KEYS[1])
  if current then category = string.match(current, '^[^|]*|([^|]*)') or '' end
end
if category == '' then
  local topWeight = 0
  for name, weight in pairs(weights) do
    if weight > topWeight or (weight == topWeight and name < category) then category, topWeight = name, weight end
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. category .. '|' .. ARGV[3], 'PX', ARGV[4])
table.insert(adjusted, 1, category)
return adjusted
`

/** Moves one reporter's trust by a step, within bounds (KEYS: the trust). */
const TRUST_SCRIPT = `
local trust = tonumber(redis.call('GET', KEYS[1]) or ARGV[4]) + tonumber(ARGV[1])
trust = math.max(tonumber(ARGV[2]), math.min(tonumber(ARGV[3]), trust))
redis.call('SET', KEYS[1], trust, 'PX', ARGV[5])
return trust
`

/** The highest-ranked members of the union of hourly sorted sets (KEYS[1] is a scratch key; all in one shard). */
const TOP_SCRIPT = `
redis.call('ZUNIONSTORE', KEYS[1], #KEYS - 1, unpack(KEYS, 2))
local top = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, ARGV[1])
redis.call('DEL', KEYS[1])
return top
`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fgFeedbackCount(...args: Array<string | number>): Result<number, Context>
    fgFeedbackReport(...args: Array<string | number>): Result<[number, number], Context>
    fgFeedbackRank(...args: Array<string | number>): Result<number, Context>
    fgFeedbackCreator(...args: Array<string | number>): Result<number, Context>
    fgItemVerdict(...args: Array<string | number>): Result<string[], Context>
    fgTrustStep(...args: Array<string | number>): Result<number, Context>
    fgTop(...args: Array<string | number>): Result<string[], Context>
  }
}

export interface RedisAggregateStoreOptions extends AggregateOptions {
  redis: RedisClient
  keyPrefix: string
  /** Verdicts wait for a replica through this (src/redis/replica-wait.ts); without it they do not wait. */
  writes?: ReplicaWait | null
  /** Statuses read for scoring are used this long (src/feedback/item-status-cache.ts); maxAgeMs 0 or absent: read every time. */
  statusCache?: Omit<ItemStatusCacheOptions, 'now'>
  /** Where the status cache's hits and misses are counted. */
  metrics?: MetricsRecorder
}

/** Muted keywords considered per insights query: the most added ones, before their distinct users are counted. */
const MUTED_CANDIDATES = 200

const SHARDS = Array.from({ length: BUCKET_SHARDS }, (_, n) => n)

export const aggregatesUnavailable = (cause: string) =>
  new FeedguardError('FG_STORE_UNAVAILABLE', 503, `feedback store unavailable: ${cause}`)

/**
 * Each step sends one pipeline per node that holds a key it needs (one pipeline on a single node).
 * A report is applied in steps, each on one slot and each safe to repeat: the dedupe check and the
 * reporter's trust; then the item's window (distinct reporters: a repeat changes nothing) with the
 * event's count (once per event key); then the creator's window and the hourly rankings (only for a
 * reporter new to the item). A retry after a failure part-way completes what was missing.
 */
export class RedisAggregateStore implements AggregateStore {
  readonly kind = 'redis'
  readonly #redis: RedisClient
  readonly #writes: ReplicaWait
  readonly #keys: ReturnType<typeof aggregateKeys>
  readonly #options: AggregateOptions
  readonly #now: () => number
  readonly #statusCache: ItemStatusCache | null
  readonly #metrics: MetricsRecorder

  constructor(options: RedisAggregateStoreOptions) {
    this.#redis = options.redis
    this.#keys = aggregateKeys(options.keyPrefix)
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#metrics = options.metrics ?? NO_METRICS
    this.#statusCache = options.statusCache && options.statusCache.maxAgeMs > 0 ? new ItemStatusCache({ ...options.statusCache, now: this.#now }) : null
    this.#redis.defineCommand('fgFeedbackCount', { numberOfKeys: 2, lua: COUNT_SCRIPT })
    this.#redis.defineCommand('fgFeedbackReport', { numberOfKeys: 4, lua: REPORT_SCRIPT })
    this.#redis.defineCommand('fgFeedbackRank', { numberOfKeys: 1, lua: RANK_SCRIPT })
    this.#redis.defineCommand('fgFeedbackCreator', { numberOfKeys: 1, lua: CREATOR_SCRIPT })
    this.#writes = options.writes ?? new ReplicaWait({ redis: options.redis, timeoutMs: 0 })
    for (const redis of new Set([this.#redis, this.#writes.redis])) redis.defineCommand('fgItemVerdict', { numberOfKeys: 4, lua: VERDICT_SCRIPT })
    this.#redis.defineCommand('fgTrustStep', { numberOfKeys: 1, lua: TRUST_SCRIPT })
    this.#redis.defineCommand('fgTop', { lua: TOP_SCRIPT })
  }

  async record(events: readonly AggregateEvent[]): Promise<AggregateOutcome[]> {
    const now = this.#now()
    const k = this.#keys
    const o = this.#options
    const outcomes: AggregateOutcome[] = events.map(() => ({ applied: false, flagged: false }))

    // Step 1: events already counted are left out; reporters' trust weighs their reports.
    const looked = await this.#run(
      events.flatMap((event) => [
        ...(event.dedupeKey === undefined ? [] : [command(k.event(event.dedupeKey), (p, key) => p.exists(key))]),
        ...(event.kind === 'report' ? [command(k.trust(event.userId), (p, key) => p.get(key))] : [])
      ])
    )
    const fresh: Array<{ event: AggregateEvent; index: number; trust: number }> = []
    let at = 0
    events.forEach((event, index) => {
      const seen = event.dedupeKey === undefined ? 0 : (looked[at++] as number)
      const stored = event.kind === 'report' ? (looked[at++] as string | null) : null
      if (seen === 0) fresh.push({ event, index, trust: stored === null ? toMilli(o.trust.initial) : Number(stored) })
    })

    // Step 2: the event's count (once per key) and, for a report, the item's window (which may put it under review).
    const cutoff = now - o.reportWindowMs
    const reported = fresh.flatMap(({ event }) => (event.kind === 'report' ? [event.itemId] : []))
    const applied = await this.#run(
      fresh.flatMap(({ event, trust }) => {
        const hourKey = k.counts(hourOf(event.at), shardOf(event.dedupeKey ?? event.userId))
        // Without a dedupe key no event key is written: the counts' key stands in, so the script stays on one slot.
        const eventKey = event.dedupeKey === undefined ? hourKey : k.event(event.dedupeKey)
        const dedupe = event.dedupeKey === undefined ? ['0', 0] : ['1', o.dedupeMs]
        const count = command(eventKey, (p) => p.fgFeedbackCount(eventKey, hourKey, ...dedupe, event.kind, BUCKET_RETENTION_MS))
        if (event.kind !== 'report') return [count]
        const item = event.itemId
        const report = command(k.status(item), (p) =>
          p.fgFeedbackReport(
            k.itemTimes(item),
            k.itemReports(item),
            k.itemSums(item),
            k.status(item),
            event.at,
            event.userId,
            event.category ?? '',
            cutoff,
            o.reportWindowMs,
            toMilli(o.reviewThreshold),
            `${now}|${now + o.reviewTtlMs}`,
            o.reviewTtlMs,
            trust
          )
        )
        return [count, report]
      })
    ).finally(() => this.#statusChanged(reported))

    // Step 3: the creator's window, and the hourly rankings of a reporter new to the item.
    const followUps: KeyedCommand[] = []
    at = 0
    for (const { event, index } of fresh) {
      const counted = applied[at++] as number
      const [isNew, flagged] = event.kind === 'report' ? (applied[at++] as [number, number]) : [-1, 0]
      outcomes[index] = { applied: counted === 1, flagged: flagged === 1 }
      if (flagged === 1) {
        const queue = k.review()
        followUps.push(command(queue, (p) => p.zadd(queue, now, event.itemId).pexpire(queue, o.reviewTtlMs)))
      }
      if (isNew === -1) continue
      const hour = hourOf(event.at)
      if (event.authorId) {
        const key = k.creator(event.authorId)
        followUps.push(command(key, (p) => p.fgFeedbackCreator(key, event.at, `${event.category ?? ''}|${event.userId}`, cutoff, o.reportWindowMs)))
      }
      if (isNew !== 1) continue
      const rank = (what: Ranking, member: string) => {
        const key = k.ranking(hour, what, shardOf(member))
        followUps.push(command(key, (p) => p.fgFeedbackRank(key, member, BUCKET_RETENTION_MS)))
      }
      rank('ri', event.itemId)
      if (event.authorId) rank('ra', event.authorId)
      for (const hashtag of event.hashtags) rank('rh', hashtag)
      if (event.category) rank('rc', event.category)
    }
    await this.#run(followUps)
    return outcomes
  }

  readStatuses(itemIds: readonly string[], batch: ReadBatch): Promise<Map<string, ItemStatus>> {
    const cache = this.#statusCache
    if (!cache) return this.#readStatuses(itemIds, batch).then((found) => new Map([...found].map(([itemId, { status }]) => [itemId, status])))
    const { statuses, unknown } = cache.lookup(itemIds)
    this.#metrics.cacheLookups('item_status', itemIds.length - unknown.length, unknown.length)
    const generation = cache.generation
    return this.#readStatuses(unknown, batch).then((found) => {
      cache.remember(unknown, found, generation)
      for (const [itemId, { status }] of found) statuses.set(itemId, status)
      return statuses
    })
  }

  /** Once a write that may have changed the items' statuses is done (or failed, perhaps applied), this process reads them again. */
  #statusChanged(itemIds: readonly string[]): void {
    if (itemIds.length > 0) this.#statusCache?.forget(itemIds)
  }

  /** The statuses that count for scoring (a cleared item has none), with when each expires. */
  #readStatuses(itemIds: readonly string[], batch: ReadBatch): Promise<Map<string, ExpiringStatus>> {
    if (itemIds.length === 0) return Promise.resolve(new Map())
    const parse = (ids: readonly string[]) => (reply: unknown) => {
      const found = new Map<string, ExpiringStatus>()
      ;(reply as Array<string | null>).forEach((stored, index) => {
        const parsed = stored === null ? undefined : parseStatus(stored)
        if (!parsed || parsed.status === 'cleared') return
        const status: ItemStatus = parsed.category ? { status: parsed.status, category: parsed.category } : { status: parsed.status }
        found.set(ids[index]!, { status, expiresAt: parsed.expiresAt })
      })
      return found
    }
    const keys = itemIds.map((itemId) => this.#keys.status(itemId))
    // One node holds them all: one MGET, parsed once. On a cluster every item has its own slot: one GET each,
    // grouped by node (ReadBatch sends a slot's GETs as one MGET, which spreads keys rarely share).
    if (!batch.cluster) return batch.add(keys[0]!, ['mget', ...keys], parse(itemIds))
    return Promise.all(
      keys.map((key, index) => batch.add(key, ['get', key], (reply) => parse([itemIds[index]!])([reply])))
    ).then((maps) => new Map(maps.flatMap((map) => [...map])))
  }

  async item(itemId: string): Promise<ItemSignals> {
    const k = this.#keys
    const cutoff = this.#now() - this.#options.reportWindowMs
    const [stored, inWindow, entries] = (await this.#exec(
      // One transaction (one item, one slot): the window and the weights are read at the same instant.
      this.#redis.multi().get(k.status(itemId)).zrangebyscore(k.itemTimes(itemId), cutoff, '+inf').hgetall(k.itemReports(itemId))
    )) as [string | null, string[], Record<string, string>]
    let weighted = 0
    const byCategory = new Map<Category, number>()
    for (const reporter of inWindow) {
      const [weight, category] = splitEntry(entries[reporter]!)
      weighted += weight
      if (category) byCategory.set(category, (byCategory.get(category) ?? 0) + weight)
    }
    const signals: ItemSignals = {
      itemId,
      status: 'none',
      reporters: inWindow.length,
      weighted: fromMilli(weighted),
      byCategory: Object.fromEntries([...byCategory].map(([category, milli]) => [category, fromMilli(milli)]))
    }
    const status = stored === null ? undefined : parseStatus(stored)
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
    const [members] = (await this.#exec(this.#redis.pipeline().zrangebyscore(this.#keys.creator(authorId), cutoff, '+inf'))) as [string[]]
    return creatorSignals(authorId, members)
  }

  async verdict(itemId: string, violating: boolean, category?: Category): Promise<VerdictOutcome> {
    const now = this.#now()
    const k = this.#keys
    const o = this.#options
    const ttl = violating ? o.removedTtlMs : o.clearedTtlMs
    const status = violating ? 'removed' : 'cleared'
    // The status waits for a replica: it removes an item for everyone, and a failover must not bring it back.
    const { replies, acknowledged } = await this.#call(() =>
      this.#writes.exec(k.status(itemId), (pipeline) =>
        pipeline.fgItemVerdict(k.status(itemId), k.itemTimes(itemId), k.itemReports(itemId), k.itemSums(itemId), status, category ?? '', `${now}|${now + ttl}`, ttl, now - o.reportWindowMs)
      )
    ).finally(() => this.#statusChanged([itemId]))
    const [err, reply] = replies[0]!
    if (err) throw aggregatesUnavailable(err.message)
    const [chosen, ...reporters] = reply as string[]
    // Each reporter's trust lives in their own slot; the review queue in its own.
    const step = toMilli(violating ? o.trust.stepUp : -o.trust.stepDown)
    await this.#run([
      ...reporters.map((reporter) =>
        command(k.trust(reporter), (p, key) => p.fgTrustStep(key, step, toMilli(o.trust.min), toMilli(o.trust.max), toMilli(o.trust.initial), o.trust.ttlMs))
      ),
      command(k.review(), (p, key) => p.zrem(key, itemId))
    ])
    // Unacknowledged, it is still applied whole on the master (trust included), so that a retry completes nothing twice.
    if (!acknowledged) throw this.#writes.unacknowledged('feedback store')
    const outcome: VerdictOutcome = { itemId, status, reportersAdjusted: reporters.length, expiresAt: now + ttl }
    if (chosen) outcome.category = chosen as Category
    return outcome
  }

  async underReview(limit: number): Promise<ReviewQueue> {
    const now = this.#now()
    const queue = this.#keys.review()
    const [, itemIds, total] = (await this.#exec(
      this.#redis
        .pipeline()
        .zremrangebyscore(queue, '-inf', `(${now - this.#options.reviewTtlMs}`)
        .zrange(queue, '0', String(limit - 1))
        .zcard(queue)
    )) as [number, string[], number]
    const items = await Promise.all(itemIds.map((itemId) => this.item(itemId)))
    return { total, items: items.filter((item) => item.status === 'under_review') }
  }

  async trust(userId: string): Promise<number> {
    const [stored] = (await this.#exec(this.#redis.pipeline().get(this.#keys.trust(userId)))) as [string | null]
    return stored === null ? this.#options.trust.initial : fromMilli(Number(stored))
  }

  async recordMutedTerms(userId: string, terms: readonly string[]): Promise<void> {
    const hour = hourOf(this.#now())
    const k = this.#keys
    await this.#run(
      terms.flatMap((term) => {
        const termDigest = digest(term)
        const ranking = k.ranking(hour, 'mk', shardOf(termDigest))
        const users = k.mutedUsers(hour, termDigest)
        return [
          command(ranking, (p) => p.zincrby(ranking, 1, term).pexpire(ranking, BUCKET_RETENTION_MS)),
          command(users, (p) => p.pfadd(users, userId).pexpire(users, BUCKET_RETENTION_MS))
        ]
      })
    )
  }

  async insights(query: InsightsQuery): Promise<InsightsData> {
    const k = this.#keys
    const hours = bucketHours(this.#now(), query.hours)
    const rankings = ['ri', 'ra', 'rh', 'rc', 'mk'] as const
    const limits = { ri: query.limit, ra: query.limit, rh: query.limit, rc: query.limit, mk: Math.max(MUTED_CANDIDATES, query.limit) }
    const mins = { ri: 1, ra: 1, rh: 1, rc: 1, mk: query.minUsers }
    // Every shard's top of every ranking, then every shard's counts of every hour.
    const replies = await this.#run([
      ...rankings.flatMap((what) =>
        SHARDS.map((n) => {
          const scratch = k.temp(n)
          return command(scratch, (p) => p.fgTop(1 + hours.length, scratch, ...hours.map((hour) => k.ranking(hour, what, n)), limits[what], mins[what]))
        })
      ),
      ...hours.flatMap((hour) => SHARDS.map((n) => command(k.counts(hour, n), (p, key) => p.hgetall(key))))
    ])
    const [items, creators, hashtags, categories, candidates] = rankings.map((what, r) => {
      const merged = new Map<string, number>()
      for (const n of SHARDS) for (const { value, count } of ranked(replies[r * BUCKET_SHARDS + n] as string[])) merged.set(value, count)
      return rank(merged, limits[what], mins[what])
    })
    const countsAt = rankings.length * BUCKET_SHARDS
    const byHour = hours.map((hour, h) => {
      const counts = emptyCounts()
      for (const n of SHARDS) {
        for (const [kind, count] of Object.entries(replies[countsAt + h * BUCKET_SHARDS + n] as Record<string, string>)) {
          counts[kind as keyof typeof counts] += Number(count)
        }
      }
      return { hour, counts }
    })

    const users = new Map<string, number>()
    if (candidates!.length > 0) {
      const counted = await this.#run(
        candidates!.map(({ value }) => {
          const keys = hours.map((hour) => k.mutedUsers(hour, digest(value)))
          return command(keys[0]!, (p) => p.pfcount(...keys))
        })
      )
      candidates!.forEach(({ value }, index) => users.set(value, counted[index] as number))
    }
    return {
      items: items!,
      creators: creators!,
      hashtags: hashtags!,
      categories: categories as Array<Ranked<Category>>,
      byHour,
      mutedKeywords: rank(users, query.limit, query.minUsers)
    }
  }

  async close(): Promise<void> {}

  /** Runs keyed commands, one pipeline per node; any failure to reach Redis is FG_STORE_UNAVAILABLE. */
  async #run(commands: readonly KeyedCommand[]): Promise<unknown[]> {
    if (commands.length === 0) return []
    const replies = await execByNode(this.#redis, commands)
    return replies.map(([err, reply]) => {
      if (err) throw aggregatesUnavailable(err.message)
      return reply
    })
  }

  /** Any failure to reach Redis is FG_STORE_UNAVAILABLE. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (err) {
      throw aggregatesUnavailable((err as Error).message)
    }
  }

  /** Runs a pipeline or transaction on one slot; any failure to reach Redis is FG_STORE_UNAVAILABLE. */
  async #exec(pipeline: ChainableCommander): Promise<unknown[]> {
    try {
      // A connection error comes back as each command's error.
      return (await pipeline.exec())!.map(([err, reply]) => {
        if (err) throw err
        return reply
      })
    } catch (err) {
      throw aggregatesUnavailable((err as Error).message)
    }
  }
}

/** A command on `key`'s slot; `queue` gets the key back for commands that touch only it. */
function command(key: string, queue: (pipeline: ChainableCommander, key: string) => unknown): KeyedCommand {
  return { key, queue: (pipeline) => void queue(pipeline, key) }
}

function parseStatus(stored: string): { status: StoredStatus; category?: Category; since: number; expiresAt: number } {
  const [status, category, since, expiresAt] = stored.split('|')
  const parsed = { status: status as StoredStatus, since: Number(since), expiresAt: Number(expiresAt) }
  return category ? { ...parsed, category: category as Category } : parsed
}

function splitEntry(entry: string): [number, Category | ''] {
  const bar = entry.indexOf('|')
  return [Number(entry.slice(0, bar)), entry.slice(bar + 1) as Category | '']
}

/** [member, score, member, score, …] → ranked entries. */
function ranked(flat: readonly string[]): Ranked[] {
  const out: Ranked[] = []
  for (let i = 0; i < flat.length; i += 2) out.push({ value: flat[i]!, count: Number(flat[i + 1]) })
  return out
}
