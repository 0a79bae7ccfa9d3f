import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { exposition, imagePipelineFamilies } from '../metrics/exposition.js'

export const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        summary: 'Prometheus metrics (text format 0.0.4): the image pipeline’s lookups, scores, pending and skipped images, and its background queue',
        tags: ['ops'],
        produces: ['text/plain']
      }
    },
    async (_request, reply) => {
      const images = app.images
      const families = images ? imagePipelineFamilies(images.id, images.stats()) : []
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(exposition(families))
    }
  )
}
