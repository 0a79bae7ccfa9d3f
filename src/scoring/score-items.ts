import { mergeEvidence, UpstreamLabels } from '../classifiers/labels.js'
import type { CategoryEvidence, Classifier, ClassifierItem } from '../classifiers/types.js'
import { decide } from '../engine/decide.js'
import type { Decision, FeedItem } from '../engine/types.js'
import type { Policy } from '../policy/policy.js'
import type { RulesCache } from '../rules/rules-cache.js'
import type { Surface } from '../rules/schema.js'
import { ReadBatch } from '../store/read-batch.js'
import type { Redis } from 'ioredis'

export interface ScoreRequest {
  userId: string
  surface: Surface
  items: FeedItem[]
  explain: boolean
}

export interface ScoreMeta {
  policyVersion: string
  rulesVersion: number
  degraded: boolean
  degradedReasons?: string[]
  models: string[]
}

export interface ScoreResponse {
  userId: string
  decisions: Decision[]
  meta: ScoreMeta
}

export interface ScoringDeps {
  policy: Policy
  rules: RulesCache
  /** Model classifiers; each is called once per request with the whole batch. */
  models: readonly Classifier[]
  /** How long the scoring path waits for its one Redis round trip. */
  storeBudgetMs: number
  /** The connection the round trip is batched on; null with the embedded stores. */
  redis: Redis | null
  now?: () => number
}

/** The text a text model reads: caption, on-screen text and transcript. */
export function classifierText(item: FeedItem): string {
  return [item.text, item.overlayText, item.transcript].filter((part) => part).join('\n')
}

/**
 * Scores a batch for one user: one rules look-up (cached, within its budget) and one call per model,
 * concurrently; then the pure decision per item. Never fails because a dependency did: what was
 * skipped is reported in `meta.degradedReasons`.
 */
export class ScoringService {
  readonly #deps: ScoringDeps
  readonly #labels: UpstreamLabels
  readonly #now: () => number

  constructor(deps: ScoringDeps) {
    this.#deps = deps
    this.#labels = new UpstreamLabels(deps.policy)
    this.#now = deps.now ?? Date.now
  }

  get modelIds(): string[] {
    return this.#deps.models.map((model) => model.id)
  }

  async score(request: ScoreRequest): Promise<ScoreResponse> {
    const degradedReasons: string[] = []
    const batch = new ReadBatch(this.#deps.redis)
    const rulesLookup = this.#deps.rules.lookup(request.userId, batch)
    const [lookup, modelEvidence] = await Promise.all([
      batch.run(this.#deps.storeBudgetMs).then(() => rulesLookup),
      this.#classify(request.items, degradedReasons)
    ])
    if (lookup.degraded) degradedReasons.unshift(lookup.degraded)

    const context = { userId: request.userId, surface: request.surface, now: this.#now() }
    const decisions = request.items.map((item, index) => {
      const evidence = this.#labels.evidenceFor(item.labels)
      for (const perModel of modelEvidence) mergeEvidence(evidence, perModel[index]!)
      return decide(this.#deps.policy, lookup.rules, item, evidence, context, request.explain)
    })

    const meta: ScoreMeta = {
      policyVersion: this.#deps.policy.version,
      rulesVersion: lookup.rules.version,
      degraded: degradedReasons.length > 0,
      models: this.modelIds
    }
    if (degradedReasons.length > 0) meta.degradedReasons = degradedReasons
    return { userId: request.userId, decisions, meta }
  }

  async #classify(items: readonly FeedItem[], degradedReasons: string[]): Promise<CategoryEvidence[][]> {
    if (this.#deps.models.length === 0) return []
    const inputs: ClassifierItem[] = items.map((item) => {
      const input: ClassifierItem = { id: item.id, text: classifierText(item) }
      if (item.image) input.image = item.image
      return input
    })
    return Promise.all(
      this.#deps.models.map((model) =>
        model.classify(inputs).catch((err: unknown) => {
          degradedReasons.push(`model_failed: ${model.id}: ${(err as Error).message}`)
          return items.map((): CategoryEvidence => ({}))
        })
      )
    )
  }
}
