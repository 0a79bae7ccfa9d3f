/** The policy API: the live policy, and what a candidate would change. */
import { z } from 'zod'
import { PolicySchema } from '../../policy/policy.js'
import { RulesDocumentInputSchema } from '../../rules/schema.js'
import { Base64, DecisionSchema, FeedItemSchema } from './score.js'
import { ACTIONS, AGE_BANDS, CATEGORIES, SENSITIVITIES, SURFACES } from '../../policy/vocabulary.js'

export const PolicyDocumentSchema = PolicySchema.meta({ id: 'Policy' })

export const SimulateInputSchema = z
  .object({ policy: PolicyDocumentSchema.describe('the candidate, in the policy file\'s format; validated as at start-up') })
  .strict()

const actionCounts = z.object({ allow: z.number().int(), blur: z.number().int(), hide: z.number().int() })
const tally = z.record(z.string(), z.number().int())

export const SimulationSchema = z
  .object({
    sampled: z.number().int().describe('recently scored items re-decided (items with any category score, sampled at DECISION_SAMPLE_RATE)'),
    decisions: z.object({ before: actionCounts, after: actionCounts }).describe('the sample\'s decisions per action, live and under the candidate'),
    moved: z.object({
      total: z.number().int().describe('items whose decision changes'),
      byCategory: tally.describe('per category, items whose outcome for that category changes'),
      bySurface: tally,
      byAgeBand: tally,
      transitions: tally.describe('"before→after" (e.g. "allow→blur") → items')
    }),
    examples: z.array(
      z.object({
        itemId: z.string(),
        surface: z.enum(SURFACES),
        sensitivity: z.enum(SENSITIVITIES),
        ageBand: z.enum(AGE_BANDS),
        before: z.enum(ACTIONS),
        after: z.enum(ACTIONS),
        categories: z.array(z.enum(CATEGORIES)),
        scores: z.partialRecord(z.enum(CATEGORIES), z.number())
      })
    )
  })
  .meta({ id: 'Simulation' })

export const EvaluateInputSchema = z
  .object({
    item: FeedItemSchema.omit({ image: true, id: true })
      .extend({
        id: z.string().min(1).max(256).default('try-it'),
        image: z.object({ data: Base64 }).strict().optional().describe('a thumbnail, base64')
      })
      .strict(),
    surface: z.enum(SURFACES).default('for_you'),
    userId: z.string().min(1).max(128).optional().describe('decide with this user\'s stored rules (read only)'),
    rules: RulesDocumentInputSchema.optional().describe('a throwaway rules document, never stored; replaces userId\'s'),
    sensitivity: z.enum(SENSITIVITIES).optional().describe('overrides the rules\' sensitivity'),
    ageBand: z.enum(AGE_BANDS).optional().describe('overrides the rules\' age band'),
    restrictedMode: z.boolean().optional()
  })
  .strict()

export const EvaluationSchema = z
  .object({
    decision: DecisionSchema,
    sensitivity: z.enum(SENSITIVITIES).describe('the sensitivity thresholds are read at: the user\'s, made stricter by floors'),
    categories: z
      .array(
        z.object({
          category: z.enum(CATEGORIES),
          score: z.number(),
          source: z.string(),
          blurAt: z.number().optional(),
          hideAt: z.number().optional()
        })
      )
      .describe('every category scored, highest first, with the policy\'s thresholds on this surface at that sensitivity'),
    models: z.array(z.string()),
    imageSkipped: z.string().optional()
  })
  .meta({ id: 'Evaluation' })
