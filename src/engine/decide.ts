import { scoresOf } from '../classifiers/shared-scores.js'
import type { FieldKind, KeywordMatch } from '../keywords/matcher.js'
import { ACTION_SEVERITY, CATEGORIES, SENSITIVITIES, type Category, type Sensitivity } from '../policy/vocabulary.js'
import type { Policy, ThresholdPair } from '../policy/policy.js'
import type { CompiledRules } from '../rules/compiled-rules.js'
import type {
  ActiveAction,
  AuthorReason,
  CategoryEvidence,
  CategoryReason,
  Decision,
  DecisionContext,
  FeedbackReason,
  FeedItem,
  Reason
} from './types.js'
import type { LearnedEntry } from '../rules/compiled-rules.js'

/**
 * The decision for one item: pure, no I/O. Every signal that fires yields a reason with an action; the
 * item's action is the most severe reason's, and reasons are listed most severe first.
 */
export function decide(
  policy: Policy,
  rules: CompiledRules,
  item: FeedItem,
  evidence: CategoryEvidence,
  context: DecisionContext,
  explain = true
): Decision {
  return new Decider(policy, rules, context).decide(item, evidence, explain)
}

/**
 * Decisions for the items of one request: what is the same for all of them (the user's effective
 * sensitivity, floors and category thresholds on this surface) is worked out once, here.
 */
export class Decider {
  readonly #rules: CompiledRules
  readonly #context: DecisionContext
  readonly #categories: CategoryPlan
  readonly #keywords: KeywordScan

  constructor(policy: Policy, rules: CompiledRules, context: DecisionContext) {
    this.#rules = rules
    this.#context = context
    this.#categories = planCategories(policy, rules, context.surface)
    this.#keywords = new KeywordScan(rules, context)
  }

  decide(item: FeedItem, evidence: CategoryEvidence, explain = true): Decision {
    const rules = this.#rules
    const context = this.#context
    const reasons: Reason[] = []
    // A user's own items are never filtered by their own keyword or creator rules.
    const ownItem = item.author?.id !== undefined && item.author.id === context.userId
    if (!ownItem) {
      if (rules.matcher.size > 0) this.#keywords.collect(item, reasons)
      const authorReason = authorRuleReason(rules, item, context.now)
      if (authorReason) reasons.push(authorReason)
      collectLearnedReasons(rules, item, context, reasons)
    }
    collectCategoryReasons(this.#categories, evidence, reasons)
    const status = context.itemStatuses?.get(item.id)
    if (status) reasons.push({ type: 'item', action: status.status === 'removed' ? 'hide' : 'blur', ...status })
    const platform = context.platformReasons?.get(item.id)
    if (platform) reasons.push(...platform)
    return finishDecision(item.id, reasons, explain ? scoresOf(evidence) : undefined)
  }
}

/** Orders reasons most severe first (stable, so the order signals were found in breaks ties). */
export function finishDecision(id: string, reasons: Reason[], scores?: Decision['scores']): Decision {
  if (reasons.length > 1) reasons.sort((a, b) => ACTION_SEVERITY[b.action] - ACTION_SEVERITY[a.action])
  const decision: Decision = { id, action: reasons[0]?.action ?? 'allow', reasons }
  if (scores) decision.scores = scores
  return decision
}

/**
 * Keyword and hashtag rules over an item's fields, in a fixed order: a rule is reported once, for the
 * first field it matches in. One per request, reused item after item (deciding is synchronous).
 */
class KeywordScan {
  readonly #rules: CompiledRules
  readonly #context: DecisionContext
  /** rules already reported for the current item (matches are few: a list beats a map) */
  readonly #seen: number[] = []
  readonly #learned: FeedbackReason[] = []
  /** the matches of the `hashtags[]` entries seen so far, by text: a batch's items share most of their hashtags */
  readonly #hashtagMatches = new Map<string, readonly KeywordMatch[]>()
  #followed = false
  #out: Reason[] = []

  constructor(rules: CompiledRules, context: DecisionContext) {
    this.#rules = rules
    this.#context = context
  }

