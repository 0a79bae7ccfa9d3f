// Single-node Redis on purpose, not in `npm run test:cluster`: stops a Redis of its own to count the failures.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { build, startRedis, testPrefix } from '../helpers/app.js'
import { pdqImages } from '../helpers/images.js'

const metric = (text: string, line: string) => Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1])

t.test('/metrics: the image pipeline’s counters, in Prometheus text format, moving with the traffic', async (t) => {
  const app = await build(t)
  const before = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(before.statusCode, 200)
  t.match(before.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const model = /feedguard_images_scored_total\{model="([^"]+)"\}/.exec(before.body)?.[1]
  t.ok(model, 'labelled with the image model')
  const scored = `feedguard_images_scored_total{model="${model}"}`
  const misses = `feedguard_image_lookups_total{model="${model}",result="miss"}`
  const memory = `feedguard_image_lookups_total{model="${model}",result="memory"}`
  t.equal(metric(before.body, scored), 0)

  const data = readFileSync(join(pdqImages, 'reg-test-input/labelme-subset/q0003.jpg')).toString('base64')
  const payload = { userId: 'u', imageBudgetMs: 5000, items: [{ id: 'a', image: { data } }] }
  t.equal((await app.inject({ method: 'POST', url: '/v1/score', payload })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/v1/score', payload })).statusCode, 200)
  const after = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.equal(metric(after, scored), 1, 'scored once')
  t.equal(metric(after, misses), 1, 'unknown the first time')
  t.equal(metric(after, memory), 1, 'from the in-process cache the second')
})

t.test('/metrics: request latency by route template, method and status class; process and Node.js figures', async (t) => {
  const app = await build(t, {}, { models: [] })
  t.equal((await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'user-secret-1', items: [{ id: 'item-secret-1', text: 'hi' }] } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/user-secret-1/rules' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/no/such/path/user-secret-1' })).statusCode, 404)
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  const body = res.body
  t.ok(metric(body, 'http_request_duration_seconds_count{route="/v1/score",method="POST",status_class="2xx"}') === 1)
  t.ok(metric(body, 'http_request_duration_seconds_count{route="/v1/users/:userId/rules",method="GET",status_class="2xx"}') === 1)
  t.ok(metric(body, 'http_request_duration_seconds_count{route="unmatched",method="GET",status_class="4xx"}') === 1)
  t.ok(metric(body, 'http_request_duration_seconds_sum{route="/v1/score",method="POST",status_class="2xx"}') > 0)
  for (const family of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) {
    t.match(body, `# TYPE ${family} `, family)
  }
  t.notMatch(body, 'secret', 'no user or item id in a label')
  t.notMatch(body, /^feedguard_image/m, 'no image samples without an image model')
})

/** Every sample of the exposition: its metric name, labels and value. */
function samples(text: string) {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (!match) throw new Error(`not a sample line: ${line}`)
      const labels: Record<string, string> = {}
      for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!
      return { name: match[1]!, labels, value: Number(match[3]) }
    })
}

