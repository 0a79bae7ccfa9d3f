// Single-node Redis on purpose, not in `npm run test:cluster`: stops a Redis of its own under the service.
import t from 'tap'
import { Redis } from 'ioredis'
import { build, startRedis, testPrefix } from '../helpers/app.js'

t.test('Redis down: feedback answers 503, scoring degrades to no item statuses; a retry later counts once', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const prefix = testPrefix()
  const app = await build(t, { REDIS_URL: server.url, REDIS_KEY_PREFIX: prefix, SCORE_REDIS_BUDGET_MS: '50', REPORT_REVIEW_THRESHOLD: '1' }, { models: [] })
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })

  // The user's part fails after the platform part was stored: their rules key is not a hash.
  await admin.set(`${prefix}{u:u1}:rules`, 'not a hash')
  const event = { id: 'r-1', userId: 'u1', kind: 'report', itemId: 'v', category: 'spam' }
  const failed = await post('/v1/feedback', event)
  t.equal(failed.statusCode, 503)
  t.match(failed.json(), { code: 'FG_STORE_UNAVAILABLE', message: /retry the same events with their ids/ })
  t.match((await app.inject({ url: '/v1/items/v' })).json(), { status: 'under_review', reports: { reporters: 1 } })
  await admin.del(`${prefix}{u:u1}:rules`)
  const retried = await post('/v1/feedback', event)
  t.match(retried.json(), { results: [{ id: 'r-1', status: 'applied', learned: [{ kind: 'item', value: 'v' }] }] })
  t.match((await app.inject({ url: '/v1/insights?window=1h' })).json(), { reports: { items: [{ itemId: 'v', reports: 1 }] } }, 'counted once')
  t.equal((await post('/v1/feedback', event)).json().results[0].status, 'duplicate')

  await server.stop()
  const down = await post('/v1/feedback', { userId: 'u2', kind: 'not_interested', itemId: 'w' })
  t.equal(down.statusCode, 503)
  t.equal(down.json().code, 'FG_STORE_UNAVAILABLE')
  for (const [method, url, payload] of [
    ['GET', '/v1/insights', undefined],
    ['GET', '/v1/items/v', undefined],
    ['GET', '/v1/creators/c/reports', undefined],
    ['POST', '/v1/items/v/verdict', { violating: true }]
  ] as const) {
    const res = await app.inject({ method, url, ...(payload ? { payload } : {}) })
    t.equal(res.statusCode, 503, url)
  }
  const scored = await post('/v1/score', { userId: 'u3', items: [{ id: 'v' }] })
  t.equal(scored.statusCode, 200)
  t.match(scored.json().meta.degradedReasons, [/^rules_unavailable/, /^item_status_unavailable/])
  t.equal(scored.json().decisions[0].action, 'allow', 'without statuses, items are decided on everything else')

  const restarted = await startRedis(Number(new URL(server.url).port))
  t.teardown(() => restarted.stop())
  const deadline = Date.now() + 5000
  let back = await post('/v1/feedback', { userId: 'u2', kind: 'not_interested', itemId: 'w' })
  while (back.statusCode !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    back = await post('/v1/feedback', { userId: 'u2', kind: 'not_interested', itemId: 'w' })
  }
  t.equal(back.statusCode, 200, 'feedback is taken again once Redis is back')
})
