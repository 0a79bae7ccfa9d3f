import { randomBytes } from 'node:crypto'
import type { Result } from 'ioredis'
import type { RedisClient } from '../redis/connection.js'
import type { ItemStatus } from '../engine/types.js'
import { FeedguardError } from '../errors.js'
import type { Category } from '../policy/vocabulary.js'
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

/**
 * Key layout: every key shares the `{agg}` hash tag, so the scripts below may touch any of them
 * atomically and MGET works on Redis Cluster.
 *
 *   {agg}:ev:<digest>        an event already counted (SET NX, expires after the dedupe window)
 *   {agg}:tr:<userId>        a reporter's trust, in thousandths (expires when unused)
 *   {agg}:it:<itemId>:rt     sorted set reporter → report time: the item's sliding window
 *   {agg}:it:<itemId>:rw     hash reporter → "<weight>|<category>", the reporter's trust at report time
 *   {agg}:it:<itemId>:rs     hash "all" | <category> → weighted sum over the window
 *   {agg}:st:<itemId>        "<status>|<category>|<since>|<expiresAt>" (expires with the status)
 *   {agg}:review             sorted set itemId → since: the items under review (entries older than the review
 *                            time to live are pruned when read)
 *   {agg}:au:<authorId>:rt   sorted set "<category>|<reporter>" → time: the creator's sliding window
 *   {agg}:h:<hour>:fb        hash event kind → count, per hour
 *   {agg}:h:<hour>:ri|ra|rh|rc   sorted sets of first reports per item, creator, hashtag, category
 *   {agg}:h:<hour>:mk        sorted set keyword → users who started muting it
 *   {agg}:h:<hour>:mu:<digest>   HyperLogLog of those users, per keyword
 */
export function aggregateKeys(prefix: string) {
  const base = `${prefix}{agg}:`
  return {
    event: (key: string) => `${base}ev:${key}`,
    trust: (userId: string) => `${base}tr:${userId}`,
    itemTimes: (itemId: string) => `${base}it:${itemId}:rt`,
    itemReports: (itemId: string) => `${base}it:${itemId}:rw`,
    itemSums: (itemId: string) => `${base}it:${itemId}:rs`,
    status: (itemId: string) => `${base}st:${itemId}`,
    review: () => `${base}review`,
    creator: (authorId: string) => `${base}au:${authorId}:rt`,
    hour: (hour: number, what: 'fb' | 'ri' | 'ra' | 'rh' | 'rc' | 'mk') => `${base}h:${hour / HOUR_MS}:${what}`,
    mutedUsers: (hour: number, term: string) => `${base}h:${hour / HOUR_MS}:mu:${digest(term)}`,
    temp: () => `${base}tmp:${randomBytes(8).toString('hex')}`
  }
}

/** Counts a non-report event once per key. */
const COUNT_SCRIPT = `
if ARGV[1] == '1' and not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
`

/**
 * A report, once per key: the item's sliding window forgets reports older than it, records this
 * reporter (distinct: a repeat replaces their earlier report) with their trust now, counts first
 * reports in the hour's rankings, records the creator's window, and puts the item under review when
 * the weighted sum reaches the threshold and the item has no status yet.
 */