  collect(item: FeedItem, out: Reason[]): void {
    this.#out = out
    this.#followed = item.author?.followed === true
    this.#scan('text', item.text, 'content')
    this.#scan('overlayText', item.overlayText, 'content')
    this.#scan('transcript', item.transcript, 'content')
    const { hashtags } = item
    if (hashtags) for (let index = 0; index < hashtags.length; index++) this.#scan(index, hashtags[index], 'hashtag')
    this.#scan('author.handle', item.author?.handle, 'author')
    this.#scan('author.name', item.author?.name, 'author')
    // reasons from learned hashtags come after the user's own rules
    if (this.#learned.length > 0) {
      for (const reason of this.#learned) out.push(reason)
      this.#learned.length = 0
    }
    if (this.#seen.length > 0) this.#seen.length = 0
  }

  /** `field` is a field's name, or the index of a `hashtags[]` entry. */
  #scan(field: string | number, text: string | undefined, kind: FieldKind): void {
    if (!text) return
    const rules = this.#rules
    const context = this.#context
    // (a look-up only when there are long fields: hashing every caption would cost more than its match)
    const prematched = kind === 'content' && context.keywordMatches !== undefined && context.keywordMatches.size > 0 ? context.keywordMatches.get(text) : undefined
    const matches = prematched ?? (kind === 'hashtag' ? this.#hashtagMatchesOf(text) : rules.matcher.match(text, kind))
    for (const match of matches) {
      if (this.#seen.includes(match.rule)) continue
      if (rules.keywordExpiry[match.rule]! <= context.now) continue
      const learned = rules.keywordLearned[match.rule]
      if (learned) {
        if (context.surface === 'profile') continue
        this.#seen.push(match.rule)
        this.#learned.push(feedbackReason(learned))
        continue
      }
      const rule = rules.keywordRules[match.rule]!
      if (rule.surfaces && !rule.surfaces.includes(context.surface)) continue
      if (rule.exceptFollowing && this.#followed) continue
      this.#seen.push(match.rule)
      this.#out.push({
        type: rule.value.startsWith('#') ? 'hashtag' : 'keyword',
        action: rule.action,
        ruleId: rule.id,
        value: rule.value,
        field: typeof field === 'number' ? `hashtags[${field}]` : field,
        match: text.slice(match.start, match.end),
        start: match.start,
        end: match.end
      })
    }
  }

  #hashtagMatchesOf(text: string): readonly KeywordMatch[] {
    let matches = this.#hashtagMatches.get(text)
    if (matches === undefined) {
      matches = this.#rules.matcher.match(text, 'hashtag')
      this.#hashtagMatches.set(text, matches)
    }
    return matches
  }
}

const feedbackReason = (rule: LearnedEntry['rule']): FeedbackReason => ({
  type: 'feedback',
  action: 'hide',
  signal: rule.signal,
  kind: rule.kind,
  value: rule.value,
  learnedId: rule.id
})

/**
 * Items and creators the user's feedback taught us to hide. Not on a creator's profile: the user went
 * there on purpose, and learned rules are about what the feeds bring them.
 */
function collectLearnedReasons(rules: CompiledRules, item: FeedItem, context: DecisionContext, out: Reason[]) {
  if (context.surface === 'profile') return
  const learnedItem = rules.learnedItems.size > 0 ? rules.learnedItems.get(item.id) : undefined
  if (learnedItem && learnedItem.expiresAt > context.now) out.push(feedbackReason(learnedItem.rule))
  const authorId = item.author?.id
  const learnedAuthor = authorId !== undefined && rules.learnedAuthors.size > 0 ? rules.learnedAuthors.get(authorId) : undefined
  if (learnedAuthor && learnedAuthor.expiresAt > context.now) out.push(feedbackReason(learnedAuthor.rule))
}

function authorRuleReason(rules: CompiledRules, item: FeedItem, now: number): AuthorReason | undefined {
  const authorId = item.author?.id
  if (authorId === undefined) return undefined
  const muted = rules.authors.get(authorId)
  if (!muted || muted.expiresAt <= now) return undefined
  return { type: 'author', action: muted.rule.action, authorId }
}

const strictness = (s: Sensitivity) => SENSITIVITIES.indexOf(s)

/** Lower index = stricter; floors can only move a user towards strict. */
function effectiveSensitivity(rules: CompiledRules, floors: ReturnType<Policy['floorsFor']>): Sensitivity {
  let sensitivity = rules.doc.sensitivity
  for (const floor of floors) {
    if (floor.minSensitivity && strictness(floor.minSensitivity) < strictness(sensitivity)) {
      sensitivity = floor.minSensitivity
    }
  }
  return sensitivity
}

/** One way a category can fire: at or above `threshold`, with this severity (1 blur, 2 hide). */
interface Step {
  severity: number
  threshold: number
  basis: CategoryReason['basis']
  floor: string | undefined
}

/** Per category, the steps that can fire, in the order they are weighed: the user's choice or the policy, floors, the platform. */
type CategoryPlan = Partial<Record<Category, readonly Step[]>>

const SEVERITY_ACTION: readonly ActiveAction[] = ['blur', 'blur', 'hide']

/** A threshold pair as steps: hide at or above hideAt, else blur at or above blurAt. */
function pushThresholds(steps: Step[], t: ThresholdPair, basis: CategoryReason['basis'], floor?: string) {
  if (t.hideAt !== undefined) steps.push({ severity: ACTION_SEVERITY.hide, threshold: t.hideAt, basis, floor })
  if (t.blurAt !== undefined) steps.push({ severity: ACTION_SEVERITY.blur, threshold: t.blurAt, basis, floor })
}

/** The score at which a category "fires" for a user's own choice: the lower of the two thresholds. */
function firingPoint(policy: Policy, category: Category, sensitivity: Sensitivity, surface: DecisionContext['surface']) {
  // A level without thresholds (e.g. profanity when relaxed) still honours an explicit user choice,
  // at the next stricter level's firing point.
  for (let level = strictness(sensitivity); level >= 0; level--) {
    const t = policy.thresholds(category, SENSITIVITIES[level]!, surface)
    if (!t) return undefined
    const point = Math.min(t.blurAt ?? Infinity, t.hideAt ?? Infinity)
    if (point !== Infinity) return point
  }
  return undefined
}

/**
 * How each category can fire for this user on this surface. A user's choice replaces the policy's
 * thresholds for that category: it fires at the policy's firing point with the chosen action (`allow`:
 * never). Floors and the platform threshold can only make things stricter.
 */
function planCategories(policy: Policy, rules: CompiledRules, surface: DecisionContext['surface']): CategoryPlan {
  const floors = policy.floorsFor(rules.doc.ageBand, rules.doc.restrictedMode)
  const sensitivity = effectiveSensitivity(rules, floors)
  const plan: CategoryPlan = {}
  for (const category of CATEGORIES) {
    const steps: Step[] = []
    const choice = rules.doc.categories[category]
    const point = choice ? firingPoint(policy, category, sensitivity, surface) : undefined
    if (choice && point !== undefined) {
      // below its firing point, the policy's thresholds (whose lower one it is) cannot fire either
      if (choice !== 'allow') steps.push({ severity: ACTION_SEVERITY[choice], threshold: point, basis: 'user', floor: undefined })
    } else {
      const t = policy.thresholds(category, sensitivity, surface)
      if (t) pushThresholds(steps, t, 'policy')
    }
    for (const floor of floors) {
      const t = floor.categories[category]
      if (t) pushThresholds(steps, t, 'floor', floor.name)
    }
    const platformHideAt = policy.platformHideAt[category]
    if (platformHideAt !== undefined) steps.push({ severity: ACTION_SEVERITY.hide, threshold: platformHideAt, basis: 'platform', floor: undefined })
    if (steps.length > 0) plan[category] = steps
  }
  return plan
}

/** Per category scored, the most severe step it reaches (ties keep the step weighed first). */
function collectCategoryReasons(plan: CategoryPlan, evidence: CategoryEvidence, out: Reason[]) {
  for (const key in evidence) {
    const category = key as Category
    const steps = plan[category]
    if (steps === undefined) continue
    const { score, source } = evidence[category]!
    let fired: Step | undefined
    for (const step of steps) {
      if (score >= step.threshold && (fired === undefined || step.severity > fired.severity)) fired = step
    }
    if (fired === undefined) continue
    const reason: CategoryReason = {
      type: 'category',
      action: SEVERITY_ACTION[fired.severity]!,
      category,
      score,
      threshold: fired.threshold,
      source,
      basis: fired.basis
    }
    if (fired.floor) reason.floor = fired.floor
    out.push(reason)
  }
}
