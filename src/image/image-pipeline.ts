/**
 * Item images on the scoring path, inside a latency budget:
 *
 * 1. `begin` (before the request's Redis round trip): checks each item's image cheaply (strict base64,
 *    byte cap, URL allowlist), answers what the in-process cache knows, and queues shared-cache reads
 *    for the rest on the request's ReadBatch.
 * 2. The function it returns (after the round trip): refuses the request (400 naming the item) if an
 *    image's header says it is not an accepted image; submits what no cache knew as background jobs —
 *    fetch, then decode + PDQ hash + model input + the model, micro-batched with other requests'
 *    images, on an image thread (image-threads.ts) — and waits for them until the budget runs out.
 *    Images not scored by then are answered `pending`; their jobs go on and fill the caches for the
 *    next request.
 * 3. `hashes()` of its results: every image's PDQ hash, for hash-bank matching. A job tells its image's
 *    hash as soon as the image is decoded, before the model runs, so this waits for decodes (and
 *    fetches), never for the model or the budget.
 *
 * The jobs run in a bounded queue (deduplicated by key, concurrency limited, a full queue drops work
 * and counts it), so memory stays bounded however many images arrive.
 */
import type { CategoryEvidence } from '../classifiers/types.js'
import type { FeedItem } from '../engine/types.js'
import { validationError, type ErrorDetail } from '../errors.js'
import { NO_METRICS, type MetricsRecorder } from '../metrics/recorder.js'
import type { ReadBatch } from '../redis/read-batch.js'
import { imageCategoryScores } from './categories.js'
import { checkUrl, fetchImage, type ImageFetchError, type ImageFetchOptions, type ImageFetchRefusal } from './fetch.js'
import { dataKey, ImageCache, urlKey, type CachedImage, type ImageCacheOptions, type ImageEntry, type ImageScores } from './image-cache.js'
import { bytesFromBase64, ImageDecodeError, readImageHeader } from './decode.js'
import type { ImageHash } from './image-hash.js'
import type { ScoredImage } from './image-work.js'
import { JobQueue, type JobQueueOptions, type JobQueueStats } from './job-queue.js'

/** What the pipeline needs of the model: one image's class probabilities and PDQ hash (ImageThreads). */
export interface ImageScorer {
  /** `<name>@<version>` of the model. */
  readonly id: string
  /** `onHashed` is given the image's PDQ hash as soon as it is decoded, before the model runs. */
  score(bytes: Uint8Array, onHashed?: (hash: ImageHash) => void): Promise<ScoredImage>
  close(): Promise<void>
}

/** Why an item's image was not scored (and will not be by this request's background work). */
export type ImageSkipReason =
  | ImageFetchRefusal
  /** `IMAGE_ALLOWED_HOSTS` is empty: no URL is fetched. */
  | 'url_fetching_disabled'
  | 'image_invalid'
  | 'image_too_large'
  /** The background queue was full: the work was dropped (and counted). */
  | 'queue_full'
  | 'closing'
  | 'model_failed'

export type ImageOutcome =
  | { status: 'scored'; scores: ImageScores; hash: ImageHash; from: 'memory' | 'redis' | 'model' }
  | { status: 'pending' }
  | { status: 'skipped'; reason: ImageSkipReason }

export interface ImageResults {
  /** Per item, in request order; undefined for an item without an image. */
  outcomes: Array<ImageOutcome | undefined>
  /** Per item: the `sexual` and `suggestive` evidence of its image when scored, else none. */
  evidence: CategoryEvidence[]
  /**
   * Per item, the PDQ hash of its image (the full decoded image, as stored), for hash-bank matching:
   * known at once for cached images; for images still being worked on, once they are decoded, whatever
   * the budget (the model need not have run). Undefined for an item without an image, or whose image
   * could not be fetched or decoded. One promise per item, so that a caller may stop waiting for the slow ones.
   */
  hashes(): Array<Promise<ImageHash | undefined>>
  /** Items whose image is still being classified: decided without it this time. */
  pending: string[]
  skipped: Array<{ id: string; reason: ImageSkipReason }>
  /** Failures of the pipeline itself met by this request (the answer is degraded). */
  degraded: string[]
}

/** The seam the scoring service calls: two phases around the request's single Redis round trip. */
export interface ImageStage {
  readonly id: string
  /** `elapsedMs`: time the request had taken before scoring began, counted against the budget. */
  begin(items: readonly FeedItem[], batch: ReadBatch, budgetMs?: number, elapsedMs?: number): () => Promise<ImageResults>
}

/**
 * What deciding, writing and sending the answer take after the wait for images ends (about 0.5 ms for
 * 50 items): the wait ends this much before the budget does, so that the answer leaves within it.
 */
