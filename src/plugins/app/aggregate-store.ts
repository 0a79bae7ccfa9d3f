import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { DAY_MS, HOUR_MS, type AggregateOptions, type AggregateStore } from '../../feedback/aggregate-store.js'
import { MemoryAggregateStore } from '../../feedback/memory-aggregate-store.js'
import { RedisAggregateStore } from '../../feedback/redis-aggregate-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Platform-wide feedback: crowd signals, item statuses, trust and insights counters. */
    aggregateStore: AggregateStore
  }
}

/** The configured behaviour of crowd signals, item statuses and trust. */
export function aggregateOptions(config: Config): AggregateOptions {
  return {
    reportWindowMs: config.REPORT_WINDOW_HOURS * HOUR_MS,
    reviewThreshold: config.REPORT_REVIEW_THRESHOLD,
    reviewTtlMs: config.ITEM_REVIEW_TTL_HOURS * HOUR_MS,
    removedTtlMs: config.ITEM_REMOVED_TTL_DAYS * DAY_MS,
    clearedTtlMs: config.ITEM_CLEARED_TTL_HOURS * HOUR_MS,
    dedupeMs: config.FEEDBACK_DEDUPE_HOURS * HOUR_MS,
    trust: {
      initial: config.TRUST_DEFAULT,
      min: config.TRUST_MIN,
      max: config.TRUST_MAX,
      stepUp: config.TRUST_STEP_UP,
      stepDown: config.TRUST_STEP_DOWN,
      ttlMs: config.TRUST_TTL_DAYS * DAY_MS
    }
  }
}

/** Redis when configured (shared by every replica), otherwise the embedded in-memory store. */
export default fp(
  async (app) => {
    const options = aggregateOptions(app.config)
    const statusCache = { maxAgeMs: app.config.ITEM_STATUS_CACHE_MS, maxItems: app.config.ITEM_STATUS_CACHE_MAX_ITEMS }
    const store: AggregateStore = app.redis
      ? new RedisAggregateStore({ ...options, redis: app.redis, writes: app.redisWrites, keyPrefix: app.config.REDIS_KEY_PREFIX, statusCache, metrics: app.metrics })
      : new MemoryAggregateStore(options)
    app.decorate('aggregateStore', store)
    app.addHook('onClose', () => store.close())
  },
  { name: 'aggregate-store', dependencies: ['config', 'metrics', 'redis'], fastify: '5.x' }
)
