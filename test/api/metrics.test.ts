import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { build } from '../helpers/app.js'
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
