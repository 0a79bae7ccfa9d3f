import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build, until } from '../helpers/app.js'

/** Holds the event loop `busyMs` at a time, again and again, until stopped: a lag the service can only see. */
function lagTheLoop(busyMs: number): () => void {
  const timer = setInterval(() => {
    const until = performance.now() + busyMs
    while (performance.now() < until);
  }, 1)
  return () => clearInterval(timer)
}

type App = Awaited<ReturnType<typeof build>>

let fresh = 0
/** A score request for an item no cache has seen. */
const score = (app: App) => {
  fresh++
  return app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items: [{ id: `item-${fresh}`, text: `caption number ${fresh} never scored` }] } })
}

/** Scores fresh items until `seen` says the answer shows the lag (the service samples it every 50 ms). */
async function untilLagSeen(app: App, seen: (res: Awaited<ReturnType<App['inject']>>) => boolean) {
  for (;;) {
    const res = await score(app)
    if (seen(res)) return res
    await sleep(5)
  }
}

t.test('past the degrade threshold, /v1/score answers from the caches only, marked overloaded', async (t) => {
  const app = await build(t, { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '20', OVERLOAD_SHED_LOOP_DELAY_MS: '0', OVERLOAD_SAMPLE_INTERVAL_MS: '50' })
  // starting (loading the models) lags the loop too: wait for a calm answer
  const calm = await untilLagSeen(app, (res) => res.json().meta?.degraded === false)
  t.equal(calm.statusCode, 200)
  t.notOk(calm.json().meta.degraded, 'not overloaded while the loop is free')
  t.ok(calm.json().decisions[0].scores.toxicity !== undefined, 'the text model scored it')

  const stop = lagTheLoop(60)
  t.teardown(stop)
  const res = await untilLagSeen(app, (res) => res.json().meta?.degraded === true)
  stop()
  t.equal(res.statusCode, 200)
  const { meta, decisions } = res.json()
  t.equal(meta.degraded, true)
  t.ok(meta.degradedReasons.includes('overloaded'))
  t.same(decisions[0].scores, {}, 'no model ran for the uncached item')
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, /feedguard_degraded_answers_total\{reason="overloaded"\} [1-9]/)
})

t.test('past the shed threshold, /v1 requests get 503 FG_OVERLOADED with Retry-After at once; probes answer', async (t) => {
  const app = await build(t, { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '10', OVERLOAD_SHED_LOOP_DELAY_MS: '20', OVERLOAD_SAMPLE_INTERVAL_MS: '50', OVERLOAD_RETRY_AFTER_S: '2' })
  const stop = lagTheLoop(60)
  t.teardown(stop)
  const shed = await untilLagSeen(app, (res) => res.statusCode !== 200)
  const [health, ready, metrics] = await Promise.all([
    app.inject({ method: 'GET', url: '/healthz' }),
    app.inject({ method: 'GET', url: '/readyz' }),
    app.inject({ method: 'GET', url: '/metrics' })
  ])
  stop()
  t.equal(shed.statusCode, 503)
  t.match(shed.json(), { statusCode: 503, code: 'FG_OVERLOADED' })
  t.equal(shed.headers['retry-after'], '2')
  t.ok(Number(/dur=([\d.]+)/.exec(String(shed.headers['server-timing']))![1]) < 50, 'refused without doing the work')
  t.equal(health.statusCode, 200)
  t.equal(ready.statusCode, 200)
  t.equal(metrics.statusCode, 200)
  const after = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(after.body, /feedguard_overload_shed_total [1-9]/)
})

t.test('with both stages off nothing is degraded or shed, however late the loop', async (t) => {
  const app = await build(t, { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0', OVERLOAD_SAMPLE_INTERVAL_MS: '50' })
  const stop = lagTheLoop(60)
  t.teardown(stop)
  // a second of scoring in a loop that lags: long enough for the service to have sampled the lag many times
  const until = performance.now() + 1000
  while (performance.now() < until) {
    const res = await score(app)
    t.equal(res.statusCode, 200)
    t.notOk(res.json().meta.degraded)
  }
  stop()
})

t.test('past OVERLOAD_MAX_IN_FLIGHT /v1/score requests at once, more are refused before their body is read; answered ones free their place', async (t) => {
  const app = await build(t, { OVERLOAD_MAX_IN_FLIGHT: '2', OVERLOAD_RETRY_AFTER_S: '3' })
  const answers = await Promise.all([
    ...Array.from({ length: 8 }, () => score(app)),
    // a body that would be a 400 FG_BAD_JSON, were it read
    app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'application/json' }, payload: '{"userId":' }),
    app.inject({ method: 'GET', url: '/healthz' }),
    app.inject({ method: 'GET', url: '/readyz' })
  ])
  const scored = answers.slice(0, 9)
  const accepted = scored.filter((res) => res.statusCode === 200)
  const shed = scored.filter((res) => res.statusCode === 503)
  t.equal(accepted.length, 2, 'two were scored')
  t.equal(shed.length, 7, 'the others were refused')
  for (const res of shed) {
    t.match(res.json(), { statusCode: 503, code: 'FG_OVERLOADED' })
    t.equal(res.headers['retry-after'], '3')
  }
  t.equal(answers[8]!.statusCode, 503, 'the broken body was never parsed')
  t.equal(answers[9]!.statusCode, 200, '/healthz answers')
  t.equal(answers[10]!.statusCode, 200, '/readyz answers')
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, /feedguard_overload_shed_total 7\n/)

  // the places are free again: requests one after another are all scored, a broken body is a 400 again
  for (let i = 0; i < 5; i++) t.equal((await score(app)).statusCode, 200)
  const broken = await app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'application/json' }, payload: '{"userId":' })
  t.equal(broken.json().code, 'FG_BAD_JSON')
  t.equal((await Promise.all([score(app), score(app)])).filter((res) => res.statusCode === 200).length, 2, 'two at once are scored')
})

t.test('a request whose client goes away frees its place too', async (t) => {
  const app = await build(t, { OVERLOAD_MAX_IN_FLIGHT: '1' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/score`
  const scoreOne = async () => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'u1', items: [{ id: 'x', text: 'hello' }] }) })).status
  for (let i = 0; i < 3; i++) {
    const controller = new AbortController()
    // its body sent without its end: in flight until the client gives up
    const body = new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"userId":')) })
    const pending = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half', signal: controller.signal } as RequestInit).catch(() => null)
    await until(async () => (await scoreOne()) === 503, 5000, 'the place was not taken')
    controller.abort()
    await pending
    await until(async () => (await scoreOne()) === 200, 5000, 'the place was not freed')
  }
  t.pass('taken and freed three times')
})
