import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { LivenessSchema, ReadinessSchema } from './schemas/health.js'

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: { operationId: 'getLiveness', summary: 'Liveness: 200 while the process is up', tags: ['ops'], response: { 200: LivenessSchema } }
    },
    async () => ({ status: 'ok' as const })
  )

  app.get(
    '/readyz',
    {
      config: { public: true },
      logLevel: 'warn',
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: 200 while /v1/score can answer (Redis down included: status degraded); 503 before the models and policy are loaded and once shutdown begins, with what is missing',
        tags: ['ops'],
        response: { 200: ReadinessSchema, 503: ReadinessSchema }
      }
    },
    async (_request, reply) => {
      const readiness = await app.readiness.run()
      return reply.code(readiness.ready ? 200 : 503).send(readiness)
    }
  )
}
