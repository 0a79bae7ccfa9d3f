// Single-node Redis on purpose, not in `npm run test:cluster`: flushes and restarts a Redis of its own without persistence.
import t from 'tap'
import { Redis } from 'ioredis'
import { build, freePort, startRedis, type ThrowawayRedis } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>

const readyDetail = async (app: App) => {
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  return { status: res.statusCode, detail: String(res.json().checks.redisDataset?.detail) }
}
const lossCount = async (app: App) => {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  return Number(/^feedguard_redis_data_loss_total (\d+)/m.exec(text)?.[1])
}
const scoreReasons = async (app: App): Promise<string[]> => {
  const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items: [{ id: 'i1', text: 'hello' }] } })
  return res.json().meta.degradedReasons ?? []
}
async function eventually(what: string, condition: () => Promise<boolean>, withinMs = 15_000) {
  const deadline = Date.now() + withinMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test('a Redis restarted without persistence, and a FLUSHALL, are noticed within seconds and stand until acknowledged', async (t) => {
  let server: ThrowawayRedis = await startRedis()
  t.teardown(() => server.stop())
  const port = Number(new URL(server.url).port)
  const app = await build(t, { REDIS_URL: server.url, REDIS_DATASET_CHECK_MS: '200' })
  t.match(await readyDetail(app), { status: 200, detail: /^dataset [0-9a-f-]{36}$/ })
  t.equal(await lossCount(app), 0)
  t.notOk((await scoreReasons(app)).some((reason) => reason.startsWith('store_data_lost')))

  const rule = await app.inject({ method: 'POST', url: '/v1/users/u1/rules/keywords', payload: { value: 'hello' } })
  t.equal(rule.statusCode, 201)
  await server.stop()
  server = await startRedis(port)
  const restarted = Date.now()
  await eventually('readyz says the data was lost', async () => (await readyDetail(app)).detail.includes('store_data_lost'))
  t.comment(`noticed ${Date.now() - restarted} ms after Redis came back empty`)
  const ready = await readyDetail(app)
  t.equal(ready.status, 200, 'still ready: scoring works')
  t.match(ready.detail, /^store_data_lost: marker_missing at \S+; rules and hash banks written before are gone, acknowledge with POST \/v1\/admin\/data-loss\/ack$/)
  t.equal(await lossCount(app), 1, 'counted in /metrics')
  t.match(await scoreReasons(app), [/^store_data_lost: marker_missing at /])

  const ack = await app.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })
  t.same([ack.statusCode, ack.json()], [200, { acknowledged: true }])
  t.match(await readyDetail(app), { detail: /^dataset / })
  t.notOk((await scoreReasons(app)).some((reason) => reason.startsWith('store_data_lost')), 'answers are no longer degraded for it')
  t.same((await app.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })).json(), { acknowledged: false }, 'nothing left to acknowledge')

  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  await admin.flushall()
  await eventually('a FLUSHALL is noticed too', async () => (await lossCount(app)) === 2)
  t.match(await scoreReasons(app), [/^store_data_lost: marker_missing/])
  t.same((await app.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })).json(), { acknowledged: true })
})

t.test('every replica reports a loss one of them saw, and an acknowledgement clears it on all', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const env = { REDIS_URL: server.url, REDIS_DATASET_CHECK_MS: '200' }
  const a = await build(t, env)
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const [marker] = await admin.keys('*{dataset}:marker')
  await admin.set(marker!, 'another-dataset')
  await eventually('the first replica notices', async () => (await readyDetail(a)).detail.includes('marker_changed'))
  const b = await build(t, env)
  t.match(await readyDetail(b), { detail: /^store_data_lost: marker_changed/ }, 'a replica started after the loss reports it')
  t.equal(await lossCount(b), 0, 'but did not see it itself')
  t.same((await b.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })).json(), { acknowledged: true })
  await eventually('the acknowledgement reaches the other replica', async () => !(await readyDetail(a)).detail.includes('store_data_lost'))
})

t.test('Redis unreachable: nothing is concluded, and acknowledging answers 503', async (t) => {
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_DATASET_CHECK_MS: '50' })
  t.match(await readyDetail(app), { detail: 'not checked yet' })
  const ack = await app.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })
  t.equal(ack.statusCode, 503)
  t.equal(ack.json().code, 'FG_STORE_UNAVAILABLE')
  t.notOk((await scoreReasons(app)).some((reason) => reason.startsWith('store_data_lost')))
})

t.test('without Redis there is no data to lose', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).json().checks.redisDataset, undefined)
  t.same((await app.inject({ method: 'POST', url: '/v1/admin/data-loss/ack' })).json(), { acknowledged: false })
  t.same(await scoreReasons(app), [])
})
