import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CATEGORIES } from '../policy/vocabulary.js'
import { ErrorResponseSchema } from './schemas.js'

const errors = { 400: ErrorResponseSchema, 503: ErrorResponseSchema }
const ItemParamsSchema = z.object({ itemId: z.string().min(1).max(256) })
const iso = (ms: number) => new Date(ms).toISOString()

export const ItemSignalsSchema = z
  .object({
    itemId: z.string(),
    status: z.enum(['none', 'under_review', 'removed', 'cleared']).describe('under_review: blurred for everyone; removed: hidden for everyone; cleared: reviewed and fine'),
    category: z.enum(CATEGORIES).optional(),
    since: z.string().optional(),
    expiresAt: z.string().optional(),
    windowHours: z.number().describe('reports count over this sliding window'),
    reports: z.object({
      reporters: z.number().int().describe('distinct reporters within the window'),
      weighted: z.number().describe('the sum of their trust at report time; the item goes under review at the configured threshold'),
      byCategory: z.partialRecord(z.enum(CATEGORIES), z.number()).describe('weighted reports per reason')
    })
  })
  .meta({ id: 'ItemSignals' })

export const VerdictSchema = z
  .object({
    itemId: z.string(),
    status: z.enum(['removed', 'cleared']),
    category: z.enum(CATEGORIES).optional(),
    reportersAdjusted: z.number().int().describe('reporters whose trust this verdict moved'),
    expiresAt: z.string()
  })
  .meta({ id: 'Verdict' })

export const CreatorSignalsSchema = z
  .object({
    authorId: z.string(),
    windowHours: z.number(),
    reporters: z.number().int().describe('distinct reporters of the creator\'s items within the window'),
    byCategory: z.partialRecord(z.enum(CATEGORIES), z.number().int()).describe('distinct reporters per reason')
  })
  .meta({ id: 'CreatorSignals' })

/** Crowd signals and review verdicts: for trust & safety tools, never per user. */
export const itemRoutes: FastifyPluginAsyncZod = async (app) => {
  const { feedback } = app
  const tags = ['review']

  app.get(
    '/v1/items/:itemId',
    {
      schema: {
        summary: "An item's platform-wide status and its reports within the window",
        tags,
        params: ItemParamsSchema,
        response: { 200: ItemSignalsSchema, ...errors }
      }
    },
    async (request) => {
      const { since, expiresAt, reporters, weighted, byCategory, ...rest } = await feedback.item(request.params.itemId)
      return {
        ...rest,
        ...(since === undefined ? {} : { since: iso(since) }),
        ...(expiresAt === undefined ? {} : { expiresAt: iso(expiresAt) }),
        windowHours: feedback.reportWindowHours,
        reports: { reporters, weighted, byCategory }
      }
    }
  )

  app.post(
    '/v1/items/:itemId/verdict',
    {
      schema: {
        summary: 'A review verdict: violating removes the item for everyone, otherwise it is cleared; its reporters\' trust moves accordingly',
        tags,
        params: ItemParamsSchema,
        body: z.object({ violating: z.boolean(), category: z.enum(CATEGORIES).optional() }).strict(),
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
      schema: {
        summary: "Distinct reporters of a creator's items within the window, by reason",
        tags,
        params: z.object({ authorId: z.string().min(1).max(128) }),
        response: { 200: CreatorSignalsSchema, ...errors }
      }
    },
    async (request) => {
      const { authorId, reporters, byCategory } = await feedback.creator(request.params.authorId)
      return { authorId, windowHours: feedback.reportWindowHours, reporters, byCategory }
    }
  )
}
