import type { FieldKind } from '../keywords/matcher.js'
import { ACTION_SEVERITY, SENSITIVITIES, type Category, type Sensitivity } from '../policy/categories.js'
import type { Policy, ThresholdPair } from '../policy/policy.js'
import type { CompiledRules } from '../rules/compiled.js'
import type {
  ActiveAction,
  AuthorReason,
  CategoryEvidence,
  CategoryReason,
  Decision,
  DecisionContext,
  FeedbackReason,
  FeedItem,
  KeywordReason,
  Reason
} from './types.js'
import type { LearnedEntry } from '../rules/compiled.js'

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
  const reasons: Reason[] = []
  // A user's own items are never filtered by their own keyword or creator rules.
  const ownItem = item.author?.id !== undefined && item.author.id === context.userId
  if (!ownItem) {
    collectKeywordReasons(rules, item, context, reasons)
    const authorReason = authorRuleReason(rules, item, context.now)
    if (authorReason) reasons.push(authorReason)
    collectLearnedReasons(rules, item, context, reasons)
  }
  collectCategoryReasons(policy, rules, evidence, context, reasons)
  const status = context.itemStatuses?.get(item.id)
  if (status) reasons.push({ type: 'item', action: status.status === 'removed' ? 'hide' : 'blur', ...status })
  const platform = context.platformReasons?.get(item.id)
  if (platform) reasons.push(...platform)
  return finishDecision(item.id, reasons, explain ? scoresOf(evidence) : undefined)
}

/** Orders reasons most severe first (stable, so the order signals were found in breaks ties). */
export function finishDecision(id: string, reasons: Reason[], scores?: Decision['scores']): Decision {
  reasons.sort((a, b) => ACTION_SEVERITY[b.action] - ACTION_SEVERITY[a.action])
  const decision: Decision = { id, action: reasons[0]?.action ?? 'allow', reasons }
  if (scores) decision.scores = scores
  return decision
}

function scoresOf(evidence: CategoryEvidence): Decision['scores'] {
  const scores: Partial<Record<Category, number>> = {}
  for (const category in evidence) scores[category as Category] = evidence[category as Category]!.score
  return scores
}

function collectKeywordReasons(rules: CompiledRules, item: FeedItem, context: DecisionContext, out: Reason[]) {
  if (rules.matcher.size === 0) return
  const found = new Map<number, KeywordReason>()
  const learnedFound = new Map<number, FeedbackReason>()
  const followed = item.author?.followed === true
  const scan = (field: string, text: string | undefined, kind: FieldKind) => {
    if (!text) return
    for (const match of rules.matcher.match(text, kind)) {
      if (found.has(match.rule)) continue
      const rule = rules.keywordRules[match.rule]!
      if (rules.keywordExpiry[match.rule]! <= context.now) continue
      const learned = rules.keywordLearned[match.rule]
      if (learned) {
        if (context.surface !== 'profile') learnedFound.set(match.rule, feedbackReason(learned))
        continue
      }
      if (rule.surfaces && !rule.surfaces.includes(context.surface)) continue
      if (rule.exceptFollowing && followed) continue
      found.set(match.rule, {
        type: rule.value.startsWith('#') ? 'hashtag' : 'keyword',
        action: rule.action,
        ruleId: rule.id,
        value: rule.value,
        field,
        match: text.slice(match.start, match.end),
        start: match.start,
        end: match.end
      })
    }
  }
  scan('text', item.text, 'content')
  scan('overlayText', item.overlayText, 'content')
  scan('transcript', item.transcript, 'content')
  item.hashtags?.forEach((tag, index) => scan(`hashtags[${index}]`, tag, 'hashtag'))
  scan('author.handle', item.author?.handle, 'author')
  scan('author.name', item.author?.name, 'author')
  for (const reason of found.values()) out.push(reason)
  for (const reason of learnedFound.values()) out.push(reason)
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

/** The most severe action found so far for one category (severity 0: none), and what set it. */
interface Candidate {
  severity: number
  threshold: number
  basis: CategoryReason['basis']
  floor: string | undefined
}

const SEVERITY_ACTION: readonly ActiveAction[] = ['blur', 'blur', 'hide']

/** Takes an action only when it is more severe than the one already found (ties keep the earlier basis). */
function raise(candidate: Candidate, severity: number, threshold: number, basis: CategoryReason['basis'], floor?: string) {
  if (severity <= candidate.severity) return
  candidate.severity = severity
  candidate.threshold = threshold
  candidate.basis = basis
  candidate.floor = floor
}

/** The default action of a threshold pair: hide at or above hideAt, else blur at or above blurAt. */
function raiseByThresholds(candidate: Candidate, score: number, t: ThresholdPair, basis: CategoryReason['basis'], floor?: string) {
  if (t.hideAt !== undefined && score >= t.hideAt) raise(candidate, ACTION_SEVERITY.hide, t.hideAt, basis, floor)
  else if (t.blurAt !== undefined && score >= t.blurAt) raise(candidate, ACTION_SEVERITY.blur, t.blurAt, basis, floor)
}

/** The score at which a category "fires" for a user's own choice: the lower of the two thresholds. */
function firingPoint(policy: Policy, category: Category, sensitivity: Sensitivity, context: DecisionContext) {
  // A level without thresholds (e.g. profanity when relaxed) still honours an explicit user choice,
  // at the next stricter level's firing point.
  for (let level = strictness(sensitivity); level >= 0; level--) {
    const t = policy.thresholds(category, SENSITIVITIES[level]!, context.surface)
    if (!t) return undefined
    const point = Math.min(t.blurAt ?? Infinity, t.hideAt ?? Infinity)
    if (point !== Infinity) return point
  }
  return undefined
}

function collectCategoryReasons(
  policy: Policy,
  rules: CompiledRules,
  evidence: CategoryEvidence,
  context: DecisionContext,
  out: Reason[]
) {
  const floors = policy.floorsFor(rules.doc.ageBand, rules.doc.restrictedMode)
  const sensitivity = effectiveSensitivity(rules, floors)
  const candidate: Candidate = { severity: 0, threshold: 0, basis: 'policy', floor: undefined }
  for (const key in evidence) {
    const category = key as Category
    const { score, source } = evidence[category]!
    candidate.severity = 0
    const choice = rules.doc.categories[category]
    const point = choice ? firingPoint(policy, category, sensitivity, context) : undefined
    if (choice && point !== undefined && score >= point) {
      if (choice !== 'allow') raise(candidate, ACTION_SEVERITY[choice], point, 'user')
    } else {
      const t = policy.thresholds(category, sensitivity, context.surface)
      if (t) raiseByThresholds(candidate, score, t, 'policy')
    }
    for (const floor of floors) {
      const t = floor.categories[category]
      if (t) raiseByThresholds(candidate, score, t, 'floor', floor.name)
    }
    const platformHideAt = policy.platformHideAt[category]
    if (platformHideAt !== undefined && score >= platformHideAt) raise(candidate, ACTION_SEVERITY.hide, platformHideAt, 'platform')
    if (candidate.severity === 0) continue
    const reason: CategoryReason = {
      type: 'category',
      action: SEVERITY_ACTION[candidate.severity]!,
      category,
      score,
      threshold: candidate.threshold,
      source,
      basis: candidate.basis
    }
    if (candidate.floor) reason.floor = candidate.floor
    out.push(reason)
  }
}
