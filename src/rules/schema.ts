import { z } from 'zod'
import { CATEGORIES, SENSITIVITIES } from '../policy/categories.js'

export const SURFACES = ['for_you', 'following', 'search', 'profile', 'comments', 'live', 'notifications'] as const
export type Surface = (typeof SURFACES)[number]

export const AGE_BANDS = ['under13', '13-15', '16-17', 'adult'] as const
export type AgeBand = (typeof AGE_BANDS)[number]

export const KEYWORD_TARGETS = ['content', 'hashtags', 'author'] as const

const RuleId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')

/** Accepts any ISO 8601 date-time with an offset; stored normalised to UTC. */
const Expiry = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .nullable()
  .optional()

export const KeywordRuleInputSchema = z
  .object({
    id: RuleId.optional(),
    value: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .refine((value) => value !== '#', 'a hashtag keyword needs text after #'),
    mode: z.enum(['word', 'substring']).default('word'),
    targets: z
      .array(z.enum(KEYWORD_TARGETS))
      .min(1)
      .refine((targets) => new Set(targets).size === targets.length, 'targets must not repeat')
      .default(['content', 'hashtags']),
    action: z.enum(['hide', 'blur']).default('hide'),
    expiresAt: Expiry,
    surfaces: z
      .array(z.enum(SURFACES))
      .min(1)
      .refine((surfaces) => new Set(surfaces).size === surfaces.length, 'surfaces must not repeat')
      .optional(),
    exceptFollowing: z.boolean().default(false)
  })
  .strict()

export const AuthorRuleInputSchema = z
  .object({
    id: z.string().min(1).max(128),
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
    keywords: z.array(KeywordRuleInputSchema).default([]),
    authors: z.array(AuthorRuleInputSchema).default([])
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

/** A user's stored filter rules. `version` 0 means the user never saved any. */
export interface RulesDocument {
  version: number
  sensitivity: (typeof SENSITIVITIES)[number]
  ageBand: AgeBand
  restrictedMode: boolean
  categories: z.infer<typeof CategoryChoicesSchema>
  keywords: KeywordRule[]
  authors: AuthorRule[]
}

export function defaultRules(): RulesDocument {
  return {
    version: 0,
    sensitivity: 'standard',
    ageBand: 'adult',
    restrictedMode: false,
    categories: {},
    keywords: [],
    authors: []
  }
}
