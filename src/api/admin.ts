import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { DataLossAckSchema } from './schemas/admin.js'
import { ErrorResponseSchema } from './schemas/common.js'

/** Operators' actions. */
export const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { dataset } = app
  app.post(
    '/v1/admin/data-loss/ack',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'acknowledgeDataLoss',
        summary:
          'Acknowledge that Redis lost its data (restart without persistence, FLUSHALL, failover to an empty node): /v1/score answers stop being degraded with store_data_lost, on every replica',
        tags: ['admin'],
        response: { 200: DataLossAckSchema, 503: ErrorResponseSchema }
      }
    },
    async () => ({ acknowledged: await dataset.acknowledge() })
  )
}
