import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CATEGORIES } from '../policy/vocabulary.js'
import { FEEDBACK_SIGNALS } from '../rules/schema.js'
import { ErrorResponseSchema, LearnedRuleSchema, UserIdSchema } from './schemas.js'

export const FeedbackEventSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only')
      .optional()
      .describe('The event id: sending an event again with the same id changes nothing (safe retries)'),
    userId: UserIdSchema,
    kind: z.enum(FEEDBACK_SIGNALS),
    itemId: z.string().min(1).max(256),
    authorId: z.string().min(1).max(128).optional().describe('The item\'s creator; required for hide_author'),
    hashtags: z
      .array(z.string().min(1).max(100))
      .max(30)
      .optional()
      .describe('The item\'s hashtags; for see_less_hashtag, the hashtag(s) to see less of'),
    category: z.enum(CATEGORIES).optional().describe('A report\'s reason (only with kind report)'),
    at: z.iso.datetime({ offset: true }).optional().describe('When the user gave the feedback; default now')
  })
  .strict()
  .meta({ id: 'FeedbackEvent' })

const EventResultSchema = z.object({
  id: z.string().optional(),
  status: z.enum(['applied', 'duplicate']).describe('duplicate: an event with this id was applied before; nothing changed'),
  learned: z.array(LearnedRuleSchema).describe('rules this event created or extended for its user')
})

export const FeedbackResponseSchema = z.object({ results: z.array(EventResultSchema).describe('one per event, in order') }).meta({ id: 'FeedbackResponse' })

export const feedbackRoutes: FastifyPluginAsyncZod = async (app) => {
  const { feedback, config } = app
  const Batch = z.object({ events: z.array(FeedbackEventSchema).min(1).max(config.FEEDBACK_MAX_EVENTS) }).strict()
  const validateBatch = validateWith(Batch)
  const validateEvent = validateWith(FeedbackEventSchema)

  app.post(
    '/v1/feedback',
    {
      schema: {
        summary: 'Record negative feedback: one event, or { events: [...] }',
        description:
          'Each event counts towards platform-wide signals and insights and teaches its user\'s learned rules. ' +
          'Events with an id are applied once: retrying after a 503 completes what was missing.',
        tags: ['feedback'],
        body: z.union([FeedbackEventSchema, Batch]),
        response: { 200: FeedbackResponseSchema, 400: ErrorResponseSchema, 413: ErrorResponseSchema, 503: ErrorResponseSchema }
      },
      // A body with `events` is a batch, anything else one event: validating against the one it claims to
      // be names each problem's path, where a union would only say that neither matched.
      validatorCompiler: () => (data) =>
        typeof data === 'object' && data !== null && 'events' in data ? validateBatch(data) : validateEvent(data)
    },
    async (request) => {
      const body = request.body
      const results =
        'events' in body
          ? await feedback.record(body.events, (index: number) => `body.events.${index}`)
          : await feedback.record([body], () => 'body')
      return { results }
    }
  )
}

/** Validates with one zod schema, reporting each problem with its path as Fastify's validation errors do. */
function validateWith(schema: z.ZodType) {
  return (data: unknown) => {
    const result = schema.safeParse(data)
    if (result.success) return { value: result.data }
    const validation = result.error.issues.map((issue) => ({ instancePath: `/${issue.path.join('/')}`, message: issue.message }))
    return { error: Object.assign(new Error('invalid request'), { validation }) }
  }
}
