import type { BankScreen } from '../banks/bank-screen.js'
import { combineEvidence, NO_EVIDENCE, UpstreamLabels } from '../classifiers/upstream-labels.js'
import { CachedClassifier, type ScoreCacheOptions } from '../classifiers/cached-classifier.js'
import type { CategoryEvidence, Classifier, ClassifierItem } from '../classifiers/types.js'
import { Decider } from '../engine/decide.js'
import type { Decision, DecisionContext, FeedItem, ItemStatus } from '../engine/types.js'
import type { ImageHash } from '../image/image-hash.js'
import type { KeywordMatch } from '../keywords/matcher.js'
import type { ImageStage } from '../image/image-pipeline.js'
import type { Policy } from '../policy/policy.js'
import type { Surface } from '../policy/vocabulary.js'
import type { RulesCache, RulesLookup } from '../rules/rules-cache.js'
import { ReadBatch } from '../redis/read-batch.js'
import type { RedisClient } from '../redis/connection.js'
import type { DecisionRecorder } from '../decisions/decision-recorder.js'
import { NO_METRICS, type MetricsRecorder } from '../metrics/recorder.js'
import { attachModelSpans, classifierText } from './model-spans.js'
import { DECIDE_SLICE_MS, hasLongText, matchLongTexts, prepareTexts, yieldToLoop } from './long-texts.js'

export interface ScoreRequest {
  userId: string
  surface: Surface
  items: FeedItem[]
  explain: boolean
  /** How long to wait for images no cache knows (default: the configured image budget). */
  imageBudgetMs?: number | undefined
  /**
   * The service is overloaded: answer from what the caches know (no model run, no image waited for) and say so
   * (`overloaded` in meta.degradedReasons).
   */
  overloaded?: boolean
  /** Time already spent on the request before scoring (reading and validating it): the image budget counts from its arrival. */
  elapsedMs?: number
}

export interface ScoreMeta {
  policyVersion: string
  rulesVersion: number
  degraded: boolean
  degradedReasons?: string[]
  models: string[]
  /** Items whose image was still being classified when the image budget ran out: decided without it. */
  pendingImages?: string[]
  /** Items whose image could not be scored, and why. */
  skippedImages?: Array<{ id: string; reason: string }>
}

export interface ScoreResponse {
  userId: string
  decisions: Decision[]
  meta: ScoreMeta
}

export interface ScoringDeps {
  policy: Policy
  rules: RulesCache
  /** Text models; each is called at most once per request, for the items its cache lacks. */
  models: readonly Classifier[]
  /** Models the manifest lists but that could not be loaded: every answer says it is degraded. */
  unavailableModels?: readonly string[]
  /** Reasons every answer is degraded for while they stand, e.g. `store_data_lost` (src/plugins/app/dataset-marker.ts). */
  standingReasons?: () => readonly string[]
  /** Where model scores are cached (in-process LRU, and Redis when configured). */
  scoreCache: Omit<ScoreCacheOptions, 'redis'>
  /** How long the scoring path waits for its one Redis round trip. */
  storeBudgetMs: number
  /** The connection the round trip is batched on; null with the embedded stores. */
  redis: RedisClient | null
  /** Platform-wide item statuses (under review, removed), read in the same round trip. */
  itemStatuses?: ItemStatusReader
  /** Known-image hash banks: `hash` reasons for the items whose image matches an enabled bank. */
  banks?: Pick<BankScreen, 'active' | 'reasonsById'>
  /** Item images: scores from the caches, or from the image model within the budget; and every image's PDQ hash. */
  images?: ImageStage
  /** Without an image stage: the hashes of items' `image.data`, for the banks. */
  itemImageHasher?: { itemHashes(items: readonly FeedItem[]): Array<Promise<ImageHash | undefined>> }
  /**
   * While a bank is active, how long from a request's arrival it waits for its new images' hashes; items
   * whose hash comes later are decided without the bank check (`image_hash_pending`). Default: no limit.
   */
  bankHashWaitMs?: number
  /** Takes note of every request's decisions (counts, and a sample for policy what-if runs). */
  recorder?: Pick<DecisionRecorder, 'record'>
  /** Where answers, score-cache look-ups and text model runs are counted (the service's metrics). */
  metrics?: MetricsRecorder
  now?: () => number
}

type PlatformReasons = NonNullable<DecisionContext['platformReasons']>

export interface ItemStatusReader {
  /** One read for the whole batch, queued on the request's batch. */
  readStatuses(itemIds: readonly string[], batch: ReadBatch): Promise<Map<string, ItemStatus>>
}

export { classifierText }

/**
 * Scores a batch for one user: one rules look-up (cached, within its budget) and one call per model,
 * concurrently; then the pure decision per item. Never fails because a dependency did: what was
 * skipped is reported in `meta.degradedReasons`.
 */
