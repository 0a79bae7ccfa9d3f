import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createBanks, type Banks } from '../banks/banks.js'
import { loadClassifiers } from '../classifiers/load-models.js'
import type { Classifier } from '../classifiers/types.js'
import type { Config } from '../config.js'
import type { AggregateStore } from '../feedback/aggregate-store.js'
import { FeedbackService } from '../feedback/feedback-service.js'
import { createAggregateStore, feedbackOptions } from '../feedback/setup.js'
import type { ImagePipeline } from '../image/image-pipeline.js'
import { fetchImage } from '../image/fetch.js'
import { ItemImageHasher } from '../image/item-image-hasher.js'
import { imagePipelineOptions, loadImagePipeline } from '../image/setup.js'
import { loadPolicy, type Policy } from '../policy/policy.js'
import { MemoryRulesStore } from '../rules/memory-rules-store.js'
import { RedisRulesStore } from '../rules/redis-rules-store.js'
import { RulesCache } from '../rules/rules-cache.js'
import { RulesService } from '../rules/rules-service.js'
import type { RulesStore } from '../rules/rules-store.js'
import { ScoringService } from '../scoring/scoring-service.js'

export interface Readiness {
  ready: boolean
  checks: Record<string, { ok: boolean; detail?: string }>
}

export interface Services {
  config: Config
  policy: Policy
  store: RulesStore
  rulesCache: RulesCache
  rules: RulesService
  scoring: ScoringService
  /** Crowd signals, item statuses, trust and insights counters. */
  aggregates: AggregateStore
  feedback: FeedbackService
  /** Known-image hash banks: store, this replica's index, the API's service, the scoring hook. */
  banks: Banks
  /** The image pipeline when the manifest lists an image model (its `stats()`: cache hits, pending, queue, drops, batches). */
  images: ImagePipeline | undefined
  readiness(): Promise<Readiness>
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

export interface ServicesOptions {
  config: Config
  /** Replaces the store chosen from the config (tests). */
  store?: RulesStore
  /** Replaces the models loaded from MODELS_DIR (tests). */
  models?: Classifier[]
  /** Replaces the feedback aggregate store chosen from the config (tests). */
  aggregates?: AggregateStore
}

/** Builds the service graph once: policy, stores, caches, classifiers, and the services routes call. */
export default fp<ServicesOptions>(
  async (app, options) => {
    const { config } = options
    const policy = await loadPolicy(config.POLICY_FILE)
    const store = options.store ?? (await createStore(app, config))
    const rulesCache = new RulesCache({
      store,
      ttlMs: config.RULES_CACHE_TTL_MS,
      maxUsers: config.RULES_CACHE_MAX_USERS
    })
    const loaded = options.models
      ? { text: options.models, others: [], problems: [], release: async () => {} }
      : await loadClassifiers(config.MODELS_DIR, { textThreads: config.TEXT_MODEL_THREADS })
    const images = await loadImagePipeline(loaded.others, config, app.redis, loaded.problems)
    app.addHook('onClose', async () => images?.close())
    for (const problem of loaded.problems) app.log.error({ problem }, 'model not loaded: the service stays unready')
    app.addHook('onClose', () => loaded.release())
    const aggregates = options.aggregates ?? createAggregateStore(config, app.redis)
    // Bank entries given by `image.url` are fetched like item images: the same safe fetcher and settings.
    const fetchBankImage = (url: string) => fetchImage(url, imagePipelineOptions(config, app.redis).fetch)
    const banks = await createBanks({ config, redis: app.redis, subscriber: app.redisSubscriber, log: app.log, fetchImage: fetchBankImage })
    app.addHook('onClose', () => banks.close())
    const scoring = new ScoringService({
      policy,
      rules: rulesCache,
      models: loaded.text,
      unavailableModels: loaded.problems,
      storeBudgetMs: config.SCORE_REDIS_BUDGET_MS,
      redis: app.redis,
      itemStatuses: aggregates,
      banks: banks.screen,
      images,
      ...(images ? {} : { itemImageHasher: new ItemImageHasher({ maxInputPixels: config.IMAGE_MAX_PIXELS, variants: config.PDQ_DIHEDRAL }) }),
      scoreCache: {
        enabled: config.SCORE_CACHE_ENABLED,
        keyPrefix: config.REDIS_KEY_PREFIX,
        maxItems: config.SCORE_CACHE_MAX_ITEMS,
        ttlSeconds: config.SCORE_CACHE_TTL_S
      }
    })
    const feedback = new FeedbackService({ rules: store, aggregates, options: feedbackOptions(config), log: app.log })
    const rules = new RulesService(
      store,
      {
        maxKeywordRules: config.MAX_KEYWORD_RULES,
        maxAuthorRules: config.MAX_AUTHOR_RULES,
        maxKeywordLength: config.MAX_KEYWORD_LENGTH
      },
      feedback.onRulesChanged
    )

    async function readiness(): Promise<Readiness> {
      const checks: Readiness['checks'] = {
        policy: { ok: true, detail: policy.version },
        models:
          loaded.problems.length > 0
            ? { ok: false, detail: loaded.problems.join('; ') }
            : { ok: true, detail: scoring.modelIds.join(', ') || 'none configured' }
      }
      try {
        await store.ping()
        checks.rulesStore = { ok: true, detail: store.kind }
      } catch (err) {
        checks.rulesStore = { ok: false, detail: (err as Error).message }
      }
      checks.hashBanks = banks.readiness()
      return { ready: Object.values(checks).every((check) => check.ok), checks }
    }

    app.decorate('services', { config, policy, store, rulesCache, rules, scoring, aggregates, feedback, banks, images, readiness })
    app.addHook('onClose', () => store.close())
    app.addHook('onClose', () => aggregates.close())
  },
  { name: 'feedguard-services', dependencies: ['redis'], fastify: '5.x' }
)

async function createStore(app: FastifyInstance, config: Config): Promise<RulesStore> {
  if (!app.redis || !app.redisSubscriber) {
    app.log.info('REDIS_URL is not set: rules are kept in an embedded in-memory store (one replica, lost on restart)')
    return new MemoryRulesStore()
  }
  const store = new RedisRulesStore({ redis: app.redis, subscriber: app.redisSubscriber, keyPrefix: config.REDIS_KEY_PREFIX })
  const subscribed = store.start()
  if (app.redis.status === 'ready') {
    await subscribed
  } else {
    // Redis is not up yet: the subscription completes when it is; until then the cache TTL bounds staleness.
    subscribed.catch((err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'rules change subscription failed'))
  }
  return store
}
