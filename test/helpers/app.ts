import Fastify, { type FastifyInstance } from 'fastify'
import app, { fastifyOptions, type AppOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

export * from './redis.js'

type Tap = { teardown(fn: () => unknown): void }

/**
 * Builds the app on the given environment (no port), closed when the test ends. Scoring waits up to a
 * second for Redis unless a test sets its own budget: the default 25 ms is a production latency target,
 * and on a loaded test machine it would turn correctness tests into timing tests. Overload protection is off for
 * the same reason (a loaded test machine lags): test/api/overload.test.ts turns it on.
 */
export async function build(
  t: Tap,
  env: Record<string, string> = {},
  overrides: Omit<AppOptions, 'config'> = {}
): Promise<FastifyInstance> {
  const config = loadConfig({ LOG_LEVEL: 'silent', SCORE_REDIS_BUDGET_MS: '1000', OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0', OVERLOAD_MAX_IN_FLIGHT: '0', ...env })
  const fastify = Fastify(fastifyOptions(config))
  await fastify.register(app, { config, ...overrides })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}

