import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ErrorResponseSchema } from './schemas/common.js'
import { feedbackBatchSchema, FeedbackEventSchema, FeedbackResponseSchema } from './schemas/feedback.js'

export const feedbackRoutes: FastifyPluginAsyncZod = async (app) => {
  const { feedback, config } = app
  const Batch = feedbackBatchSchema(config.FEEDBACK_MAX_EVENTS)
  const validateBatch = validateWith(Batch)
  const validateEvent = validateWith(FeedbackEventSchema)

  app.post(
    '/v1/feedback',
    {
      config: { scope: 'feedback' },
      schema: {
        operationId: 'recordFeedback', summary: 'Record negative feedback: one event, or { events: [...] }',
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
