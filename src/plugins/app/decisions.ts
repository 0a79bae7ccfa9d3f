import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { DecisionRecorder } from '../../decisions/decision-recorder.js'
import { HOUR_MS, type DecisionStore, type DecisionStoreOptions } from '../../decisions/decision-store.js'
import { MemoryDecisionStore } from '../../decisions/memory-decision-store.js'
import { RedisDecisionStore } from '../../decisions/redis-decision-store.js'
import { BUCKET_RETENTION_MS } from '../../feedback/aggregate-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Recent decisions: the sampled ring behind policy what-if runs and the hourly counts behind insights. */
    decisions: { store: DecisionStore; recorder: DecisionRecorder }
  }
}

export function decisionStoreOptions(config: Config): DecisionStoreOptions {
  return {
    maxSamplesPerHour: config.DECISION_SAMPLE_MAX_PER_HOUR,
    sampleTtlMs: config.DECISION_SAMPLE_TTL_HOURS * HOUR_MS,
    // as long as the insights' other hourly counters
    countsTtlMs: BUCKET_RETENTION_MS
  }
}

/** Redis when configured (shared by every replica), otherwise in memory; flushed every DECISION_FLUSH_MS and on close. */
export default fp(
  async (app) => {
    const { config } = app
    const options = decisionStoreOptions(config)
    const store: DecisionStore = app.redis ? new RedisDecisionStore({ ...options, redis: app.redis, keyPrefix: config.REDIS_KEY_PREFIX }) : new MemoryDecisionStore(options)
    const recorder = new DecisionRecorder(store, { sampleRate: config.DECISION_SAMPLE_RATE, maxBuffered: config.DECISION_SAMPLE_MAX_PER_HOUR })
    const flush = () =>
      recorder.flush().catch((err: unknown) => {
        app.log.warn({ err: { message: (err as Error).message } }, 'decision counts and samples not written')
      })
    const timer = setInterval(flush, config.DECISION_FLUSH_MS).unref()
    app.decorate('decisions', { store, recorder })
    // Before the Redis connection closes (hooks run in reverse order of registration).
    app.addHook('onClose', async () => {
      clearInterval(timer)
      await flush()
      await store.close()
    })
  },
  { name: 'decisions', dependencies: ['config', 'redis'], fastify: '5.x' }
)
