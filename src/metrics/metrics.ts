/**
 * Every metric the service exposes on `GET /metrics`, in one place, on a registry of its own (so two
 * apps in one process, as in tests, never share figures). Label values are bounded by construction:
 * route templates, status classes, actions, reason types, cache names, model ids, command names —
 * never a user id, an item id or a keyword.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration } from 'prom-client'
import cluster from 'node:cluster'
import type { Decision } from '../engine/types.js'
import { metricsUnavailable } from '../errors.js'
import type { ImagePipelineStats } from '../image/image-pipeline.js'
import type { CacheName, ModelKind, MetricsRecorder } from './recorder.js'
import { WorkerMetrics } from './cluster-metrics.js'

/** Request latency buckets (seconds): scoring answers in milliseconds, image budgets reach seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** Model run buckets (seconds): a text batch takes about a millisecond, an image batch tens to hundreds. */
const INFERENCE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256]

/** `2xx`, `4xx`, `5xx`…: the status code's class. */
export const statusClass = (statusCode: number) => `${Math.floor(statusCode / 100)}xx`

/**
 * A degraded reason's kind, the label value: the code before its colon (`rules_unavailable: rules store:
 * …` → `rules_unavailable`). The text after it names hosts and errors, so it is never a label.
 */
export function degradedKind(reason: string): string {
  const kind = reason.split(':', 1)[0]!.trim()
  return /^[a-z][a-z0-9_]{0,39}$/.test(kind) ? kind : 'other'
}

/**
 * Increments of a counter with two labels, kept here and added to the counter when it is read (a scrape, or
 * the workers' figures gathered): prom-client hashes an increment's labels on every call, and every /v1/score
 * answer counts several. Label pairs come from small vocabularies, so the entries stay few.
 */
class PendingCounts<L extends string> {
  readonly #byFirst = new Map<string, Map<string, { labels: Partial<Record<L, string>>; count: number }>>()

  constructor(private readonly labelsOf: (first: string, second: string) => Partial<Record<L, string>>) {}

  add(first: string, second: string, count: number): void {
    let bySecond = this.#byFirst.get(first)
    if (bySecond === undefined) this.#byFirst.set(first, (bySecond = new Map()))
    const entry = bySecond.get(second)
    if (entry === undefined) bySecond.set(second, { labels: this.labelsOf(first, second), count })
    else entry.count += count
  }

  /** Adds what is pending to `counter`. */
  addTo(counter: Counter<L>): void {
    for (const bySecond of this.#byFirst.values()) {
      for (const entry of bySecond.values()) {
        if (entry.count === 0) continue
        counter.inc(entry.labels, entry.count)
        entry.count = 0
      }
    }
  }
}

export class Metrics implements MetricsRecorder {
  readonly registry = new Registry()
  readonly #pendingDecisions = new PendingCounts<'action' | 'reason'>((action, reason) => ({ action, reason }))
  readonly #pendingCacheLookups = new PendingCounts<'cache' | 'result'>((cache, result) => ({ cache, result }))

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

  readonly decisions: Counter<'action' | 'reason'> = new Counter({
    name: 'feedguard_decisions_total',
    help: 'Item decisions answered by /v1/score, by action and by the type of the headline (most severe) reason (`none` for allow).',
    labelNames: ['action', 'reason'] as const,
    registers: [this.registry],
    collect: (): void => this.#pendingDecisions.addTo(this.decisions)
  })

  readonly scoreAnswers = new Counter({
    name: 'feedguard_score_answers_total',
    help: 'Answers of /v1/score, degraded (a dependency was skipped: meta.degraded) or not.',
    labelNames: ['degraded'] as const,
    registers: [this.registry]
  })

  readonly degradedAnswers = new Counter({
    name: 'feedguard_degraded_answers_total',
    help: 'Degraded answers of /v1/score, by reason kind (an answer with two reasons counts under both).',
    labelNames: ['reason'] as const,
    registers: [this.registry]
  })

  readonly overloadShed = new Counter({
    name: 'feedguard_overload_shed_total',
    help: 'Requests refused with 503 FG_OVERLOADED because the event loop lagged past OVERLOAD_SHED_LOOP_DELAY_MS or OVERLOAD_MAX_IN_FLIGHT /v1/score requests were in process (degraded answers count under feedguard_degraded_answers_total{reason="overloaded"}).',
    registers: [this.registry]
  })

  readonly cacheRequests: Counter<'cache' | 'result'> = new Counter({
    name: 'feedguard_cache_requests_total',
    help: 'Cache look-ups on the scoring path, by cache (rules, text_scores, image, item_status) and result (hit: from any tier, in process or Redis).',
    labelNames: ['cache', 'result'] as const,
    registers: [this.registry],
    collect: (): void => this.#pendingCacheLookups.addTo(this.cacheRequests)
  })

