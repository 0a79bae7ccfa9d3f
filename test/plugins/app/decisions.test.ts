// Single-node Redis on purpose, not in `npm run test:cluster`: stops a Redis of its own under the plugin.
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import t from 'tap'
import { loadConfig } from '../../../src/config.js'
import type { Decision } from '../../../src/engine/types.js'
import decisionsPlugin from '../../../src/plugins/app/decisions.js'
import configPlugin from '../../../src/plugins/external/config.js'
import { defaultRules } from '../../../src/rules/schema.js'
import { redisClient, redisUrl, startRedis, testPrefix } from '../../helpers/redis.js'

type Tap = import('tap').Test

/** The decisions plugin alone, on the test's own connection (null: no Redis), with what it logs collected. */
async function decisionsApp(t: Tap, redis: Redis | null, env: Record<string, string> = {}): Promise<{ app: FastifyInstance; lines: string[] }> {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push((JSON.parse(line) as { msg: string }).msg) } } })
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: loadConfig({ DECISION_SAMPLE_RATE: '1', DECISION_FLUSH_MS: '100', ...env }) })
  await app.register(fp(async (instance) => void instance.decorate('redis', redis), { name: 'redis' }))
  await app.register(decisionsPlugin)
  await app.ready()
  return { app, lines }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const blur: Decision = { id: 'a', action: 'blur', reasons: [{ type: 'author', action: 'blur', authorId: 'c' }] }
const scored = { sexual: { score: 0.8, source: 'label:sexual' } }

t.test('configuration defaults', async (t) => {
  t.match(loadConfig({}), { DECISION_SAMPLE_RATE: 0.05, DECISION_SAMPLE_MAX_PER_HOUR: 5000, DECISION_SAMPLE_TTL_HOURS: 24, SIMULATE_MAX_SAMPLES: 20_000, DECISION_FLUSH_MS: 5000 })
  t.throws(() => loadConfig({ DECISION_SAMPLE_RATE: '1.5' }), { message: /DECISION_SAMPLE_RATE/ })
})

t.test('embedded: decisions are kept in memory, written every DECISION_FLUSH_MS', async (t) => {
  const { app } = await decisionsApp(t, null)
  t.equal(app.decisions.store.kind, 'memory')
  app.decisions.recorder.record('for_you', defaultRules(), [blur], [scored])
  await until(async () => (await app.decisions.store.readSamples(10)).length === 1)
  t.same((await app.decisions.store.readCounts(1))[0]!.counts, { 'blur|author': 1 })
})

t.test('Redis: written periodically and on close; a failed write is logged, never thrown', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const server = await startRedis()
  t.teardown(() => server.stop())
  const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  await new Promise((resolve) => redis.once('ready', resolve))
  const { app, lines } = await decisionsApp(t, redis, { REDIS_KEY_PREFIX: prefix })
  t.equal(app.decisions.store.kind, 'redis')
  app.decisions.recorder.record('for_you', defaultRules(), [blur], [scored])
  await until(async () => (await app.decisions.store.readSamples(10)).length === 1)
  t.same((await app.decisions.store.readCounts(1))[0]!.counts, { 'blur|author': 1 })
  await server.stop()
  app.decisions.recorder.record('for_you', defaultRules(), [blur], [scored])
  await until(() => lines.includes('decision counts and samples not written'))

  // on close, what is pending is written before the connection goes
  const shared = new Redis(await redisUrl(t), { maxRetriesPerRequest: 0 })
  t.teardown(() => shared.disconnect())
  const { app: closing } = await decisionsApp(t, shared, { REDIS_KEY_PREFIX: prefix, DECISION_FLUSH_MS: '600000' })
  closing.decisions.recorder.record('for_you', defaultRules(), [blur], [scored])
  t.same(await admin.keys(`${prefix}*`), [])
  await closing.close()
  t.equal((await admin.keys(`${prefix}*`)).length, 2)
})
