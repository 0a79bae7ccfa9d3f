// Single-node Redis on purpose, not in `npm run test:cluster`: stops and restarts a Redis of its own under the service.
import t from 'tap'
import { Redis } from 'ioredis'
import { build, startRedis, testPrefix } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>

// A caption the models leave alone, so only the user's keyword rule decides.
const scoreSpoiler = (app: App, userId: string) =>
  app.inject({ method: 'POST', url: '/v1/score', payload: { userId, items: [{ id: 'v', text: 'lovely sunset spoiler at the beach' }] } })

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

t.test('Redis dying mid-run: scoring answers 200 degraded within budget, writes 503, then everything recovers', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const app = await build(t, {
    REDIS_URL: server.url,
    REDIS_KEY_PREFIX: testPrefix(),
    SCORE_REDIS_BUDGET_MS: '50',
    RULES_CACHE_TTL_MS: '0'
  })
  t.equal((await app.inject({ method: 'POST', url: '/v1/users/alice/rules/keywords', payload: { value: 'spoiler' } })).statusCode, 201)
  t.equal((await scoreSpoiler(app, 'alice')).json().decisions[0].action, 'hide')
  t.match((await app.inject({ method: 'GET', url: '/readyz' })).json(), { ready: true, status: 'ready', checks: { redis: { ok: true, detail: 'connected' } } })

  await server.stop()

  const started = Date.now()
  const stale = await scoreSpoiler(app, 'alice')
  const elapsed = Date.now() - started
  t.equal(stale.statusCode, 200)
  t.ok(elapsed < 500, `answered in ${elapsed}ms`)
  const staleBody = stale.json()
  t.equal(staleBody.meta.degraded, true)
  t.match(staleBody.meta.degradedReasons, [/^rules_stale: .*version 1/])
  t.equal(staleBody.decisions[0].action, 'hide', 'the last known rules still apply')

  const unknown = await scoreSpoiler(app, 'bob')
  t.equal(unknown.statusCode, 200)
  t.match(unknown.json().meta, { degraded: true, degradedReasons: [/^rules_unavailable: .*policy defaults/] })
  t.equal(unknown.json().decisions[0].action, 'allow')

  const write = await app.inject({ method: 'POST', url: '/v1/users/alice/rules/keywords', payload: { value: 'cat' } })
  t.equal(write.statusCode, 503)
  t.match(write.json(), { code: 'FG_STORE_UNAVAILABLE', message: /nothing was changed/ })
  const read = await app.inject({ method: 'GET', url: '/v1/users/alice/rules' })
  t.equal(read.statusCode, 503)

  // Scoring still answers: the replica stays in the load balancer, and says its answers are degraded.
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { ready: true, status: 'degraded', checks: { redis: { ok: true, degraded: true, detail: /^down/ }, rulesStore: { ok: true, degraded: true } } })
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still alive')

  const restarted = await startRedis(Number(new URL(server.url).port))
  t.teardown(() => restarted.stop())
  // A Redis restarted without persistence has lost its data: noticed (store_data_lost), then acknowledged.
  await until(async () => /^store_data_lost/.test((await app.inject({ method: 'GET', url: '/readyz' })).json().checks.redisDataset?.detail ?? ''), 5000)
  t.same((await app.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })).json(), { acknowledged: true })
  await until(async () => (await app.inject({ method: 'GET', url: '/readyz' })).json().status === 'ready', 5000)
  const recovered = await scoreSpoiler(app, 'bob')
  t.equal(recovered.json().meta.degraded, false)
  t.equal((await app.inject({ method: 'POST', url: '/v1/users/alice/rules/keywords', payload: { value: 'cat' } })).statusCode, 201)
})

t.test('a slow Redis: scoring does not wait past its budget', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const app = await build(t, { REDIS_URL: server.url, REDIS_KEY_PREFIX: testPrefix(), SCORE_REDIS_BUDGET_MS: '30' })
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  // connected before the sleep is sent: on a busy machine connecting alone could outlast the wait below
  await admin.ping()
  const sleeping = admin.call('DEBUG', 'SLEEP', '0.6')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = Date.now()
  const res = await scoreSpoiler(app, 'carol')
  const elapsed = Date.now() - started
  t.equal(res.statusCode, 200)
  t.ok(elapsed < 300, `answered in ${elapsed}ms`)
  t.match(res.json().meta.degradedReasons, [/no answer within 30ms/])
  await sleeping
})

t.test('a rules change on one replica is seen by another within a second', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const env = { REDIS_URL: server.url, REDIS_KEY_PREFIX: testPrefix(), RULES_CACHE_TTL_MS: '600000' }
  const a = await build(t, env)
  const b = await build(t, env)
  t.equal((await scoreSpoiler(b, 'dave')).json().decisions[0].action, 'allow', 'b caches dave without rules')
  await a.inject({ method: 'POST', url: '/v1/users/dave/rules/keywords', payload: { value: 'spoiler' } })
  const started = Date.now()
  await until(async () => (await scoreSpoiler(b, 'dave')).json().decisions[0].action === 'hide', 1000)
  t.ok(Date.now() - started < 1000)
  await a.inject({ method: 'DELETE', url: '/v1/users/dave/rules' })
  await until(async () => (await scoreSpoiler(b, 'dave')).json().decisions[0].action === 'allow', 1000)
})

t.test('start-up fails on a Redis that refuses the connection', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  await t.rejects(build(t, { REDIS_URL: `${server.url}/999` }), /redis refused the connection/)
})
