import type { RedisClient } from '../../redis/connection.js'
import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import type { ImageFetchOptions } from '../../image/fetch.js'
import { ImagePipeline, type ImagePipelineOptions } from '../../image/image-pipeline.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The image pipeline when the manifest lists an image model (its `stats()`: cache hits, pending, queue, drops, batches). */
    images: ImagePipeline | undefined
  }
}

/** How `image.url` is fetched (item images and hash bank entries alike), from the service's configuration. */
export function imageFetchOptions(config: Config): ImageFetchOptions {
  return {
    allowedHosts: config.IMAGE_ALLOWED_HOSTS,
    allowHttp: config.IMAGE_ALLOW_HTTP,
    allowPrivateAddresses: config.IMAGE_ALLOW_PRIVATE_ADDRESSES,
    connectTimeoutMs: config.IMAGE_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: config.IMAGE_FETCH_TIMEOUT_MS,
    maxBytes: config.IMAGE_MAX_BYTES,
    maxRedirects: config.IMAGE_MAX_REDIRECTS
  }
}

/** The image pipeline's settings from the service's configuration. */
export function imagePipelineOptions(config: Config, redis: RedisClient | null): ImagePipelineOptions {
  return {
    fetch: imageFetchOptions(config),
    maxInputPixels: config.IMAGE_MAX_PIXELS,
    pdqVariants: config.PDQ_DIHEDRAL,
    budgetMs: config.IMAGE_BUDGET_MS,
    queue: { concurrency: config.IMAGE_CONCURRENCY, maxQueued: config.IMAGE_QUEUE_MAX, maxQueuedBytes: config.IMAGE_QUEUE_MAX_BYTES },
    cache: {
      enabled: config.SCORE_CACHE_ENABLED,
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      maxItems: config.IMAGE_CACHE_MAX_ITEMS,
      ttlSeconds: config.SCORE_CACHE_TTL_S,
      failureTtlSeconds: config.IMAGE_FAILURE_CACHE_S
    }
  }
}

/**
 * Item images on the scoring path, around the image model the `models` plugin opened: the budget, the
 * background queue, the caches (in process, and in Redis when configured), safe URL fetching.
 */
export default fp(
  async (app) => {
    const model = app.models.image
    const images = model && new ImagePipeline(model, { ...imagePipelineOptions(app.config, app.redis), metrics: app.metrics })
    app.decorate('images', images)
    if (images) app.metrics.observeImagePipeline(images.id, () => images.stats())
    // Drops the waiting work and lets the running jobs finish before the model closes.
    app.addHook('onClose', async () => images?.close())
  },
  { name: 'images', dependencies: ['config', 'metrics', 'redis', 'models'], fastify: '5.x' }
)