export class ScoringService {
  readonly #deps: ScoringDeps
  readonly #labels: UpstreamLabels
  readonly #models: CachedClassifier[]
  readonly #now: () => number
  readonly #metrics: MetricsRecorder

  constructor(deps: ScoringDeps) {
    this.#deps = deps
    this.#labels = new UpstreamLabels(deps.policy)
    this.#metrics = deps.metrics ?? NO_METRICS
    const cache = { ...deps.scoreCache, redis: deps.redis }
    this.#models = deps.models.map((model) => new CachedClassifier(model, textContent, cache, this.#metrics))
    this.#now = deps.now ?? Date.now
  }

  get modelIds(): string[] {
    return [...this.#models.map((model) => model.id), ...(this.#deps.images ? [this.#deps.images.id] : [])]
  }

  async score(request: ScoreRequest): Promise<ScoreResponse> {
    const started = performance.now()
    const degradedReasons = [
      ...(this.#deps.standingReasons?.() ?? []),
      ...(this.#deps.unavailableModels ?? []).map((problem) => `model_unavailable: ${problem}`)
    ]
    const overloaded = request.overloaded === true
    if (overloaded) degradedReasons.push('overloaded')
    const batch = new ReadBatch(this.#deps.redis)
    const rulesLookup = this.#deps.rules.lookup(request.userId, batch)
    const classified = this.#beginClassification(request.items, batch, degradedReasons, overloaded)
    const statuses = this.#readStatuses(request.items, batch, degradedReasons)
    const images = this.#deps.images?.begin(request.items, batch, overloaded ? 0 : request.imageBudgetMs, request.elapsedMs)
    const banksActive = this.#deps.banks?.active === true
    // Without an image stage, `image.data` is hashed here for the banks, beside the round trip.
    const dataHashes = banksActive && !images ? this.#deps.itemImageHasher?.itemHashes(request.items) : undefined
    await batch.run(this.#deps.storeBudgetMs)
    this.#metrics.redisRound(batch.nodesTouched)
    const gathered = Promise.all([rulesLookup, classified.finish(), statuses, images?.()])
    // while a model scores new items on its thread, their texts are analysed for the keyword rules; awaited with the
    // rest, so that a failure (an unusable image) is answered at once and never left unhandled meanwhile
    const analysed = classified.modelsWillRun ? this.#analyseAhead(request.items, rulesLookup) : undefined
    const [[lookup, modelEvidence, itemStatuses, imageResults]] = await Promise.all([gathered, analysed])
    if (lookup.degraded) degradedReasons.unshift(lookup.degraded)
    if (imageResults) degradedReasons.push(...imageResults.degraded)

    const hashDeadline = started - (request.elapsedMs ?? 0) + (this.#deps.bankHashWaitMs ?? Infinity)
    const platformReasons = banksActive ? await this.#bankMatches(request.items, imageResults?.hashes() ?? dataHashes, hashDeadline, degradedReasons) : undefined
    const keywordMatches = new Map<string, readonly KeywordMatch[]>()
    const context: DecisionContext = { userId: request.userId, surface: request.surface, now: this.#now(), itemStatuses, platformReasons, keywordMatches }
    const decider = new Decider(this.#deps.policy, lookup.rules, context)
    const decisions: Decision[] = []
    const evidences: CategoryEvidence[] = []
    let sliceStart = performance.now()
    for (let index = 0; index < request.items.length; index++) {
      // long texts (a batch of transcripts) take a while to match: other requests get the loop in between
      if (performance.now() - sliceStart > DECIDE_SLICE_MS) {
        await yieldToLoop()
        sliceStart = performance.now()
      }
      const item = request.items[index]!
      if (lookup.rules.matcher.size > 0 && hasLongText(item)) sliceStart = await matchLongTexts(item, lookup.rules.matcher, keywordMatches, sliceStart)
      // on ties, upstream labels win over models, text over images
      let evidence = item.labels ? this.#labels.evidenceFor(item.labels) : NO_EVIDENCE
      for (const perModel of modelEvidence) evidence = combineEvidence(evidence, perModel[index]!)
      if (imageResults) evidence = combineEvidence(evidence, imageResults.evidence[index]!)
      evidences.push(evidence)
      decisions.push(decider.decide(item, evidence, request.explain))
    }
    this.#deps.recorder?.record(request.surface, lookup.rules.doc, decisions, evidences)
    // explanations only: an answer without the model's spans is still whole, and an overloaded service runs no model
    if (request.explain && !overloaded) await this.#attachSpans(request.items, decisions)

    const meta: ScoreMeta = {
      policyVersion: this.#deps.policy.version,
      rulesVersion: lookup.rules.version,
      degraded: degradedReasons.length > 0,
      models: this.modelIds
    }
    if (degradedReasons.length > 0) meta.degradedReasons = degradedReasons
    if (imageResults?.pending.length) meta.pendingImages = imageResults.pending
    if (imageResults?.skipped.length) meta.skippedImages = imageResults.skipped
    this.#metrics.scoreAnswer(decisions, degradedReasons)
    return { userId: request.userId, decisions, meta }
  }

  /**
   * The hash-bank matches of the items' images, by the hashes the image stage gives (waiting for images
   * still being decoded, whatever the image budget: a banked image is hidden even while its model scores
   * are pending), or without one, the item image hasher's; until `deadline` (performance.now() time),
   * after which the items whose hash is not known are not matched and the answer says so.
   */
  async #bankMatches(
    items: readonly FeedItem[],
    itemHashes: Array<Promise<ImageHash | undefined>> | undefined,
    deadline: number,
    degradedReasons: string[]
  ): Promise<PlatformReasons | undefined> {
    if (!itemHashes) return undefined
    const { settled, late } = await settledBy(itemHashes, deadline)
    if (late > 0) {
      const waitMs = this.#deps.bankHashWaitMs!
      degradedReasons.push(`image_hash_pending: ${late} ${late === 1 ? 'image' : 'images'} not decoded within ${waitMs} ms: not matched against the hash banks`)
    }
    return this.#deps.banks!.reasonsById(items, settled)
  }

  async #attachSpans(items: readonly FeedItem[], decisions: readonly Decision[]): Promise<void> {
    try {
      await attachModelSpans(this.#deps.models, items, decisions)
    } catch {
      // an explanation that could not be made leaves the decisions as they are, without spans
    }
  }

  /**
   * Analyses the items' texts for the user's keyword rules ahead of deciding them (prepareTexts), once the model has
   * started: a turn of the loop first, as the items' shared-cache replies take a few promise turns to reach it.
   */
  async #analyseAhead(items: readonly FeedItem[], rulesLookup: Promise<RulesLookup>): Promise<void> {
    const { matcher } = (await rulesLookup).rules
    if (matcher.size === 0) return
    await yieldToLoop()
    await prepareTexts(items, matcher, performance.now())
  }

  /** Queues the read of the items' statuses; when it fails, items are decided as if they had none, and the answer says so. */
  #readStatuses(items: readonly FeedItem[], batch: ReadBatch, degradedReasons: string[]): Promise<ReadonlyMap<string, ItemStatus> | undefined> {
    const reader = this.#deps.itemStatuses
    if (!reader) return Promise.resolve(undefined)
    return reader
      .readStatuses(
        items.map((item) => item.id),
        batch
      )
      .catch((err: unknown) => {
        degradedReasons.push(`item_status_unavailable: ${(err as Error).message}`)
        return undefined
      })
  }

  /**
   * Queues the score-cache reads; `finish` classifies what the caches lacked. `modelsWillRun`: some item is new to
   * this process, so its scores come from the shared cache or a model run (a wait on another thread).
   */
  #beginClassification(
    items: readonly FeedItem[],
    batch: ReadBatch,
    degradedReasons: string[],
    cachedOnly: boolean
  ): { modelsWillRun: boolean; finish: () => Promise<CategoryEvidence[][]> } {
    if (this.#models.length === 0) return { modelsWillRun: false, finish: async () => [] }
    const inputs: ClassifierItem[] = items.map((item) => ({ id: item.id, text: classifierText(item) }))
    const pending = this.#models.map((model) => ({ model, scores: model.begin(inputs, batch, cachedOnly) }))
    const modelsWillRun = !cachedOnly && pending.some(({ scores }) => scores.unknownHere > 0)
    const finish = () =>
      Promise.all(
        pending.map(({ model, scores }) =>
          scores.finish().catch((err: unknown) => {
            degradedReasons.push(`model_failed: ${model.id}: ${(err as Error).message}`)
            return items.map((): CategoryEvidence => ({}))
          })
        )
      )
    return { modelsWillRun, finish }
  }
}

/** What a text model reads of an item; nothing when the item has no text. */
function textContent(item: ClassifierItem): string | undefined {
  return item.text.trim() === '' ? undefined : item.text
}

/** What the promises resolved to by `deadline` (a performance.now() time), undefined for the `late` ones. */
async function settledBy<T>(promises: ReadonlyArray<Promise<T>>, deadline: number): Promise<{ settled: Array<T | undefined>; late: number }> {
  const settled = new Array<T | undefined>(promises.length).fill(undefined)
  let late = promises.length
  const all = Promise.all(
    promises.map((promise, index) =>
      promise.then((value) => {
        settled[index] = value
        late--
      })
    )
  )
  let timer: NodeJS.Timeout | undefined
  const waitMs = deadline - performance.now()
  await (Number.isFinite(waitMs) ? Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, waitMs))))]) : all)
  clearTimeout(timer)
  return { settled: [...settled], late }
}
