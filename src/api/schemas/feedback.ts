/** The feedback API: users' negative feedback events, and what each taught. */
import { z } from 'zod'
import { CATEGORIES } from '../../policy/vocabulary.js'
import { FEEDBACK_SIGNALS } from '../../rules/schema.js'
import { UserIdSchema } from './common.js'
import { LearnedRuleSchema } from './rules.js'

export const FeedbackEventSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
      .optional()
      .describe('The event id, 1–128 characters (letters, digits and _ . : -): sending an event again with the same id changes nothing (safe retries)'),
    userId: UserIdSchema,
    kind: z.enum(FEEDBACK_SIGNALS),
    itemId: z.string().min(1).max(256).describe('1–256 characters'),
    authorId: z.string().min(1).max(128).optional().describe('The item\'s creator, 1–128 characters; required for hide_author'),
    hashtags: z
      .array(z.string().min(1).max(100))
      .max(30)
      .optional()
      .describe('The item\'s hashtags, up to 30 of 1–100 characters each; for see_less_hashtag, the hashtag(s) to see less of'),
    category: z.enum(CATEGORIES).optional().describe('A report\'s reason (only with kind report)'),
    at: z.iso.datetime({ offset: true }).optional().describe('When the user gave the feedback (ISO 8601 with an offset), no older than FEEDBACK_DEDUPE_HOURS (default 168) hours and at most FEEDBACK_MAX_SKEW_S (default 300) seconds ahead of the server\'s clock; default now')
  })
  .strict()
  .meta({ id: 'FeedbackEvent' })

const EventResultSchema = z.object({
  id: z.string().optional(),
  status: z.enum(['applied', 'duplicate']).describe('duplicate: an event with this id was applied before; nothing changed'),
  learned: z.array(LearnedRuleSchema).describe('rules this event created or extended for its user')
})

export const FeedbackResponseSchema = z.object({ results: z.array(EventResultSchema).describe('one per event, in order') }).meta({ id: 'FeedbackResponse' })

/** Several events in one request: at most `maxEvents`. */
export function feedbackBatchSchema(maxEvents: number) {
  return z.object({ events: z.array(FeedbackEventSchema).min(1).max(maxEvents).describe(`1–${maxEvents} events (FEEDBACK_MAX_EVENTS)`) }).strict()
}