const REPORT_SCRIPT = `
if ARGV[1] == '1' and not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return {0, 0} end
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local function forget(member)
  local entry = redis.call('HGET', KEYS[5], member)
  if entry then
    local bar = string.find(entry, '|', 1, true)
    local weight = tonumber(string.sub(entry, 1, bar - 1))
    local category = string.sub(entry, bar + 1)
    redis.call('HINCRBY', KEYS[6], 'all', -weight)
    if category ~= '' then redis.call('HINCRBY', KEYS[6], category, -weight) end
    redis.call('HDEL', KEYS[5], member)
  end
end
local before = '(' .. ARGV[9]
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', before)) do forget(member) end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', before)
if tonumber(ARGV[6]) < tonumber(ARGV[9]) then return {1, 0} end
local reporter = ARGV[7]
local category = ARGV[8]
local isNew = redis.call('HEXISTS', KEYS[5], reporter) == 0
forget(reporter)
local weight = tonumber(redis.call('GET', KEYS[3]) or ARGV[14])
redis.call('ZADD', KEYS[4], ARGV[6], reporter)
redis.call('HSET', KEYS[5], reporter, weight .. '|' .. category)
redis.call('HINCRBY', KEYS[6], 'all', weight)
if category ~= '' then redis.call('HINCRBY', KEYS[6], category, weight) end
for i = 4, 6 do redis.call('PEXPIRE', KEYS[i], ARGV[10]) end
if isNew then
  redis.call('ZINCRBY', KEYS[8], 1, ARGV[16])
  redis.call('PEXPIRE', KEYS[8], ARGV[4])
  if ARGV[15] ~= '' then
    redis.call('ZINCRBY', KEYS[9], 1, ARGV[15])
    redis.call('PEXPIRE', KEYS[9], ARGV[4])
  end
  if #ARGV >= 17 then
    for i = 17, #ARGV do redis.call('ZINCRBY', KEYS[10], 1, ARGV[i]) end
    redis.call('PEXPIRE', KEYS[10], ARGV[4])
  end
  if category ~= '' then
    redis.call('ZINCRBY', KEYS[11], 1, category)
    redis.call('PEXPIRE', KEYS[11], ARGV[4])
  end
end
if ARGV[15] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[12], '-inf', before)
  redis.call('ZADD', KEYS[12], ARGV[6], category .. '|' .. reporter)
  redis.call('PEXPIRE', KEYS[12], ARGV[10])
end
if redis.call('EXISTS', KEYS[7]) == 1 then return {1, 0} end
local sums = redis.call('HGETALL', KEYS[6])
local total, top, topWeight = 0, '', 0
for i = 1, #sums, 2 do
  local w = tonumber(sums[i + 1])
  if sums[i] == 'all' then total = w
  elseif w > topWeight or (w == topWeight and sums[i] < top) then top, topWeight = sums[i], w end
end
if total < tonumber(ARGV[11]) then return {1, 0} end
redis.call('SET', KEYS[7], 'under_review|' .. top .. '|' .. ARGV[12], 'PX', ARGV[13])
redis.call('ZADD', KEYS[13], ARGV[5], ARGV[16])
redis.call('PEXPIRE', KEYS[13], ARGV[13])
return {1, 1}
`

/**
 * A verdict: moves the trust of the given reporters that are still in the item's window (each once:
 * they leave the window as they are counted), forgets reports that aged out, and sets the status with
 * the given category, else the current status's, else the reporters' most weighted reason, and takes
 * the item off the review queue. KEYS: status, times, reports, sums, the reporters' trust, the queue;
 * ARGV: …, the reporters, the item id.
 */
const VERDICT_SCRIPT = `
local adjusted = 0
local weights = {}
for i = 11, #ARGV do
  local reporter = ARGV[i]
  local at = redis.call('ZSCORE', KEYS[2], reporter)
  local entry = redis.call('HGET', KEYS[3], reporter)
  if at and entry and tonumber(at) >= tonumber(ARGV[10]) then
    local bar = string.find(entry, '|', 1, true)
    local category = string.sub(entry, bar + 1)
    if category ~= '' then weights[category] = (weights[category] or 0) + tonumber(string.sub(entry, 1, bar - 1)) end
    local key = KEYS[i - 6]
    local trust = tonumber(redis.call('GET', key) or ARGV[8]) + tonumber(ARGV[5])
    trust = math.max(tonumber(ARGV[6]), math.min(tonumber(ARGV[7]), trust))
    redis.call('SET', key, trust, 'PX', ARGV[9])
    redis.call('ZREM', KEYS[2], reporter)
    redis.call('HDEL', KEYS[3], reporter)
    adjusted = adjusted + 1
  end
end
local before = '(' .. ARGV[10]
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
redis.call('ZREM', KEYS[#KEYS], ARGV[#ARGV])
return {adjusted, category}
`

