import type { CategoryEvidence, Classifier } from '../classifiers/types.js'
import { combineEvidence, UpstreamLabels } from '../classifiers/upstream-labels.js'
import { Decider } from '../engine/decide.js'
import type { Decision, FeedItem } from '../engine/types.js'
import { imageCategoryScores } from '../image/categories.js'
import type { KeywordMatch } from '../keywords/matcher.js'
import type { ImageScorer } from '../image/image-pipeline.js'
import type { Policy, ThresholdPair } from '../policy/policy.js'
import { SENSITIVITIES, type Category, type Sensitivity, type Surface } from '../policy/vocabulary.js'
import { compileRules } from '../rules/compiled-rules.js'
import type { RulesDocument } from '../rules/schema.js'
import { hasLongText, matchLongTexts } from './long-texts.js'
import { attachModelSpans, classifierText } from './model-spans.js'

export interface TryItemDeps {
  policy: Policy
  /** Text models, called directly: trying an item fills no cache. */
  text: readonly Classifier[]
  /** The image model, when there is one. */
  image?: Pick<ImageScorer, 'id' | 'score'> | undefined
}

export interface TryItemRequest {
  item: FeedItem
  surface: Surface
  /** The rules to decide with: a user's stored ones or a throwaway document. */
  rules: RulesDocument
  /** Image bytes (already decoded from base64). */
  image?: Uint8Array
}

export interface CategoryExplanation {
  category: Category
  score: number
  source: string
  /** The policy's thresholds for the user's effective sensitivity on this surface (floors apply on top). */
  blurAt?: number
  hideAt?: number
}

export interface TryItemResult {
  decision: Decision
  /** The sensitivity the thresholds are read at: the user's, made stricter by floors. */
  sensitivity: Sensitivity
  categories: CategoryExplanation[]
  models: string[]
  /** Why the image was not scored (no image model, or it could not be decoded). */
  imageSkipped?: string
}

/**
 * One item decided as the scoring path would, with everything that went into it laid out: for people
 * trying a policy or a user's rules. Nothing is written: no score cache, no decision counts, no sample.
 */
export async function tryItem(deps: TryItemDeps, request: TryItemRequest): Promise<TryItemResult> {
  const { item } = request
  let evidence: CategoryEvidence = new UpstreamLabels(deps.policy).evidenceFor(item.labels)
  const text = classifierText(item)
  if (text.trim() !== '') {
    for (const model of deps.text) evidence = combineEvidence(evidence, (await model.classify([{ id: item.id, text }]))[0]!)
  }
  const models = deps.text.map((model) => model.id)
  let imageSkipped: string | undefined
  if (request.image && !deps.image) imageSkipped = 'no image model'
  else if (request.image && deps.image) {
    models.push(deps.image.id)
    try {
      const scored = imageCategoryScores((await deps.image.score(request.image)).probabilities)
      const source = `model:${deps.image.id}`
      evidence = combineEvidence(evidence, { sexual: { score: scored.sexual, source }, suggestive: { score: scored.suggestive, source } })
    } catch (err) {
      imageSkipped = (err as Error).message
    }
  }
  const rules = compileRules(request.rules)
  const keywordMatches = new Map<string, readonly KeywordMatch[]>()
  if (rules.matcher.size > 0 && hasLongText(item)) await matchLongTexts(item, rules.matcher, keywordMatches, performance.now())
  const decision = new Decider(deps.policy, rules, { userId: '', surface: request.surface, now: Date.now(), keywordMatches }).decide(item, evidence, true)
  await attachModelSpans(deps.text, [item], [decision])
  const sensitivity = effectiveSensitivity(deps.policy, request.rules)
  const categories = Object.entries(evidence).map(([category, { score, source }]) => {
    const explained: CategoryExplanation = { category: category as Category, score, source }
    const thresholds: ThresholdPair | undefined = deps.policy.thresholds(category as Category, sensitivity, request.surface)
    if (thresholds?.blurAt !== undefined) explained.blurAt = thresholds.blurAt
    if (thresholds?.hideAt !== undefined) explained.hideAt = thresholds.hideAt
    return explained
  })
  categories.sort((a, b) => b.score - a.score)
  const result: TryItemResult = { decision, sensitivity, categories, models }
  if (imageSkipped) result.imageSkipped = imageSkipped
  return result
}

function effectiveSensitivity(policy: Policy, rules: RulesDocument): Sensitivity {
  let level = SENSITIVITIES.indexOf(rules.sensitivity)
  for (const floor of policy.floorsFor(rules.ageBand, rules.restrictedMode)) {
    if (floor.minSensitivity) level = Math.min(level, SENSITIVITIES.indexOf(floor.minSensitivity))
  }
  return SENSITIVITIES[level]!
}
