import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { decisionsInHour } from '../decisions/decision-store.js'
import { insightsHours } from '../feedback/feedback-service.js'
import { ErrorResponseSchema } from './schemas/common.js'
import { InsightsQuerySchema, InsightsSchema } from './schemas/insights.js'

/** Aggregates only: no answer here names a user or can be narrowed down to one. */
export const insightsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { feedback, decisions } = app
  app.get(
    '/v1/insights',
    {
      config: { scope: 'insights' },
      schema: {
        operationId: 'getInsights', summary: 'What people push back on: reports, feedback volume by hour, the most muted keywords',
        tags: ['insights'],
        querystring: InsightsQuerySchema,
        response: { 200: InsightsSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema }
      }
    },
    async (request) => {
      const { window, limit } = request.query
      const hours = insightsHours(window)
      const recentDecisions = async () => {
        // This replica's latest decisions first, so the current hour is up to date.
        await decisions.recorder.flush()
        return (await decisions.store.readCounts(hours)).map(decisionsInHour)
      }
      const [insights, decisionsByHour] = await Promise.all([feedback.insights(window, limit), recentDecisions()])
      return { ...insights, decisionsByHour }
    }
  )
}
