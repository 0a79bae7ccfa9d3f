import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { ItemSignals } from '../feedback/aggregate-store.js'
import { ErrorResponseSchema, REPLICATED_WRITE } from './schemas/common.js'
import { CreatorParamsSchema, CreatorSignalsSchema, ItemParamsSchema, ItemSignalsSchema, ReviewQueueQuerySchema, ReviewQueueSchema, VerdictInputSchema, VerdictSchema } from './schemas/items.js'

const errors = { 400: ErrorResponseSchema, 503: ErrorResponseSchema }
const iso = (ms: number) => new Date(ms).toISOString()

/** Crowd signals and review verdicts: for trust & safety tools, never per user. */
export const itemRoutes: FastifyPluginAsyncZod = async (app) => {
  const { feedback } = app
  const tags = ['review']
  const itemBody = ({ since, expiresAt, reporters, weighted, byCategory, ...rest }: ItemSignals) => ({
    ...rest,
    ...(since === undefined ? {} : { since: iso(since) }),
    ...(expiresAt === undefined ? {} : { expiresAt: iso(expiresAt) }),
    windowHours: feedback.reportWindowHours,
    reports: { reporters, weighted, byCategory }
  })

  app.get(
    '/v1/items/:itemId',
    {
      config: { scope: 'moderate' },
      schema: {
        operationId: 'getItemSignals', summary: "An item's platform-wide status and its reports within the window",
        tags,
        params: ItemParamsSchema,
        response: { 200: ItemSignalsSchema, ...errors }
      }
    },
    async (request) => itemBody(await feedback.item(request.params.itemId))
  )

  app.get(
    '/v1/items',
    {
      config: { scope: 'moderate' },
      schema: {
        operationId: 'listItems', summary: 'The review queue: items under review, longest waiting first, with their reports by reason and the reporters\' weight',
        tags,
        querystring: ReviewQueueQuerySchema,
        response: { 200: ReviewQueueSchema, ...errors }
      }
    },
    async (request) => {
      const { total, items } = await feedback.underReview(request.query.limit)
      return { total, items: items.map(itemBody) }
    }
  )

  app.post(
    '/v1/items/:itemId/verdict',
    {
      config: { scope: 'moderate' },
      schema: {
        operationId: 'recordVerdict', summary: 'A review verdict: violating removes the item for everyone, otherwise it is cleared; its reporters\' trust moves accordingly',
        description: REPLICATED_WRITE,
        tags,
        params: ItemParamsSchema,
        body: VerdictInputSchema,
        response: { 200: VerdictSchema, ...errors }
      }
    },
    async (request) => {
      const { expiresAt, ...verdict } = await feedback.verdict(request.params.itemId, request.body.violating, request.body.category)
      return { ...verdict, expiresAt: iso(expiresAt) }
    }
  )

  app.get(
    '/v1/creators/:authorId/reports',
    {
      config: { scope: 'moderate' },
      schema: {
        operationId: 'getCreatorReports', summary: "Distinct reporters of a creator's items within the window, by reason",
        tags,
        params: CreatorParamsSchema,
        response: { 200: CreatorSignalsSchema, ...errors }
      }
    },
    async (request) => {
      const { authorId, reporters, byCategory } = await feedback.creator(request.params.authorId)
      return { authorId, windowHours: feedback.reportWindowHours, reporters, byCategory }
    }
  )
}
