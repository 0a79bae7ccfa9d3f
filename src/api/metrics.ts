import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

export const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        operationId: 'getMetrics', summary: 'Prometheus metrics (text format 0.0.4): requests, decisions, caches, models, Redis, the image pipeline, the process',
        tags: ['ops'],
        description: 'With WORKERS above 1, every worker\'s figures, gathered by the primary (counters and histograms summed); 503 `FG_METRICS_UNAVAILABLE` when a worker did not answer within 5 s.',
        produces: ['text/plain']
      }
    },
    async (_request, reply) => {
      const { contentType, body } = await app.metrics.scrape()
      return reply.type(contentType).send(body)
    }
  )
}
