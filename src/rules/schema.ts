import { z } from 'zod'
import { AGE_BANDS, CATEGORIES, SENSITIVITIES, SURFACES, type AgeBand, type Surface } from '../policy/vocabulary.js'

export const KEYWORD_TARGETS = ['content', 'hashtags', 'author'] as const

const RuleId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
  .describe('1–64 characters: letters, digits and _ . : -')

/** Accepts any ISO 8601 date-time with an offset; stored normalised to UTC. */
const Expiry = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .nullable()
  .optional()
  .describe('an ISO 8601 date-time with an offset; null or absent: never')

export const KeywordRuleInputSchema = z
  .object({
    id: RuleId.optional().describe('1–64 characters: letters, digits and _ . : -; absent: the server assigns one; unique in the document'),
    value: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .refine((value) => value !== '#', 'a hashtag keyword needs text after #')
      .describe('the word, phrase or #hashtag: 1 to MAX_KEYWORD_LENGTH (default 100) characters after trimming (FG_LIMIT_EXCEEDED past it), never more than 1,000'),
    mode: z.enum(['word', 'substring']).default('word'),
    targets: z
      .array(z.enum(KEYWORD_TARGETS))
      .min(1)
      .refine((targets) => new Set(targets).size === targets.length, 'targets must not repeat')
      .default(['content', 'hashtags'])
      .describe('where to look: 1–3 of content, hashtags, author, each once; default content and hashtags'),
    action: z.enum(['hide', 'blur']).default('hide'),
    expiresAt: Expiry,
    surfaces: z
      .array(z.enum(SURFACES))
      .min(1)
      .refine((surfaces) => new Set(surfaces).size === surfaces.length, 'surfaces must not repeat')
      .optional()
      .describe('the surfaces it applies on, each once; absent: every surface'),
    exceptFollowing: z.boolean().default(false)
  })
  .strict()

export const AuthorRuleInputSchema = z
  .object({
    id: z.string().min(1).max(128).describe('the creator\'s id: 1–128 characters'),
    action: z.enum(['hide', 'blur']).default('hide'),
    expiresAt: Expiry
  })
  .strict()

export const CategoryChoicesSchema = z.partialRecord(z.enum(CATEGORIES), z.enum(['hide', 'blur', 'allow']))

/** The document a client sends with PUT; the server assigns `version` and missing keyword ids. */
export const RulesDocumentInputSchema = z
  .object({
    version: z.number().int().min(0).optional(),
    sensitivity: z.enum(SENSITIVITIES).default('standard'),
    ageBand: z.enum(AGE_BANDS).default('adult'),
    restrictedMode: z.boolean().default(false),
    categories: CategoryChoicesSchema.default({}),
    keywords: z
      .array(KeywordRuleInputSchema)
      .default([])
      .describe('at most MAX_KEYWORD_RULES (default 200) keyword rules; more answer 400 FG_LIMIT_EXCEEDED'),
    authors: z
      .array(AuthorRuleInputSchema)
      .default([])
      .describe('at most MAX_AUTHOR_RULES (default 1,000) creators; more answer 400 FG_LIMIT_EXCEEDED'),
    learned: z
      .array(z.object({ id: z.string().min(1).max(64) }).loose())
      .max(100_000)
      .optional()
      .describe(
        'Absent: the learned rules are kept as they are. Present: only the learned rules listed (by id, 1–64 characters; at most 100,000) are kept; learned rules are only ever created by feedback'
      )
  })
  .strict()

export type KeywordRuleInput = z.infer<typeof KeywordRuleInputSchema>
export type AuthorRuleInput = z.infer<typeof AuthorRuleInputSchema>
export type RulesDocumentInput = z.infer<typeof RulesDocumentInputSchema>

export interface KeywordRule {
  id: string
  value: string
  mode: 'word' | 'substring'
  targets: Array<(typeof KEYWORD_TARGETS)[number]>
  action: 'hide' | 'blur'
  expiresAt: string | null
  surfaces?: Surface[]
  exceptFollowing: boolean
}

export interface AuthorRule {
  id: string
  action: 'hide' | 'blur'
  expiresAt: string | null
}

/** The negative-feedback signals a user can send. */
export const FEEDBACK_SIGNALS = ['not_interested', 'hide_author', 'see_less_hashtag', 'report'] as const
export type FeedbackSignal = (typeof FEEDBACK_SIGNALS)[number]
export const LEARNED_KINDS = ['item', 'author', 'hashtag'] as const
export type LearnedKind = (typeof LEARNED_KINDS)[number]

/** A rule learned from the user's own feedback: always hides, always expires, removable by the user. */
export interface LearnedRule {
  id: string
  kind: LearnedKind
  /** The item id, the author id, or the hashtag (normalised, without `#`). */
  value: string
  /** The signal that made the rule. */
  signal: FeedbackSignal
  createdAt: string
  expiresAt: string
}

/**
 * What learning needs to remember between events and never shows through the API: the event ids already
 * applied (idempotency) and recent not-interested signals per creator (`a:<id>`) and hashtag (`h:<tag>`).
 * Both are bounded; the oldest entries go first.
 */
export interface LearningState {
  /** [event id, time applied (epoch ms)], oldest first. */
  events: Array<[string, number]>
  /** key → [item id, signal time (epoch ms), author id or ''], oldest first. */
  signals: Record<string, Array<[string, number, string]>>
  /** Epoch ms until which this bookkeeping is of use (the newest entry plus its window). */
  keepUntil: number
}

/** A user's stored filter rules. `version` 0 means the user never saved any. */
export interface RulesDocument {
  version: number
  sensitivity: (typeof SENSITIVITIES)[number]
  ageBand: AgeBand
  restrictedMode: boolean
  categories: z.infer<typeof CategoryChoicesSchema>
  keywords: KeywordRule[]
  authors: AuthorRule[]
  learned: LearnedRule[]
  /** Internal to learning from feedback; stripped from every API answer. */
  learning?: LearningState
}

export function defaultRules(): RulesDocument {
  return {
    version: 0,
    sensitivity: 'standard',
    ageBand: 'adult',
    restrictedMode: false,
    categories: {},
    keywords: [],
    authors: [],
    learned: []
  }
}
