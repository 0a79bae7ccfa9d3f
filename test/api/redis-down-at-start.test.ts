// Single-node Redis on purpose, not in `npm run test:cluster`: starts the service before its Redis exists.
import t from 'tap'
import { build, freePort, startRedis, testPrefix } from '../helpers/app.js'

t.test('a Redis that is down at start-up: the service starts ready but degraded, scores degraded, and recovers', async (t) => {
  const port = await freePort()
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: testPrefix(), RULES_CACHE_TTL_MS: '0' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200, 'scoring answers, so the replica takes traffic')
  t.match(ready.json(), { status: 'degraded', checks: { redis: { ok: true, degraded: true }, hashBanks: { ok: true, degraded: true, detail: /not loaded yet/ } } })
  const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u', items: [{ id: 'a' }] } })
  t.equal(scored.statusCode, 200)
  t.equal(scored.json().meta.degraded, true)

  const server = await startRedis(port)
  t.teardown(() => server.stop())
  const deadline = Date.now() + 5000
  while ((await app.inject({ method: 'GET', url: '/readyz' })).json().status !== 'ready') {
    if (Date.now() > deadline) throw new Error('not ready within 5s of Redis starting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const added = await app.inject({ method: 'POST', url: '/v1/users/u/rules/keywords', payload: { value: 'sunset' } })
  t.equal(added.statusCode, 201)
  // Connections settle one after another after Redis comes back: poll until the new rule applies.
  const until = Date.now() + 5000
  let after = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u', items: [{ id: 'a', text: 'a lovely sunset' }] } })
  while (after.json().decisions[0].action !== 'hide' && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    after = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u', items: [{ id: 'a', text: 'a lovely sunset' }] } })
  }
  t.match(after.json(), { meta: { degraded: false }, decisions: [{ action: 'hide' }] })
})

t.test('closing before Redis ever answered abandons the pending subscription quietly', async (t) => {
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_KEY_PREFIX: testPrefix() })
  await app.close()
  t.pass('closed')
})
