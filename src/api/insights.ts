import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ErrorResponseSchema } from './schemas/common.js'
import { InsightsQuerySchema, InsightsSchema } from './schemas/insights.js'

/** Aggregates only: no answer here names a user or can be narrowed down to one. */
export const insightsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { feedback } = app
  app.get(
    '/v1/insights',
    {
      config: { scope: 'insights' },
      schema: {
        summary: 'What people push back on: reports, feedback volume by hour, the most muted keywords',
        tags: ['insights'],
        querystring: InsightsQuerySchema,
        response: { 200: InsightsSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema }
      }
    },
    async (request) => feedback.insights(request.query.window, request.query.limit)
  )
}