/** The sum of a metric's samples whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string> = {}) {
  return samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0)
}

t.test('/metrics after real traffic: every family, plausible figures, and no label value from the traffic', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  // statuses kept a minute: however slow the image model, the second and third requests find them
  const app = await build(t, { REDIS_URL: server.url, REDIS_KEY_PREFIX: testPrefix(), SCORE_REDIS_BUDGET_MS: '200', ITEM_STATUS_CACHE_MS: '60000' })
  const userId = 'metrics-user-7f3a91'
  const otherUser = 'metrics-user-c0ffee'
  const keyword = 'zebrafinch'
  const textItems = [
    { id: 'metrics-item-1b2c3d', text: `my ${keyword} sings every morning` },
    { id: 'metrics-item-4e5f6a', text: 'a quiet walk by the lake' }
  ]
  const data = readFileSync(join(pdqImages, 'reg-test-input/labelme-subset/q0004.jpg')).toString('base64')
  const imageItem = { id: 'metrics-item-img9z8y', image: { data } }
  const score = async (user: string, items: object[]) => {
    const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: user, imageBudgetMs: 5000, items } })
    t.equal(res.statusCode, 200)
    return res.json()
  }

  t.equal((await app.inject({ method: 'POST', url: `/v1/users/${userId}/rules/keywords`, payload: { value: keyword } })).statusCode, 201)
  const first = await score(userId, [...textItems, imageItem])
  t.same(first.decisions.map((d: { action: string }) => d.action), ['hide', 'allow', 'allow'])
  t.equal(first.meta.degraded, false)
  await score(userId, [...textItems, imageItem])
  t.equal((await app.inject({ method: 'GET', url: `/v1/users/${userId}/rules` })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/v1/items/${textItems[0]!.id}/nothing-here` })).statusCode, 404)

  t.equal(total((await app.inject({ method: 'GET', url: '/metrics' })).body, 'feedguard_redis_connected', { connection: 'commands' }), 1, 'connected while Redis is up')
  await server.stop()
  const degraded = await score(otherUser, textItems)
  t.equal(degraded.meta.degraded, true, 'Redis down: the answer is degraded')

  // The connection's state follows ioredis' own, which learns of the lost socket on its close event.
  let body = ''
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    body = (await app.inject({ method: 'GET', url: '/metrics' })).body
    if (total(body, 'feedguard_redis_connected', { connection: 'commands' }) === 0) break
  }

  // Requests, by route template.
  t.equal(total(body, 'http_request_duration_seconds_count', { route: '/v1/score', method: 'POST', status_class: '2xx' }), 3)
  t.equal(total(body, 'http_request_duration_seconds_count', { route: '/v1/users/:userId/rules/keywords', status_class: '2xx' }), 1)
  t.equal(total(body, 'http_request_duration_seconds_count', { route: 'unmatched', status_class: '4xx' }), 1)
  t.ok(total(body, 'http_request_duration_seconds_count', { route: '/metrics' }) >= 1)
  t.ok(total(body, 'http_request_duration_seconds_sum', { route: '/v1/score' }) > 0)
  t.equal(total(body, 'http_request_duration_seconds_bucket', { route: '/v1/score', le: '+Inf' }), 3)

  // Decisions and answers.
  t.equal(total(body, 'feedguard_decisions_total', { action: 'hide', reason: 'keyword' }), 2, 'the muted keyword, twice')
  t.equal(total(body, 'feedguard_decisions_total', { action: 'allow', reason: 'none' }), 4 + 2)
  t.equal(total(body, 'feedguard_score_answers_total', { degraded: 'false' }), 2)
  t.equal(total(body, 'feedguard_score_answers_total', { degraded: 'true' }), 1)
  t.equal(total(body, 'feedguard_degraded_answers_total', { reason: 'rules_unavailable' }), 1)

  // Caches: the second request found what the first computed.
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'rules', result: 'miss' }), 2, 'first read, and the other user')
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'rules', result: 'hit' }), 1)
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'text_scores', result: 'miss' }), 2)
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'text_scores', result: 'hit' }), 4, 'the second request, and the third from the process')
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'image', result: 'miss' }), 1)
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'image', result: 'hit' }), 1)
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'item_status', result: 'miss' }), 3, 'the first request\'s items')
  t.equal(total(body, 'feedguard_cache_requests_total', { cache: 'item_status', result: 'hit' }), 3 + 2, 'the same items again, Redis up and down')

  // Models: one text run (the two items of the first request), one image run.
  t.equal(total(body, 'feedguard_model_inference_duration_seconds_count', { kind: 'text' }), 1)
  t.equal(total(body, 'feedguard_model_batch_size_sum', { kind: 'text' }), 2)
  t.equal(total(body, 'feedguard_model_inference_duration_seconds_count', { kind: 'image' }), 1)
  t.equal(total(body, 'feedguard_model_batch_size_sum', { kind: 'image' }), 1)
  t.ok(total(body, 'feedguard_model_inference_duration_seconds_sum', { kind: 'image' }) > 0)

  // Redis: down now, and the failed reads counted.
  t.equal(total(body, 'feedguard_redis_connected', { connection: 'commands' }), 0)
  t.equal(total(body, 'feedguard_redis_connected', { connection: 'subscriber' }), 0)
  t.ok(total(body, 'feedguard_redis_command_errors_total') >= 1, 'the reads refused while Redis was down')

  // The image queue's figures.
  t.equal(total(body, 'feedguard_images_scored_total'), 1)
  t.equal(total(body, 'feedguard_image_jobs_dropped_total'), 0)

  // The process.
  t.ok(total(body, 'process_resident_memory_bytes') > 0)
  t.ok(total(body, 'nodejs_heap_size_used_bytes') > 0)
  t.match(body, /^nodejs_eventloop_lag_p99_seconds \S+$/m)
  t.match(body, '# TYPE nodejs_gc_duration_seconds histogram')

  // Bounded labels: nothing the callers sent is a label value.
  const sent = [userId, otherUser, keyword, imageItem.id, ...textItems.map((item) => item.id), 'nothing-here']
  const values = new Set(samples(body).flatMap((s) => Object.values(s.labels)))
  for (const value of values) t.notOk(sent.some((part) => value.includes(part)), `label value "${value}" holds nothing the callers sent`)
  for (const route of new Set(samples(body).flatMap((s) => (s.labels.route ? [s.labels.route] : [])))) {
    t.ok(route === 'unmatched' || /^\/[\w/:.-]*$/.test(route), `route label ${route} is a template`)
  }
})
