import fp from 'fastify-plugin'
import { Metrics, statusClass } from '../../metrics/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every metric of the service (src/metrics/metrics.ts): plugins and hooks record through it, `GET /metrics` scrapes it. */
    metrics: Metrics
  }
}

/**
 * The service's metrics, and the request latency of every route. Registered before the other concerns
 * so each can record into it as it is set up.
 */
export default fp(
  async (app) => {
    const metrics = new Metrics()
    app.decorate('metrics', metrics)
    app.addHook('onResponse', (request, reply, done) => {
      metrics.httpRequestDuration.observe(
        // The route's template, never the URL: a path holds user and item ids.
        { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_class: statusClass(reply.statusCode) },
        reply.elapsedTime / 1000
      )
      done()
    })
  },
  { name: 'metrics', fastify: '5.x' }
)
