import fp from 'fastify-plugin'
import { BankIndex } from '../../banks/bank-index.js'
import { BankScreen } from '../../banks/bank-screen.js'
import { BankService } from '../../banks/bank-service.js'
import type { BankStore } from '../../banks/bank-store.js'
import { MemoryBankStore } from '../../banks/memory-bank-store.js'
import { RedisBankStore } from '../../banks/redis-bank-store.js'
import type { Config } from '../../config.js'
import { fetchImage } from '../../image/fetch.js'
import type { HashOptions } from '../../image/image-threads.js'
import { imageFetchOptions } from './images.js'

/** Known-image matching, assembled: the bank store, this replica's index of it, the API's service, the scoring hook. */
export interface Banks {
  store: BankStore
  index: BankIndex
  service: BankService
  screen: BankScreen
}

declare module 'fastify' {
  interface FastifyInstance {
    banks: Banks
  }
}

export interface BanksPluginOptions {
  /** Wait before retrying a failed load of the banks (tests; default 1 s). */
  retryMs?: number
}

/** How hash banks match and what they accept, from the service's configuration. */
export function bankOptions(config: Config) {
  return {
    index: { maxDistance: config.PDQ_MATCH_DISTANCE, minQuality: config.PDQ_QUALITY_THRESHOLD, dihedral: config.PDQ_DIHEDRAL },
    service: { maxInputPixels: config.BANK_IMAGE_MAX_PIXELS, minQuality: config.PDQ_QUALITY_THRESHOLD },
    // Bank entries given by `image.url` are fetched like item images: the same safe fetcher and settings.
    fetch: imageFetchOptions(config)
  }
}

/**
 * The hash banks. The bank store (Redis when configured, else in memory) is theirs alone, so it is made
 * here: its change subscription must be in place before the index loads, so that no change falls
 * between the snapshot and the notifications. When Redis is not up yet, loading goes on in the
 * background (retried until it succeeds) and readiness says so.
 */
export default fp<BanksPluginOptions>(
  async (app, options) => {
    const settings = bankOptions(app.config)
    let store: BankStore
    let subscribed: Promise<void> = Promise.resolve()
    if (app.redis && app.redisSubscriber) {
      const redisStore = new RedisBankStore({
        redis: app.redis,
        subscriber: app.redisSubscriber,
        writes: app.redisWrites,
        keyPrefix: app.config.REDIS_KEY_PREFIX
      })
      subscribed = redisStore.start()
      store = redisStore
    } else {
      app.log.info('REDIS_URL is not set: hash banks are kept in an embedded in-memory store (one replica, lost on restart)')
      store = new MemoryBankStore()
    }
    const index = new BankIndex({ store, ...settings.index, log: app.log, ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }) })
    const started = subscribed.then(() => index.start())
    if (!app.redis || app.redis.status === 'ready') await started
    else started.catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'hash bank change subscription refused'))

    // Entry images are decoded and hashed on the image threads when the image model has them (without one, here).
    const threads = app.models.image
    const service = new BankService({
      store,
      index,
      ...settings.service,
      fetchImage: (url) => fetchImage(url, settings.fetch),
      ...(threads ? { hashImage: (bytes: Uint8Array, options: HashOptions) => threads.hash(bytes, options) } : {})
    })
    app.decorate('banks', { store, index, service, screen: new BankScreen({ index }) })
    // Loading waits for Redis; meanwhile scoring answers, without hash-bank matches.
    app.readiness.add('hashBanks', () =>
      index.loaded
        ? { ok: true, detail: `${index.size} entries in ${index.enabledBanks} enabled banks` }
        : { ok: true, degraded: true, detail: 'hash banks not loaded yet: images are not matched against them' }
    )
    app.addHook('onClose', async () => {
      index.close()
      await store.close()
    })
  },
  { name: 'banks', dependencies: ['config', 'redis', 'readiness', 'models'], fastify: '5.x' }
)