const ANSWER_RESERVE_MS = 1

export interface ImagePipelineOptions {
  /** URL fetching; its `maxBytes` also caps `image.data`. */
  fetch: ImageFetchOptions
  maxInputPixels: number
  /** Also hash the 8 rotations and flips of every image (for dihedral hash-bank matching). */
  pdqVariants: boolean
  /** How long a request waits for images no cache knows; `begin` may be given another. */
  budgetMs: number
  queue: JobQueueOptions
  cache: ImageCacheOptions
  /** Counts the image cache's hits and misses and times the model's runs (the service's metrics). */
  metrics?: MetricsRecorder
  /** A monotonic clock in milliseconds (default `performance.now`): deadlines are sub-millisecond and never move with the wall clock. */
  now?: () => number
}

export interface ImagePipelineStats {
  /** Images answered from the in-process cache, from the shared one, and known to neither. */
  memoryHits: number
  redisHits: number
  misses: number
  /** Images the model scored. */
  scored: number
  /** Item answers `pending`. */
  pending: number
  /** Item answers `skipped`, by reason. */
  skipped: Partial<Record<ImageSkipReason, number>>
  /** Background work: running, queued, deduplicated, dropped (queue full). */
  queue: JobQueueStats
  /** The `session.run`s that scored them: how many, and the largest. */
  batches: { batches: number; largestBatch: number }
  cachedImages: number
}

type Source = { kind: 'data'; bytes: Uint8Array } | { kind: 'url'; url: string }

/** A job's result: what the caches now hold for the image, and a pipeline failure to report. */
type JobOutcome = CachedImage & { degraded?: string }

/** The background work for one image, as a request sees it: its hash once decoded, its outcome once done. */
interface Job {
  outcome: Promise<JobOutcome>
  hashed: Promise<ImageHash | undefined>
}

interface Lookup {
  index: number
  key: string
  source: Source
  remote: Promise<ImageEntry | null>
}

const describe = (err: unknown) => (err as Error).message

export class ImagePipeline implements ImageStage {
  readonly #scorer: ImageScorer
  readonly #options: ImagePipelineOptions
  readonly #now: () => number
  readonly #metrics: MetricsRecorder
  readonly #source: string
  readonly #cache: ImageCache
  readonly #queue: JobQueue<JobOutcome>
  /** The hash of each job's image, by the queue's promise for the job (shared by every request that wants it). */
  readonly #hashes = new WeakMap<Promise<JobOutcome>, Promise<ImageHash | undefined>>()
  readonly #counts = { memoryHits: 0, redisHits: 0, misses: 0, scored: 0, pending: 0 }
  readonly #skipped: Partial<Record<ImageSkipReason, number>> = {}
  /** Each scored image adds 1/(its batch's size): the sum counts the batches. */
  #batchShares = 0
  #largestBatch = 0
  #closed = false

  /** `scorer` is the pipeline's own: `close` closes it. */
  constructor(scorer: ImageScorer, options: ImagePipelineOptions) {
    this.#scorer = scorer
    this.#options = options
    this.#now = options.now ?? (() => performance.now())
    this.#metrics = options.metrics ?? NO_METRICS
    this.#source = `model:${scorer.id}`
    this.#cache = new ImageCache(`${scorer.id}:${options.pdqVariants ? 'pdq8' : 'pdq1'}`, options.cache)
    this.#queue = new JobQueue(options.queue)
  }

  get id(): string {
    return this.#scorer.id
  }