/** The highest-ranked members of the union of hourly sorted sets (KEYS[1] is a scratch key). */
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
    fgItemVerdict(...args: Array<string | number>): Result<[number, string], Context>
    fgTop(...args: Array<string | number>): Result<string[], Context>
  }
}

export interface RedisAggregateStoreOptions extends AggregateOptions {
  redis: RedisClient
  keyPrefix: string
}

/** Muted keywords considered per insights query: the most added ones, before their distinct users are counted. */
const MUTED_CANDIDATES = 200

export const aggregatesUnavailable = (cause: string) =>
  new FeedguardError('FG_STORE_UNAVAILABLE', 503, `feedback store unavailable: ${cause}`)

export class RedisAggregateStore implements AggregateStore {
  readonly kind = 'redis'
  readonly #redis: RedisClient
  readonly #keys: ReturnType<typeof aggregateKeys>
  readonly #options: AggregateOptions
  readonly #now: () => number

  constructor(options: RedisAggregateStoreOptions) {
    this.#redis = options.redis
    this.#keys = aggregateKeys(options.keyPrefix)
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#redis.defineCommand('fgFeedbackCount', { numberOfKeys: 2, lua: COUNT_SCRIPT })
    this.#redis.defineCommand('fgFeedbackReport', { numberOfKeys: 13, lua: REPORT_SCRIPT })
    this.#redis.defineCommand('fgItemVerdict', { lua: VERDICT_SCRIPT })
    this.#redis.defineCommand('fgTop', { lua: TOP_SCRIPT })
  }

  async record(events: readonly AggregateEvent[]): Promise<AggregateOutcome[]> {
    const now = this.#now()
    const k = this.#keys
    const o = this.#options
    const pipeline = this.#redis.pipeline()
    for (const event of events) {
      const hour = hourOf(event.at)
      const dedupe = event.dedupeKey === undefined ? ['0', 0] : ['1', o.dedupeMs]
      const eventKey = k.event(event.dedupeKey ?? 'none')
      if (event.kind !== 'report') {
        pipeline.fgFeedbackCount(eventKey, k.hour(hour, 'fb'), ...dedupe, event.kind, BUCKET_RETENTION_MS)
        continue
      }
      pipeline.fgFeedbackReport(
        eventKey,
        k.hour(hour, 'fb'),
        k.trust(event.userId),
        k.itemTimes(event.itemId),
        k.itemReports(event.itemId),
        k.itemSums(event.itemId),
        k.status(event.itemId),
        k.hour(hour, 'ri'),
        k.hour(hour, 'ra'),
        k.hour(hour, 'rh'),
        k.hour(hour, 'rc'),
        k.creator(event.authorId ?? ''),
        k.review(),
        ...dedupe,
        event.kind,
        BUCKET_RETENTION_MS,
        now,
        event.at,
        event.userId,
        event.category ?? '',
        now - o.reportWindowMs,
        o.reportWindowMs,
        toMilli(o.reviewThreshold),
        `${now}|${now + o.reviewTtlMs}`,
        o.reviewTtlMs,
        toMilli(o.trust.initial),
        event.authorId ?? '',
        event.itemId,
        ...event.hashtags
      )
    }
    const replies = await this.#exec(pipeline)
    return replies.map((reply) => {
      const [applied, flagged] = Array.isArray(reply) ? (reply as number[]) : [reply as number, 0]
      return { applied: applied === 1, flagged: flagged === 1 }
    })
  }

