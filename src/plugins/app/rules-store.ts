import fp from 'fastify-plugin'
import { MemoryRulesStore } from '../../rules/memory-rules-store.js'
import { RedisRulesStore } from '../../rules/redis-rules-store.js'
import type { RulesStore } from '../../rules/rules-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every user's rules document: Redis (shared by every replica) when REDIS_URL is set, else in memory. */
    rulesStore: RulesStore
  }
}

export interface RulesStorePluginOptions {
  /** Replaces the store chosen from the config (tests). */
  store?: RulesStore
}

/**
 * The rules store. With Redis it subscribes to the change channel before serving, so that every
 * replica's compiled-rules cache hears of every change; when Redis is not up yet the subscription
 * completes once it is (until then the cache TTL bounds staleness).
 */
export default fp<RulesStorePluginOptions>(
  async (app, options) => {
    const store = options.store ?? (await storeFromConfig())
    app.decorate('rulesStore', store)
    // Scoring answers without the store (cached rules, else the policy defaults): degraded, not unready.
    app.readiness.add('rulesStore', async () => {
      try {
        await store.ping()
        return { ok: true, detail: store.kind }
      } catch (err) {
        return { ok: true, degraded: true, detail: `${store.kind}: ${(err as Error).message}; scoring uses cached or default rules, rule reads and writes fail` }
      }
    })
    app.addHook('onClose', () => store.close())

    async function storeFromConfig(): Promise<RulesStore> {
      if (!app.redis || !app.redisSubscriber || !app.redisWrites) {
        app.log.info('REDIS_URL is not set: rules are kept in an embedded in-memory store (one replica, lost on restart)')
        return new MemoryRulesStore()
      }
      const redisStore = new RedisRulesStore({
        redis: app.redis,
        subscriber: app.redisSubscriber,
        writes: app.redisWrites,
        keyPrefix: app.config.REDIS_KEY_PREFIX
      })
      const subscribed = redisStore.start()
      if (app.redis.status === 'ready') await subscribed
      else subscribed.catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'rules change subscription failed'))
      return redisStore
    }
  },
  { name: 'rules-store', dependencies: ['config', 'redis', 'readiness'], fastify: '5.x' }
)
