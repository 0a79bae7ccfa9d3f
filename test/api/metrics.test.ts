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

t.test('/metrics without an image model: an empty exposition', async (t) => {
  const app = await build(t, {}, { models: [] })
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
})