  readStatuses(itemIds: readonly string[], batch: ReadBatch): Promise<Map<string, ItemStatus>> {
    if (itemIds.length === 0) return Promise.resolve(new Map())
    return batch.add(
      (pipeline) => pipeline.mget(itemIds.map((itemId) => this.#keys.status(itemId))),
      (reply) => {
        const found = new Map<string, ItemStatus>()
        ;(reply as Array<string | null>).forEach((stored, index) => {
          const status = stored === null ? undefined : parseStatus(stored)
          if (!status || status.status === 'cleared') return
          found.set(itemIds[index]!, status.category ? { status: status.status, category: status.category } : { status: status.status })
        })
        return found
      }
    )
  }

  async item(itemId: string): Promise<ItemSignals> {
    const k = this.#keys
    const cutoff = this.#now() - this.#options.reportWindowMs
    const [stored, inWindow, entries] = (await this.#exec(
      // One transaction: the window and the weights are read at the same instant.
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
    const cutoff = now - o.reportWindowMs
    const [reporters] = (await this.#exec(this.#redis.pipeline().zrangebyscore(k.itemTimes(itemId), cutoff, '+inf'))) as [string[]]
    const keys = [k.status(itemId), k.itemTimes(itemId), k.itemReports(itemId), k.itemSums(itemId), ...reporters.map(k.trust), k.review()]
    const ttl = violating ? o.removedTtlMs : o.clearedTtlMs
    const status = violating ? 'removed' : 'cleared'
    const [[adjusted, chosen]] = (await this.#exec(
      this.#redis.pipeline().fgItemVerdict(
        keys.length,
        ...keys,
        status,
        category ?? '',
        `${now}|${now + ttl}`,
        ttl,
        toMilli(violating ? o.trust.stepUp : -o.trust.stepDown),
        toMilli(o.trust.min),
        toMilli(o.trust.max),
        toMilli(o.trust.initial),
        o.trust.ttlMs,
        cutoff,
        ...reporters,
        itemId
      )
    )) as [[number, string]]
    const outcome: VerdictOutcome = { itemId, status, reportersAdjusted: adjusted, expiresAt: now + ttl }
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
    const pipeline = this.#redis.pipeline()
    for (const term of terms) {
      pipeline.zincrby(k.hour(hour, 'mk'), 1, term).pfadd(k.mutedUsers(hour, term), userId).pexpire(k.mutedUsers(hour, term), BUCKET_RETENTION_MS)
    }
    pipeline.pexpire(k.hour(hour, 'mk'), BUCKET_RETENTION_MS)
    await this.#exec(pipeline)
  }

  async insights(query: InsightsQuery): Promise<InsightsData> {
    const k = this.#keys
    const hours = bucketHours(this.#now(), query.hours)
    const top = (pipeline: ReturnType<RedisClient['pipeline']>, what: 'ri' | 'ra' | 'rh' | 'rc' | 'mk', limit: number, min: number) =>
      pipeline.fgTop(1 + hours.length, k.temp(), ...hours.map((hour) => k.hour(hour, what)), limit, min)
    const pipeline = this.#redis.pipeline()
    for (const what of ['ri', 'ra', 'rh', 'rc'] as const) top(pipeline, what, query.limit, 1)
    top(pipeline, 'mk', Math.max(MUTED_CANDIDATES, query.limit), query.minUsers)
    for (const hour of hours) pipeline.hgetall(k.hour(hour, 'fb'))
    const replies = await this.#exec(pipeline)
    const [items, creators, hashtags, categories, candidates] = replies.slice(0, 5).map((reply) => ranked(reply as string[]))
    const byHour = hours.map((hour, index) => {
      const counts = emptyCounts()
      for (const [kind, count] of Object.entries(replies[5 + index] as Record<string, string>)) counts[kind as keyof typeof counts] = Number(count)
      return { hour, counts }
    })

    const users = new Map<string, number>()
    if (candidates!.length > 0) {
      const counting = this.#redis.pipeline()
      for (const { value } of candidates!) counting.pfcount(...hours.map((hour) => k.mutedUsers(hour, value)))
      const counted = await this.#exec(counting)
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

  /** Runs a pipeline; any failure to reach Redis is FG_STORE_UNAVAILABLE. */
  async #exec(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
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
