/** The rules API: a user's rules document and its parts, as stored and as sent. */
import { z } from 'zod'
import { AGE_BANDS, SENSITIVITIES, SURFACES } from '../../policy/vocabulary.js'
import {
  AuthorRuleInputSchema,
  CategoryChoicesSchema,
  FEEDBACK_SIGNALS,
  KEYWORD_TARGETS,
  LEARNED_KINDS,
  KeywordRuleInputSchema,
  RulesDocumentInputSchema
} from '../../rules/schema.js'
import { ActiveActionSchema, UserIdSchema } from './common.js'

export const KeywordRuleSchema = z
  .object({
    id: z.string(),
    value: z.string(),
    mode: z.enum(['word', 'substring']),
    targets: z.array(z.enum(KEYWORD_TARGETS)),
    action: ActiveActionSchema,
    expiresAt: z.string().nullable(),
    surfaces: z.array(z.enum(SURFACES)).optional(),
    exceptFollowing: z.boolean()
  })
  .meta({ id: 'KeywordRule' })

export const AuthorRuleSchema = z
  .object({ id: z.string(), action: ActiveActionSchema, expiresAt: z.string().nullable() })
  .meta({ id: 'AuthorRule' })

export const LearnedRuleSchema = z
  .object({
    id: z.string(),
    kind: z.enum(LEARNED_KINDS),
    value: z.string().describe('the item id, author id or hashtag (normalised, without #)'),
    signal: z.enum(FEEDBACK_SIGNALS),
    createdAt: z.string(),
    expiresAt: z.string()
  })
  .meta({ id: 'LearnedRule', description: 'Learned from the user\'s own feedback: hides, expires, removable by the user' })

export const RulesDocumentSchema = z
  .object({
    version: z.number().int(),
    sensitivity: z.enum(SENSITIVITIES),
    ageBand: z.enum(AGE_BANDS),
    restrictedMode: z.boolean(),
    categories: CategoryChoicesSchema,
    keywords: z.array(KeywordRuleSchema),
    authors: z.array(AuthorRuleSchema),
    learned: z.array(LearnedRuleSchema)
  })
  .meta({ id: 'RulesDocument' })

export { AuthorRuleInputSchema, KeywordRuleInputSchema, RulesDocumentInputSchema }

export const IfMatchHeadersSchema = z.object({
  'if-match': z
    .string()
    .regex(/^\s*(W\/)?"?\d+"?\s*$/, 'If-Match must be a rules version number')
    .optional()
    .describe('The rules version this change was based on; a mismatch answers 409 FG_RULES_CONFLICT')
})

export const KeywordRuleParamsSchema = z.object({ userId: UserIdSchema, ruleId: z.string().min(1).max(64) })
export const AuthorRuleParamsSchema = z.object({ userId: UserIdSchema, authorId: z.string().min(1).max(128) })
export const LearnedRuleParamsSchema = z.object({ userId: UserIdSchema, learnedId: z.string().min(1).max(64) })
