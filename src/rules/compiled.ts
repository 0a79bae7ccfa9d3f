import { compileKeywordRules, type KeywordMatcher } from '../keywords/matcher.js'
import type { AuthorRule, KeywordRule, RulesDocument } from './schema.js'

/** A user's rules prepared once per version for scoring many items. */
export interface CompiledRules {
  version: number
  doc: RulesDocument
  /** Aligned with the matcher's rule indexes. */
  keywordRules: readonly KeywordRule[]
  /** Expiry of each keyword rule in epoch ms (Infinity when it never expires). */
  keywordExpiry: Float64Array
  matcher: KeywordMatcher
  authors: ReadonlyMap<string, { rule: AuthorRule; expiresAt: number }>
}

const expiryMs = (expiresAt: string | null) => (expiresAt === null ? Infinity : Date.parse(expiresAt))

export function compileRules(doc: RulesDocument): CompiledRules {
  return {
    version: doc.version,
    doc,
    keywordRules: doc.keywords,
    keywordExpiry: Float64Array.from(doc.keywords, (rule) => expiryMs(rule.expiresAt)),
    matcher: compileKeywordRules(doc.keywords),
    authors: new Map(doc.authors.map((rule) => [rule.id, { rule, expiresAt: expiryMs(rule.expiresAt) }]))
  }
}
