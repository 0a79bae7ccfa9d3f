import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { ItemImageHasher } from '../../image/item-image-hasher.js'
import { RulesCache } from '../../rules/rules-cache.js'
import { ScoringService } from '../../scoring/scoring-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** `POST /v1/score`: rules, models, images, item statuses and hash banks, one decision per item. */
    scoring: ScoringService
  }
}

/** How the scoring path caches and waits, from the service's configuration. */
export function scoringOptions(config: Config) {
  return {
    rulesCache: {
      ttlMs: config.RULES_CACHE_TTL_MS,
      maxUsers: config.RULES_CACHE_MAX_USERS,
      maxBytes: config.RULES_CACHE_MAX_BYTES,
      maxUserBytes: config.RULES_MAX_COMPILED_BYTES
    },
    storeBudgetMs: config.SCORE_REDIS_BUDGET_MS,
    bankHashWaitMs: config.BANK_HASH_WAIT_MS,
    scoreCache: { enabled: config.SCORE_CACHE_ENABLED, keyPrefix: config.REDIS_KEY_PREFIX, maxItems: config.SCORE_CACHE_MAX_ITEMS, maxBytes: config.SCORE_CACHE_MAX_BYTES, ttlSeconds: config.SCORE_CACHE_TTL_S },
    itemImages: { maxInputPixels: config.IMAGE_MAX_PIXELS, variants: config.PDQ_DIHEDRAL }
  }
}

/**
 * The scoring path over every other concern: each user's compiled rules (cached, re-read at least every
 * RULES_CACHE_TTL_MS, at once when the store announces a change), the text models, the image pipeline,
 * the items' statuses and the hash banks.
 */
export default fp(
  async (app) => {
    const options = scoringOptions(app.config)
    app.decorate(
      'scoring',
      new ScoringService({
        policy: app.policy,
        rules: new RulesCache({ store: app.rulesStore, ...options.rulesCache, metrics: app.metrics }),
        models: app.models.text,
        unavailableModels: app.models.problems,
        standingReasons: () => app.dataset.degradedReasons(),
        storeBudgetMs: options.storeBudgetMs,
        bankHashWaitMs: options.bankHashWaitMs,
        redis: app.redis,
        itemStatuses: app.aggregateStore,
        banks: app.banks.screen,
        images: app.images,
        // Without an image model (and so no image pipeline to hash them), items' image.data are hashed for the banks here.
        ...(app.images ? {} : { itemImageHasher: new ItemImageHasher(options.itemImages) }),
        scoreCache: options.scoreCache,
        recorder: app.decisions.recorder,
        metrics: app.metrics
      })
    )
  },
  { name: 'scoring', dependencies: ['config', 'metrics', 'redis', 'dataset', 'policy', 'models', 'images', 'rules-store', 'aggregate-store', 'banks', 'decisions'], fastify: '5.x' }
)
