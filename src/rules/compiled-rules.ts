import { compileKeywordRules, type KeywordMatcher } from '../keywords/matcher.js'
import type { AuthorRule, KeywordRule, LearnedRule, RulesDocument } from './schema.js'

export interface LearnedEntry {
  rule: LearnedRule
  expiresAt: number
}

/** A user's rules prepared once per version for scoring many items. */
export interface CompiledRules {
  version: number
  doc: RulesDocument
  /** Aligned with the matcher's rule indexes: the user's keyword rules, then a `#tag` rule per learned hashtag. */
  keywordRules: readonly KeywordRule[]
  /** Aligned likewise: the learned rule a matcher rule stands for, undefined for the user's own keyword rules. */
  keywordLearned: ReadonlyArray<LearnedRule | undefined>
  /** Expiry of each keyword rule in epoch ms (Infinity when it never expires). */
  keywordExpiry: Float64Array
  matcher: KeywordMatcher
  authors: ReadonlyMap<string, { rule: AuthorRule; expiresAt: number }>
  /** Learned from feedback: items and creators hidden for this user (learned hashtags are in the matcher). */
  learnedItems: ReadonlyMap<string, LearnedEntry>
  learnedAuthors: ReadonlyMap<string, LearnedEntry>
  /** About how many bytes of memory these rules hold: the rules cache is bounded by it. */
  estimatedBytes: number
}

/** Bytes per rule of the document beyond its keyword text (objects, ids, map entries), and per UTF-16 unit. */
const BYTES_PER_RULE = 400
const BYTES_PER_UNIT = 2

function documentBytes(doc: RulesDocument): number {
  let units = 0
  for (const rule of doc.keywords) units += rule.value.length
  return (doc.keywords.length + doc.authors.length + doc.learned.length) * BYTES_PER_RULE + units * BYTES_PER_UNIT * 2
}

const expiryMs = (expiresAt: string | null) => (expiresAt === null ? Infinity : Date.parse(expiresAt))

/** A learned hashtag is matched as the user's own `#tag` keyword would be. */
const asHashtagKeyword = (rule: LearnedRule): KeywordRule => ({
  id: rule.id,
  value: `#${rule.value}`,
  mode: 'word',
  targets: ['hashtags'],
  action: 'hide',
  expiresAt: rule.expiresAt,
  exceptFollowing: false
})

function learnedOfKind(doc: RulesDocument, kind: LearnedRule['kind']): Map<string, LearnedEntry> {
  return new Map(
    doc.learned.filter((rule) => rule.kind === kind).map((rule) => [rule.value, { rule, expiresAt: Date.parse(rule.expiresAt) }])
  )
}

export function compileRules(doc: RulesDocument): CompiledRules {
  const learnedHashtags = doc.learned.filter((rule) => rule.kind === 'hashtag')
  const keywordRules = learnedHashtags.length === 0 ? doc.keywords : [...doc.keywords, ...learnedHashtags.map(asHashtagKeyword)]
  const matcher = compileKeywordRules(keywordRules)
  return {
    version: doc.version,
    doc,
    keywordRules,
    keywordLearned: [...doc.keywords.map(() => undefined), ...learnedHashtags],
    keywordExpiry: Float64Array.from(keywordRules, (rule) => expiryMs(rule.expiresAt)),
    matcher,
    authors: new Map(doc.authors.map((rule) => [rule.id, { rule, expiresAt: expiryMs(rule.expiresAt) }])),
    learnedItems: learnedOfKind(doc, 'item'),
    learnedAuthors: learnedOfKind(doc, 'author'),
    estimatedBytes: matcher.estimatedBytes + documentBytes(doc)
  }
}
