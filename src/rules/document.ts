import { randomBytes } from 'node:crypto'
import { limitExceeded, validationError } from '../errors.js'
import type {
  AuthorRule,
  AuthorRuleInput,
  KeywordRule,
  KeywordRuleInput,
  LearnedRule,
  LearningState,
  RulesDocument,
  RulesDocumentInput
} from './schema.js'

export interface RulesLimits {
  maxKeywordRules: number
  maxAuthorRules: number
  maxKeywordLength: number
}

/** The document without its version: what a change computes; the store assigns the version. */
export type RulesContent = Omit<RulesDocument, 'version'>

export function newRuleId(): string {
  return `k_${randomBytes(6).toString('base64url')}`
}

const isLive = (rule: { expiresAt: string | null }, now: number) =>
  rule.expiresAt === null || Date.parse(rule.expiresAt) > now

export function toKeywordRule(input: KeywordRuleInput, id: string): KeywordRule {
  const rule: KeywordRule = {
    id,
    value: input.value,
    mode: input.mode,
    // A value written `#tag` targets hashtags only; the stored rule says so.
    targets: input.value.startsWith('#') ? ['hashtags'] : input.targets,
    action: input.action,
    expiresAt: input.expiresAt ?? null,
    exceptFollowing: input.exceptFollowing
  }
  if (input.surfaces) rule.surfaces = input.surfaces
  return rule
}

export function toAuthorRule(input: AuthorRuleInput): AuthorRule {
  return { id: input.id, action: input.action, expiresAt: input.expiresAt ?? null }
}

/** Throws FG_LIMIT_EXCEEDED / FG_VALIDATION naming the first offending path; returns the content unchanged. */
export function checkRules(content: RulesContent, limits: RulesLimits): RulesContent {
  if (content.keywords.length > limits.maxKeywordRules) {
    throw limitExceeded(
      `at most ${limits.maxKeywordRules} keyword rules per user (got ${content.keywords.length})`,
      'keywords'
    )
  }
  if (content.authors.length > limits.maxAuthorRules) {
    throw limitExceeded(
      `at most ${limits.maxAuthorRules} author rules per user (got ${content.authors.length})`,
      'authors'
    )
  }
  const ids = new Set<string>()
  content.keywords.forEach((rule, index) => {
    if ([...rule.value].length > limits.maxKeywordLength) {
      throw limitExceeded(
        `keyword value is longer than ${limits.maxKeywordLength} characters`,
        `keywords.${index}.value`
      )
    }
    if (ids.has(rule.id)) {
      throw validationError(`keyword rule id ${JSON.stringify(rule.id)} is used twice`, [
        { path: `keywords.${index}.id`, message: 'duplicate id' }
      ])
    }
    ids.add(rule.id)
  })
  const authorIds = new Set<string>()
  content.authors.forEach((rule, index) => {
    if (authorIds.has(rule.id)) {
      throw validationError(`author ${JSON.stringify(rule.id)} is listed twice`, [
        { path: `authors.${index}.id`, message: 'duplicate author' }
      ])
    }
    authorIds.add(rule.id)
  })
  return content
}

/**
 * The content a PUT stores: ids assigned where missing, expired rules dropped. Learned rules are not the
 * client's to write: they come from the current document (see `keepLearned`).
 */
export function contentFromInput(input: RulesDocumentInput, now = Date.now()): RulesContent {
  return {
    sensitivity: input.sensitivity,
    ageBand: input.ageBand,
    restrictedMode: input.restrictedMode,
    categories: input.categories,
    keywords: input.keywords.map((rule) => toKeywordRule(rule, rule.id ?? newRuleId())).filter((r) => isLive(r, now)),
    authors: input.authors.map(toAuthorRule).filter((r) => isLive(r, now)),
    learned: []
  }
}

/** Expired rules have no effect; they are dropped whenever the document is next written. */
export function pruneExpired(doc: RulesDocument, now = Date.now()): RulesContent {
  const { version: _version, ...content } = doc
  return {
    ...content,
    keywords: content.keywords.filter((rule) => isLive(rule, now)),
    authors: content.authors.filter((rule) => isLive(rule, now)),
    learned: content.learned.filter((rule) => isLive(rule, now))
  }
}

/** The document as the API shows it: learning's bookkeeping stays inside. */
export function publicRules(doc: RulesDocument): RulesDocument {
  const { learning: _learning, ...shown } = doc
  return shown
}

