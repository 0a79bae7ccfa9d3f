import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import { BankIndex, type BankLog } from './bank-index.js'
import { BankService } from './bank-service.js'
import { MemoryBankStore } from './memory-bank-store.js'
import { RedisBankStore } from './redis-bank-store.js'
import { BankScreen } from './bank-screen.js'
import type { BankStore } from './bank-store.js'

export interface BanksOptions {
  config: Config
  /** Null without REDIS_URL: banks then live in an embedded in-memory store. */
  redis: Redis | null
  subscriber: Redis | null
  log: BankLog
  /** Replaces the store chosen from the connections (tests). */
  store?: BankStore
  /** Fetches an entry's `image.url`: the safe fetcher, with the item images' settings. Absent: such entries are refused. */
  fetchImage?: (url: string) => Promise<Uint8Array>
  /** Wait before retrying a failed load of the banks (tests). */
  retryMs?: number
}

/** Known-image matching, assembled: the bank store, this replica's index of it, the API's service, the scoring hook. */
export interface Banks {
  store: BankStore
  index: BankIndex
  service: BankService
  screen: BankScreen
  readiness(): { ok: boolean; detail: string }
  close(): Promise<void>
}

/**
 * Builds the banks and loads the index. When Redis is not up yet, loading goes on in the background
 * (retried until it succeeds) and readiness says so.
 */
export async function createBanks(options: BanksOptions): Promise<Banks> {
  const { config, redis, subscriber, log } = options
  let store = options.store
  let subscribed: Promise<void> = Promise.resolve()
  if (!store) {
    if (redis && subscriber) {
      const redisStore = new RedisBankStore({ redis, subscriber, keyPrefix: config.REDIS_KEY_PREFIX })
      subscribed = redisStore.start()
      store = redisStore
    } else {
      log.info({}, 'REDIS_URL is not set: hash banks are kept in an embedded in-memory store (one replica, lost on restart)')
      store = new MemoryBankStore()
    }
  }
  const index = new BankIndex({
    store,
    maxDistance: config.PDQ_MATCH_DISTANCE,
    minQuality: config.PDQ_QUALITY_THRESHOLD,
    dihedral: config.PDQ_DIHEDRAL,
    log,
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs })
  })
  // Subscribed before loading, so that no change falls between the snapshot and the notifications.
  const started = subscribed.then(() => index.start())
  if (!redis || redis.status === 'ready') await started
  else started.catch((err: unknown) => log.warn({ err: { message: (err as Error).message } }, 'hash bank change subscription refused'))

  const service = new BankService({
    store,
    index,
    maxInputPixels: config.BANK_IMAGE_MAX_PIXELS,
    minQuality: config.PDQ_QUALITY_THRESHOLD,
    ...(options.fetchImage ? { fetchImage: options.fetchImage } : {})
  })
  const screen = new BankScreen({ index })
  const bankStore = store
  return {
    store,
    index,
    service,
    screen,
    readiness: () =>
      index.loaded
        ? { ok: true, detail: `${index.size} entries in ${index.enabledBanks} enabled banks` }
        : { ok: false, detail: 'hash banks not loaded yet' },
    async close() {
      index.close()
      await bankStore.close()
    }
  }
}
