import type { RedisClient } from '../redis/connection.js'
import { FeedguardError } from '../errors.js'
import {
  bucketHours,
  hourOf,
  HOUR_MS,
  type DecisionCounts,
  type DecisionStore,
  type DecisionStoreOptions,
  type HourlyDecisions,
  type SampledItem
} from './decision-store.js'

/**
 * Key layout: every key shares the `{decisions}` hash tag, so a pipeline over several hours stays on
 * one node of a Redis Cluster.
 *
 *   {decisions}:s:<hour>   list of samples (JSON), newest first, capped; expires with its newest sample
 *   {decisions}:c:<hour>   hash "<action>|<headline reason>" → decisions in that hour
 */
export function decisionKeys(prefix: string) {
  const base = `${prefix}{decisions}:`
  return {
    samples: (hour: number) => `${base}s:${hour / HOUR_MS}`,
    counts: (hour: number) => `${base}c:${hour / HOUR_MS}`
  }
}

export const decisionsUnavailable = (cause: string) =>
  new FeedguardError('FG_STORE_UNAVAILABLE', 503, `decision store unavailable: ${cause}`)

export class RedisDecisionStore implements DecisionStore {
  readonly kind = 'redis'
  readonly #redis: RedisClient
  readonly #keys: ReturnType<typeof decisionKeys>
  readonly #options: DecisionStoreOptions
  readonly #now: () => number

  constructor(options: DecisionStoreOptions & { redis: RedisClient; keyPrefix: string }) {
    this.#redis = options.redis
    this.#keys = decisionKeys(options.keyPrefix)
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  async addSamples(samples: readonly SampledItem[]): Promise<void> {
    if (samples.length === 0) return
    const byHour = new Map<number, string[]>()
    for (const sample of samples) {
      const hour = hourOf(sample.at)
      let bucket = byHour.get(hour)
      if (!bucket) byHour.set(hour, (bucket = []))
      bucket.push(JSON.stringify(sample))
    }
    const pipeline = this.#redis.pipeline()
    for (const [hour, entries] of byHour) {
      const key = this.#keys.samples(hour)
      pipeline.lpush(key, ...entries)
      pipeline.ltrim(key, 0, this.#options.maxSamplesPerHour - 1)
      pipeline.pexpireat(key, hour + HOUR_MS + this.#options.sampleTtlMs)
    }
    await this.#exec(pipeline)
  }

  async readSamples(limit: number): Promise<SampledItem[]> {
    const now = this.#now()
    const hours = bucketHours(now, Math.ceil(this.#options.sampleTtlMs / HOUR_MS) + 1).reverse()
    const pipeline = this.#redis.pipeline()
    for (const hour of hours) pipeline.lrange(this.#keys.samples(hour), 0, limit - 1)
    const replies = (await this.#exec(pipeline)) as string[][]
    const oldest = now - this.#options.sampleTtlMs
    const out: SampledItem[] = []
    for (const entries of replies) {
      for (const entry of entries) {
        if (out.length === limit) return out
        const sample = JSON.parse(entry) as SampledItem
        if (sample.at > oldest) out.push(sample)
      }
    }
    return out
  }

  async addCounts(hours: readonly HourlyDecisions[]): Promise<void> {
    const pipeline = this.#redis.pipeline()
    for (const { hour, counts } of hours) {
      const key = this.#keys.counts(hour)
      for (const [field, count] of Object.entries(counts)) pipeline.hincrby(key, field, count)
      pipeline.pexpireat(key, hour + HOUR_MS + this.#options.countsTtlMs)
    }
    if (pipeline.length > 0) await this.#exec(pipeline)
  }

  async readCounts(hours: number): Promise<HourlyDecisions[]> {
    const buckets = bucketHours(this.#now(), hours)
    const pipeline = this.#redis.pipeline()
    for (const hour of buckets) pipeline.hgetall(this.#keys.counts(hour))
    const replies = (await this.#exec(pipeline)) as Array<Record<string, string>>
    return buckets.map((hour, index) => {
      const counts: DecisionCounts = {}
      for (const [field, count] of Object.entries(replies[index]!)) counts[field] = Number(count)
      return { hour, counts }
    })
  }

  async close(): Promise<void> {}

  /** Runs a pipeline; any failure to reach Redis is FG_STORE_UNAVAILABLE. */
  async #exec(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
    try {
      return (await pipeline.exec())!.map(([err, reply]) => {
        if (err) throw err
        return reply
      })
    } catch (err) {
      throw decisionsUnavailable((err as Error).message)
    }
  }
}
