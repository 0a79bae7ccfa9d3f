import underPressure from '@fastify/under-pressure'
import fp from 'fastify-plugin'
import { overloaded } from '../../errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether the event loop lags past OVERLOAD_DEGRADE_LOOP_DELAY_MS: work that can wait is skipped. */
    isOverloaded(): boolean
  }
}

/**
 * Overload in two stages, measured by the event loop's delay (@fastify/under-pressure samples it). Past the
 * degrade threshold, scoring skips the work that can wait (isOverloaded); past the shed threshold, requests to
 * routes that are not public are refused at once with 503 FG_OVERLOADED and Retry-After, while the probes, the
 * metrics and the docs keep answering. And since a lag is only seen once a queue has formed, /v1/score
 * requests past OVERLOAD_MAX_IN_FLIGHT at once are refused the same way, before their body is read.
 */
export default fp(
  async (app) => {
    const { config, metrics } = app
    const shedMs = config.OVERLOAD_SHED_LOOP_DELAY_MS
    const degradeMs = config.OVERLOAD_DEGRADE_LOOP_DELAY_MS
    await app.register(underPressure, {
      // 0 turns shedding off; under-pressure still samples, for the degrade stage
      maxEventLoopDelay: shedMs,
      sampleInterval: config.OVERLOAD_SAMPLE_INTERVAL_MS,
      retryAfter: config.OVERLOAD_RETRY_AFTER_S,
      pressureHandler: (request, reply) => {
        if (request.routeOptions.config.public === true) return
        metrics.overloadShed.inc()
        reply.header('retry-after', String(config.OVERLOAD_RETRY_AFTER_S))
        // a rejection ends the request through the error handler, with the FG_* body of every error
        return Promise.reject(overloaded())
      }
    })
    const maxInFlight = config.OVERLOAD_MAX_IN_FLIGHT
    if (maxInFlight > 0) {
      // Scoring is where the work is; a cheap count, checked before the body is read or parsed.
      let inFlight = 0
      const done = () => {
        inFlight--
      }
      app.addHook('onRequest', async (request, reply) => {
        if (request.routeOptions.url !== '/v1/score') return
        if (inFlight >= maxInFlight) {
          metrics.overloadShed.inc()
          reply.header('retry-after', String(config.OVERLOAD_RETRY_AFTER_S))
          throw overloaded()
        }
        inFlight++
        // 'close' comes once whether the answer was sent or the client went away
        reply.raw.once('close', done)
      })
    }
    app.decorate('isOverloaded', () => degradeMs > 0 && app.memoryUsage().eventLoopDelay > degradeMs)
  },
  { name: 'overload', dependencies: ['config', 'metrics'], fastify: '5.x' }
)
