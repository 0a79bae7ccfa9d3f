import type { Redis } from 'ioredis'
import type { LoadedModel } from '../classifiers/manifest.js'
import type { Config } from '../config.js'
import { ImageThreads, type ImageThreadsOptions } from './image-threads.js'
import { ImagePipeline, type ImagePipelineOptions } from './image-pipeline.js'

/** The image pipeline's settings from the service's configuration. */
export function imagePipelineOptions(config: Config, redis: Redis | null): ImagePipelineOptions {
  return {
    fetch: {
      allowedHosts: config.IMAGE_ALLOWED_HOSTS,
      allowHttp: config.IMAGE_ALLOW_HTTP,
      allowPrivateAddresses: config.IMAGE_ALLOW_PRIVATE_ADDRESSES,
      connectTimeoutMs: config.IMAGE_CONNECT_TIMEOUT_MS,
      totalTimeoutMs: config.IMAGE_FETCH_TIMEOUT_MS,
      maxBytes: config.IMAGE_MAX_BYTES,
      maxRedirects: config.IMAGE_MAX_REDIRECTS
    },
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

/** The image threads' settings for a model file, from the service's configuration. */
export function imageThreadsOptions(model: ImageThreadsOptions['model'], config: Config): ImageThreadsOptions {
  return {
    model,
    threads: config.IMAGE_THREADS,
    nice: config.IMAGE_THREAD_NICE,
    session: { intraOpNumThreads: config.IMAGE_MODEL_THREADS, allowSpinning: config.IMAGE_MODEL_SPINNING },
    prepare: { maxInputPixels: config.IMAGE_MAX_PIXELS, pdqVariants: config.PDQ_DIHEDRAL },
    batch: { maxBatch: config.IMAGE_BATCH_MAX, maxWaitMs: config.IMAGE_BATCH_WAIT_MS }
  }
}

/**
 * The pipeline for the manifest's image model, if it lists one. A model that cannot be opened is
 * added to `problems` (the service stays unready and answers degraded) instead of stopping the process.
 */
export async function loadImagePipeline(
  models: readonly LoadedModel[],
  config: Config,
  redis: Redis | null,
  problems: string[]
): Promise<ImagePipeline | undefined> {
  const entry = models.find((model) => model.kind === 'image')
  if (!entry) return undefined
  try {
    return new ImagePipeline(await ImageThreads.open(imageThreadsOptions(entry, config)), imagePipelineOptions(config, redis))
  } catch (err) {
    problems.push(`model ${entry.id}: ${(err as Error).message}`)
    return undefined
  }
}