  stats(): ImagePipelineStats {
    return {
      ...this.#counts,
      skipped: { ...this.#skipped },
      queue: this.#queue.stats(),
      batches: { batches: Math.round(this.#batchShares), largestBatch: this.#largestBatch },
      cachedImages: this.#cache.size
    }
  }

  begin(items: readonly FeedItem[], batch: ReadBatch, budgetMs = this.#options.budgetMs, elapsedMs = 0): () => Promise<ImageResults> {
    // The budget is the whole request's, from its arrival; a budget of 0 never waits.
    const deadline = this.#now() + budgetMs - elapsedMs - ANSWER_RESERVE_MS
    const outcomes = new Array<ImageOutcome | undefined>(items.length)
    const problems: Array<Promise<ErrorDetail | undefined>> = []
    const lookups: Lookup[] = []
    let hits = 0
    items.forEach((item, index) => {
      const image = item.image
      const found = image?.data !== undefined ? this.#dataSource(image.data, index, problems) : image?.url !== undefined ? this.#urlSource(image.url) : undefined
      if (found === undefined) return
      if ('reason' in found) {
        outcomes[index] = { status: 'skipped', reason: found.reason }
        return
      }
      const cached = this.#cache.memory(found.key)
      if (cached) {
        this.#counts.memoryHits++
        hits++
        outcomes[index] = outcomeOf(cached, 'memory')
        return
      }
      // Only images no cache in this process knows are checked: the header read runs beside the round trip.
      if (found.source.kind === 'data') problems.push(this.#checkHeader(found.source.bytes, index))
      lookups.push({ index, key: found.key, source: found.source, remote: this.#cache.queueRead(found.key, batch) })
    })

    return async () => {
      const details = (await Promise.all(problems)).filter((detail) => detail !== undefined)
      if (details.length > 0) throw validationError(`invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details)
      const jobs = new Map<string, Job | undefined>()
      const waiting: Array<{ index: number; job: Job }> = []
      let misses = 0
      for (const { index, key, source, remote } of lookups) {
        const entry = await remote
        if (entry) {
          this.#counts.redisHits++
          hits++
          outcomes[index] = outcomeOf({ entry }, 'redis')
          continue
        }
        this.#counts.misses++
        misses++
        if (!jobs.has(key)) jobs.set(key, this.#submit(key, source))
        const job = jobs.get(key)
        if (job) waiting.push({ index, job })
        else outcomes[index] = { status: 'skipped', reason: this.#closed ? 'closing' : 'queue_full' }
      }
      this.#metrics.cacheLookups('image', hits, misses)
      const settled = await this.#within(deadline, new Set(waiting.map(({ job }) => job.outcome)))
      const degraded = new Set<string>()
      const hashing = new Map<number, Promise<ImageHash | undefined>>()
      for (const { index, job } of waiting) {
        const outcome = settled.get(job.outcome)
        if (outcome?.degraded) degraded.add(outcome.degraded)
        outcomes[index] = outcome ? outcomeOf(outcome, 'model') : { status: 'pending' }
        hashing.set(index, job.hashed)
      }
      return this.#results(items, outcomes, [...degraded], hashing)
    }
  }

  /** Stops taking work, drops what waits, lets running jobs finish, then stops the image threads. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#queue.close()
    await this.#scorer.close()
  }

  #dataSource(data: string, index: number, problems: Array<Promise<ErrorDetail | undefined>>): { key: string; source: Source } | undefined {
    const path = `body.items.${index}.image.data`
    const maxBytes = this.#options.fetch.maxBytes
    // The decoded size, known from the length before decoding anything.
    const size = Math.floor((data.length / 4) * 3) - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0)
    let bytes: Uint8Array | undefined
    if (size > maxBytes) problems.push(Promise.resolve({ path, message: `image data is ${size} bytes, over the ${maxBytes}-byte limit` }))
    else {
      try {
        bytes = bytesFromBase64(data)
      } catch (err) {
        problems.push(Promise.resolve({ path, message: (err as ImageDecodeError).reason }))
      }
    }
    return bytes && { key: dataKey(bytes), source: { kind: 'data', bytes } }
  }

  #urlSource(raw: string): { key: string; source: Source } | { reason: ImageSkipReason } {
    const options = this.#options.fetch
    if (options.allowedHosts.length === 0) return { reason: 'url_fetching_disabled' }
    try {
      const url = checkUrl(raw, options).href
      return { key: urlKey(url), source: { kind: 'url', url } }
    } catch (err) {
      return { reason: (err as ImageFetchError).reason }
    }
  }

  #checkHeader(bytes: Uint8Array, index: number): Promise<ErrorDetail | undefined> {
    return readImageHeader(bytes, { maxInputPixels: this.#options.maxInputPixels }).then(
      () => undefined,
      (err: ImageDecodeError) => ({ path: `body.items.${index}.image.data`, message: err.reason })
    )
  }

  /** The job for an image no cache knows (a new one, or the one already running for it); undefined when the queue is full or closed. */
  #submit(key: string, source: Source): Job | undefined {
    if (this.#closed) return undefined
    const bytes = source.kind === 'data' ? source.bytes.length : 0
    let tellHash!: (hash: ImageHash | undefined) => void
    const hashed = new Promise<ImageHash | undefined>((resolve) => (tellHash = resolve))
    const queued = this.#queue.submit(key, bytes, () => this.#work(key, source, tellHash))
    if (!queued) return undefined
    if (!this.#hashes.has(queued)) {
      // A new job: its hash is the one its work tells as soon as the image is decoded, else the one it ends with (if any).
      this.#hashes.set(queued, hashed)
      queued.then(
        (outcome) => tellHash('entry' in outcome ? outcome.entry.hash : undefined),
        () => tellHash(undefined)
      )
    }
    // A job dropped from the queue as it closes is only not scored.
    return { outcome: queued.catch((): JobOutcome => ({ failure: 'closing' })), hashed: this.#hashes.get(queued)! }
  }

  /** The jobs that settle before the deadline, with their outcomes. */
  async #within(deadline: number, jobs: ReadonlySet<Promise<JobOutcome>>): Promise<Map<Promise<JobOutcome>, JobOutcome>> {
    const settled = new Map<Promise<JobOutcome>, JobOutcome>()
    const remaining = deadline - this.#now()
    if (jobs.size === 0 || remaining <= 0) return settled
    const all = Promise.all([...jobs].map((job) => job.then((outcome) => settled.set(job, outcome))))
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, remaining)))])
    clearTimeout(timer)
    return settled
  }

  /** Fetch (for a URL), score on an image thread (telling the hash once decoded), cache. Never rejects. */
  async #work(key: string, source: Source, tellHash: (hash: ImageHash) => void): Promise<JobOutcome> {
    const keys = [key]
    let bytes: Uint8Array
    if (source.kind === 'url') {
      try {
        bytes = await fetchImage(source.url, this.#options.fetch)
      } catch (err) {
        return this.#failed(keys, (err as ImageFetchError).reason)
      }
      // Another URL (or an item's data) may have brought the same image already.
      const contentKey = dataKey(bytes)
      const known = this.#cache.memory(contentKey)
      if (known && 'entry' in known) tellHash(known.entry.hash)
      if (known) return 'entry' in known ? this.#remember(keys, known.entry) : this.#failed(keys, known.failure as ImageSkipReason)
      keys.push(contentKey)
    } else bytes = source.bytes

    let scored: ScoredImage
    try {
      scored = await this.#scorer.score(bytes, tellHash)
    } catch (err) {
      if (err instanceof ImageDecodeError) return this.#failed(keys, err.code === 'FG_IMAGE_TOO_LARGE' ? 'image_too_large' : 'image_invalid')
      return { failure: 'model_failed', degraded: `model_failed: ${this.id}: ${describe(err)}` }
    }
    this.#counts.scored++
    if (scored.firstOfBatch) this.#metrics.modelRun('image', this.id, scored.inferenceMs / 1000, scored.batch)
    this.#batchShares += 1 / scored.batch
    this.#largestBatch = Math.max(this.#largestBatch, scored.batch)
    return this.#remember(keys, { scores: imageCategoryScores(scored.probabilities), hash: scored.hash })
  }

  #remember(keys: string[], entry: ImageEntry): JobOutcome {
    this.#cache.store(keys, entry)
    return { entry }
  }

  /** An image that cannot be scored as it is: remembered briefly, so it is not fetched or decoded again at once. */
  #failed(keys: string[], reason: ImageSkipReason): JobOutcome {
    for (const key of keys) this.#cache.storeFailure(key, reason)
    return { failure: reason }
  }

  /** `hashing`: the hash of each image a job works on, by item index. */
  #results(items: readonly FeedItem[], outcomes: Array<ImageOutcome | undefined>, degraded: string[], hashing: ReadonlyMap<number, Promise<ImageHash | undefined>>): ImageResults {
    const hashes = () =>
      Array.from(items, (_, index) => {
        const outcome = outcomes[index]
        return hashing.get(index) ?? Promise.resolve(outcome?.status === 'scored' ? outcome.hash : undefined)
      })
    const results: ImageResults = { outcomes, evidence: [], hashes, pending: [], skipped: [], degraded }
    for (let index = 0; index < items.length; index++) {
      const outcome = outcomes[index]
      const id = items[index]!.id
      results.evidence.push(outcome?.status === 'scored' ? this.#evidence(outcome.scores) : {})
      if (outcome?.status === 'pending') {
        this.#counts.pending++
        results.pending.push(id)
      } else if (outcome?.status === 'skipped') {
        this.#skipped[outcome.reason] = (this.#skipped[outcome.reason] ?? 0) + 1
        results.skipped.push({ id, reason: outcome.reason })
      }
    }
    return results
  }

  #evidence(scores: ImageScores): CategoryEvidence {
    return { sexual: { score: scores.sexual, source: this.#source }, suggestive: { score: scores.suggestive, source: this.#source } }
  }
}

function outcomeOf(cached: CachedImage, from: 'memory' | 'redis' | 'model'): ImageOutcome {
  return 'entry' in cached
    ? { status: 'scored', scores: cached.entry.scores, hash: cached.entry.hash, from }
    : { status: 'skipped', reason: cached.failure as ImageSkipReason }
}