  readonly modelInferenceDuration = new Histogram({
    name: 'feedguard_model_inference_duration_seconds',
    help: 'Time of one model run (one batch), by model kind and model.',
    labelNames: ['kind', 'model'] as const,
    buckets: INFERENCE_BUCKETS,
    registers: [this.registry]
  })

  readonly modelBatchSize = new Histogram({
    name: 'feedguard_model_batch_size',
    help: 'Inputs per model run, by model kind and model.',
    labelNames: ['kind', 'model'] as const,
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry]
  })

  readonly redisDataLoss = new Counter({
    name: 'feedguard_redis_data_loss_total',
    help: 'Times this replica found Redis empty or holding another dataset (restart without persistence, FLUSHALL, failover to an empty node): rules and hash banks were lost.',
    registers: [this.registry]
  })

  readonly redisCommandErrors = new Counter({
    name: 'feedguard_redis_command_errors_total',
    help: 'Redis commands that failed (connection down, timeout, error reply), by command.',
    labelNames: ['command'] as const,
    registers: [this.registry]
  })

  /** The Redis connections whose state is read at each scrape. */
  readonly #redisConnections = new Map<string, () => boolean>()

  /** The image pipeline the image families read at each scrape, when there is one. */
  #images: { model: string; stats: () => ImagePipelineStats } | undefined

  /** In a cluster worker (WORKERS > 1): scrapes answer every worker's figures (cluster-metrics.ts). */
  readonly #workers = cluster.isWorker ? new WorkerMetrics(this.registry) : null

  constructor() {
    // Process and Node.js figures: CPU, memory, heap spaces, event-loop lag, GC pauses, handles.
    collectDefaultMetrics({ register: this.registry })
    this.#imagePipelineFamilies()
    const connections = this.#redisConnections
    new Gauge({
      name: 'feedguard_redis_connected',
      help: 'Whether a Redis connection is ready (1) or not (0), by connection (commands, subscriber); absent without Redis.',
      labelNames: ['connection'],
      // with several workers: ready only if every worker's connection is
      aggregator: 'min',
      registers: [this.registry],
      collect() {
        for (const [connection, ready] of connections) this.set({ connection }, ready() ? 1 : 0)
      }
    })
  }

  /** Reads whether a Redis connection is ready at each scrape. */
  observeRedisConnection(connection: 'commands' | 'subscriber', ready: () => boolean): void {
    this.#redisConnections.set(connection, ready)
  }

  cacheLookups(cache: CacheName, hits: number, misses: number): void {
    if (hits > 0) this.#pendingCacheLookups.add(cache, 'hit', hits)
    if (misses > 0) this.#pendingCacheLookups.add(cache, 'miss', misses)
  }

  modelRun(kind: ModelKind, model: string, seconds: number, batchSize: number): void {
    this.modelInferenceDuration.observe({ kind, model }, seconds)
    this.modelBatchSize.observe({ kind, model }, batchSize)
  }

  redisRound(nodes: number): void {
    this.redisNodesPerRequest.observe(nodes)
  }

  scoreAnswer(decisions: readonly Decision[], degradedReasons: readonly string[]): void {
    for (let index = 0; index < decisions.length; index++) {
      const decision = decisions[index]!
      this.#pendingDecisions.add(decision.action, decision.reasons[0]?.type ?? 'none', 1)
    }
    this.scoreAnswers.inc({ degraded: degradedReasons.length > 0 ? 'true' : 'false' })
    for (const kind of new Set(degradedReasons.map(degradedKind))) this.degradedAnswers.inc({ reason: kind })
  }

  /** Reads the image pipeline's own counters at each scrape (they are kept by the pipeline, per model). */
  observeImagePipeline(model: string, stats: () => ImagePipelineStats): void {
    this.#images = { model, stats }
  }

  /** The exposition in Prometheus' text format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    if (!this.#workers) return { contentType: this.registry.contentType, body: await this.registry.metrics() }
    try {
      return { contentType: this.registry.contentType, body: await this.#workers.scrape() }
    } catch (err) {
      // a partial sum would read as counters going back: the scrape fails instead, and the next one sums them all
      throw metricsUnavailable((err as Error).message)
    }
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
    gauge({ name: 'feedguard_image_model_batch_max', help: 'Largest micro-batch the image model ran.', aggregator: 'max' }, (s) => s.batches.largestBatch)
    gauge({ name: 'feedguard_image_cache_entries', help: 'Images in the in-process image cache.' }, (s) => s.cachedImages)
  }
}