/**
 * A document holding nothing but what feedback taught can be forgotten once all of that has expired
 * (epoch ms); null while it holds any of the user's own settings, which never expire.
 */
export function forgettableAt(doc: RulesDocument): number | null {
  const ownSettings =
    doc.sensitivity !== 'standard' ||
    doc.ageBand !== 'adult' ||
    doc.restrictedMode ||
    Object.keys(doc.categories).length > 0 ||
    doc.keywords.length > 0 ||
    doc.authors.length > 0
  if (ownSettings || (doc.learned.length === 0 && !doc.learning)) return null
  return Math.max(doc.learning?.keepUntil ?? 0, ...doc.learned.map((rule) => Date.parse(rule.expiresAt)))
}

/** Where learning keeps the recent not-interested signals about one creator or hashtag. */
export const signalKey = (kind: 'author' | 'hashtag', value: string) => `${kind === 'author' ? 'a' : 'h'}:${value}`

/**
 * A replaced document keeps the current learned rules, so a settings screen that does not know about
 * them cannot drop them by accident. When the client sends `learned`, only the rules it lists (by id)
 * are kept: a client may drop learned rules this way, never create them.
 */
export function keepLearned(
  current: RulesDocument,
  content: RulesContent,
  listed: ReadonlyArray<{ id: string }> | undefined,
  now = Date.now()
): RulesContent {
  const live = current.learned.filter((rule) => isLive(rule, now))
  const ids = listed && new Set(listed.map((rule) => rule.id))
  const kept = ids ? live.filter((rule) => ids.has(rule.id)) : live
  const learning = forgetSignals(current.learning, ids ? live.filter((rule) => !ids.has(rule.id)) : [])
  return learning ? { ...content, learned: kept, learning } : { ...content, learned: kept }
}

/** Returns null when the document has no such learned rule. */
export function withoutLearned(doc: RulesDocument, learnedId: string): RulesContent | null {
  const rule = doc.learned.find((learned) => learned.id === learnedId)
  if (!rule) return null
  const content = pruneExpired(doc)
  const learning = forgetSignals(content.learning, [rule])
  const next = { ...content, learned: content.learned.filter((learned) => learned.id !== learnedId) }
  if (learning) next.learning = learning
  return next
}

/**
 * A user who removes a learned mute has said it was wrong: the signals that made it are forgotten too,
 * so the next not-interested alone does not bring it straight back.
 */
function forgetSignals(learning: LearningState | undefined, removed: readonly LearnedRule[]): LearningState | undefined {
  if (!learning || removed.length === 0) return learning
  const signals = { ...learning.signals }
  for (const rule of removed) if (rule.kind !== 'item') delete signals[signalKey(rule.kind, rule.value)]
  return { ...learning, signals }
}

const sameKeyword = (a: KeywordRule, b: KeywordRule) =>
  a.value.toLowerCase() === b.value.toLowerCase() && a.mode === b.mode

/**
 * Adds a keyword rule. Re-adding a keyword the user already mutes (same value and mode) updates that
 * rule in place and keeps its id, so a repeated submit from a settings screen creates no duplicate.
 */
export function withKeyword(doc: RulesDocument, rule: KeywordRule): { content: RulesContent; rule: KeywordRule } {
  const content = pruneExpired(doc)
  const existing = content.keywords.findIndex((k) => k.id === rule.id || sameKeyword(k, rule))
  if (existing === -1) return { content: { ...content, keywords: [...content.keywords, rule] }, rule }
  const kept = { ...rule, id: content.keywords[existing]!.id }
  const keywords = content.keywords.slice()
  keywords[existing] = kept
  return { content: { ...content, keywords }, rule: kept }
}

/** Adds or replaces the rule for one author. */
export function withAuthor(doc: RulesDocument, rule: AuthorRule): RulesContent {
  const content = pruneExpired(doc)
  return { ...content, authors: [...content.authors.filter((a) => a.id !== rule.id), rule] }
}

/** Returns null when the document has no such rule. */
export function withoutKeyword(doc: RulesDocument, ruleId: string): RulesContent | null {
  if (!doc.keywords.some((rule) => rule.id === ruleId)) return null
  const content = pruneExpired(doc)
  return { ...content, keywords: content.keywords.filter((rule) => rule.id !== ruleId) }
}

export function withoutAuthor(doc: RulesDocument, authorId: string): RulesContent | null {
  if (!doc.authors.some((rule) => rule.id === authorId)) return null
  const content = pruneExpired(doc)
  return { ...content, authors: content.authors.filter((rule) => rule.id !== authorId) }
}
