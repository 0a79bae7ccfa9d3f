/**
 * Every metric the service exposes on `GET /metrics`, in one place, on a registry of its own (so two
 * apps in one process, as in tests, never share figures). Label values are bounded by construction:
 * route templates, status classes, actions, reason types, cache names, model ids, command names —
 * never a user id, an item id or a keyword.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration } from 'prom-client'
import type { ImagePipelineStats } from '../image/image-pipeline.js'

/** Request latency buckets (seconds): scoring answers in milliseconds, image budgets reach seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** `2xx`, `4xx`, `5xx`…: the status code's class. */
export const statusClass = (statusCode: number) => `${Math.floor(statusCode / 100)}xx`

export class Metrics {
  readonly registry = new Registry()

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request’s arrival to its answer, by route template (`unmatched` when no route matched), method and status class.',
    labelNames: ['route', 'method', 'status_class'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry]
  })

  /**
   * Redis nodes the scoring path's one round of reads went to, per request (0: nothing to read, or no
   * Redis). One on a single node; on a cluster, the nodes holding the user's rules and the items' keys.
   */
  readonly redisNodesPerRequest = new Histogram({
    name: 'feedguard_score_redis_nodes',
    help: 'Redis nodes the scoring path read from (one pipeline each, sent concurrently), per /v1/score request.',
    buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16, 32],
    registers: [this.registry]
  })

  /** The image pipeline the image families read at each scrape, when there is one. */
  #images: { model: string; stats: () => ImagePipelineStats } | undefined

  constructor() {
    // Process and Node.js figures: CPU, memory, heap spaces, event-loop lag, GC pauses, handles.
    collectDefaultMetrics({ register: this.registry })
    this.#imagePipelineFamilies()
  }

  /** Reads the image pipeline's own counters at each scrape (they are kept by the pipeline, per model). */
  observeImagePipeline(model: string, stats: () => ImagePipelineStats): void {
    this.#images = { model, stats }
  }

  /** The exposition in Prometheus' text format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }

  #imagePipelineFamilies() {
    const registers = [this.registry]
    const images = () => this.#images && { model: this.#images.model, stats: this.#images.stats() }
    // Counters the pipeline keeps itself: copied at scrape time rather than counted twice.
    const counter = (config: CounterConfiguration<string>, read: (stats: ImagePipelineStats) => Array<[Record<string, string>, number]>) =>
      new Counter<string>({
        ...config,
        labelNames: ['model', ...(config.labelNames ?? [])],
        registers,
        collect() {
          const found = images()
          this.reset()
          if (found) for (const [labels, value] of read(found.stats)) this.inc({ model: found.model, ...labels }, value)
        }
      })
    const gauge = (config: Omit<GaugeConfiguration<'model'>, 'labelNames'>, read: (stats: ImagePipelineStats) => number) =>
      new Gauge({
        ...config,
        labelNames: ['model'],
        registers,
        collect() {
          const found = images()
          if (found) this.set({ model: found.model }, read(found.stats))
        }
      })

    counter(
      { name: 'feedguard_image_lookups_total', help: 'Item images looked up, by where their scores came from (miss: neither cache knew them).', labelNames: ['result'] },
      (s) => [
        [{ result: 'memory' }, s.memoryHits],
        [{ result: 'redis' }, s.redisHits],
        [{ result: 'miss' }, s.misses]
      ]
    )
    counter({ name: 'feedguard_images_scored_total', help: 'Images the image model scored.' }, (s) => [[{}, s.scored]])
    counter({ name: 'feedguard_image_pending_total', help: 'Item answers whose image was not scored within the budget (meta.pendingImages).' }, (s) => [[{}, s.pending]])
    counter({ name: 'feedguard_image_skipped_total', help: 'Item answers whose image could not be scored (meta.skippedImages), by reason.', labelNames: ['reason'] }, (s) =>
      Object.entries(s.skipped).map(([reason, value]) => [{ reason }, value])
    )
    gauge({ name: 'feedguard_image_jobs_running', help: 'Background image jobs running.' }, (s) => s.queue.running)
    gauge({ name: 'feedguard_image_jobs_queued', help: 'Background image jobs waiting.' }, (s) => s.queue.queued)
    gauge({ name: 'feedguard_image_jobs_queued_bytes', help: 'Image bytes held by waiting jobs.' }, (s) => s.queue.queuedBytes)
    counter({ name: 'feedguard_image_jobs_deduplicated_total', help: 'Image submissions that joined a job already waiting or running.' }, (s) => [[{}, s.queue.deduplicated]])
    counter({ name: 'feedguard_image_jobs_dropped_total', help: 'Image jobs refused because the queue was full.' }, (s) => [[{}, s.queue.dropped]])
    counter({ name: 'feedguard_image_model_runs_total', help: 'Runs of the image model (one per micro-batch).' }, (s) => [[{}, s.batches.batches]])
    gauge({ name: 'feedguard_image_model_batch_max', help: 'Largest micro-batch the image model ran.' }, (s) => s.batches.largestBatch)
    gauge({ name: 'feedguard_image_cache_entries', help: 'Images in the in-process image cache.' }, (s) => s.cachedImages)
  }
}
