import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import t from 'tap'
import { ScoreResponseSchema } from '../../src/api/schemas/score.js'
import { build, keysMatching, redisEnv, storeClient, testPrefix } from '../helpers/app.js'
import { noise, pdqImages } from '../helpers/images.js'
import { eventually, imageHost } from '../helpers/image-host.js'

type App = Awaited<ReturnType<typeof build>>

const score = (app: App, payload: object) => app.inject({ method: 'POST', url: '/v1/score', payload })
const b64 = (bytes: Buffer) => bytes.toString('base64')
const photo = readFileSync(join(pdqImages, 'reg-test-input/labelme-subset/q0003.jpg'))
const MODEL = 'nsfwjs-mobilenetv2@1.0.0'

/** The shipped policy with a low `sexual` blur threshold, so that an ordinary photo's score crosses it. */
async function lowSexualThreshold(): Promise<string> {
  const policy = JSON.parse(readFileSync('models/policy.json', 'utf8'))
  policy.categories.sexual.standard.blurAt = 0.1
  const file = join(await mkdtemp(join(tmpdir(), 'fg-policy-')), 'policy.json')
  await writeFile(file, JSON.stringify(policy))
  return file
}

const host = await imageHost(t)
const app = await build(t, {
  POLICY_FILE: await lowSexualThreshold(),
  IMAGE_ALLOWED_HOSTS: '127.0.0.1',
  IMAGE_ALLOW_HTTP: 'true',
  IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true',
  IMAGE_BUDGET_MS: '3000',
  IMAGE_MAX_BYTES: '200000',
  IMAGE_MAX_PIXELS: '1000000'
})

t.test('image.data: the image model’s scores reach the decision through the policy thresholds', async (t) => {
  const res = await score(app, { userId: 'u1', items: [{ id: 'photo', image: { data: b64(photo) } }, { id: 'plain', text: 'no image here' }] })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(ScoreResponseSchema.safeParse(body).success, 'the response matches its documented schema')
  t.equal(body.meta.degraded, false)
  t.ok(body.meta.models.includes(MODEL), 'meta.models lists the image model')
  t.notOk('pendingImages' in body.meta || 'skippedImages' in body.meta)
  const [photoDecision, plain] = body.decisions
  t.match(photoDecision, {
    id: 'photo',
    action: 'blur',
    reasons: [{ type: 'category', category: 'sexual', action: 'blur', threshold: 0.1, source: `model:${MODEL}`, basis: 'policy' }]
  })
  t.same(Object.keys(photoDecision.scores).sort(), ['sexual', 'suggestive'])
  t.match(plain, { id: 'plain', action: 'allow', reasons: [] })
  t.notOk('sexual' in plain.scores || 'suggestive' in plain.scores, 'no image, no image scores')
  t.match((await app.inject({ method: 'GET', url: '/readyz' })).json(), { ready: true, checks: { models: { ok: true, detail: new RegExp(MODEL) } } })
})

t.test('an unusable image among new captions of a user with keyword rules: 400, while their analysis is under way', async (t) => {
  const userId = `muter-${testPrefix()}`
  const put = await app.inject({ method: 'PUT', url: `/v1/users/${userId}/rules`, payload: { keywords: [{ value: 'spoiler', action: 'hide' }] } })
  t.equal(put.statusCode, 200)
  // the captions are analysed for the rule while the text model scores them; the image is refused meanwhile
  const captions = Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, text: `${testPrefix()} caption ${i} with a spoiler or two ${'and words '.repeat(20)}` }))
  const bad = { id: 'bad', image: { data: b64(Buffer.from('this is not an image at all')) } }
  const res = await score(app, { userId, items: [bad, ...captions] })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.items.0.image.data' }] })
  const again = await score(app, { userId, items: captions.slice(0, 2) })
  t.equal(again.statusCode, 200, 'and the service goes on')
  t.equal(again.json().decisions[0].action, 'hide')
})

t.test('image.data that is not a usable image: 400 FG_VALIDATION naming the item', async (t) => {
  const res = await score(app, {
    userId: 'u1',
    items: [
      { id: 'fine', text: 'x' },
      { id: 'bad', image: { data: b64(Buffer.from('this is not an image at all')) } },
      { id: 'big', image: { data: b64(Buffer.alloc(300_000)) } },
      { id: 'huge', image: { data: b64(await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#000' } }).png().toBuffer()) } }
    ]
  })
  t.equal(res.statusCode, 400)
  t.match(res.json(), {
    code: 'FG_VALIDATION',
    message: /body\.items\.1\.image\.data: not a decodable image/,
    details: [
      { path: 'body.items.1.image.data', message: /not a decodable image/ },
      { path: 'body.items.2.image.data', message: 'image data is 300000 bytes, over the 200000-byte limit' },
      { path: 'body.items.3.image.data', message: 'image is 2000×1000, over the 1000000-pixel limit' }
    ]
  })
})

t.test('image.url: fetched from the allowlist; other hosts and broken images are skipped with why', async (t) => {
  const url = host.serve('/thumb.jpg', await noise(120, 160, 1).jpeg().toBuffer(), { type: 'image/jpeg' })
  const res = await score(app, {
    userId: 'u1',
    items: [
      { id: 'ok', image: { url } },
      { id: 'elsewhere', image: { url: 'https://cdn.example/t.jpg' } },
      { id: 'html', image: { url: host.serve('/page.html', '<html></html>', { type: 'text/html' }) } }
    ]
  })
  const body = res.json()
  t.same(Object.keys(body.decisions[0].scores).sort(), ['sexual', 'suggestive'])
  t.same(body.meta.skippedImages, [
    { id: 'elsewhere', reason: 'host_not_allowed' },
    { id: 'html', reason: 'not_an_image' }
  ])
  t.equal(body.meta.degraded, false, 'an image that cannot be scored is not a failing dependency')
})

t.test('the budget: images not scored in time are pending, decided without, and scored in the background', async (t) => {
  const url = host.serve('/slow.jpg', await noise(100, 100, 2).jpeg().toBuffer(), { type: 'image/jpeg', held: true })
  const items = [{ id: 'slow', image: { url }, labels: [{ name: 'racy', score: 0.9 }] }, { id: 'text', text: 'hello' }]
  const started = performance.now()
  const res = await score(app, { userId: 'u1', imageBudgetMs: 40, items })
  const elapsed = performance.now() - started
  t.ok(elapsed < 1000, `answered without waiting for the image (${elapsed.toFixed(0)} ms)`)
  const body = res.json()
  t.ok(ScoreResponseSchema.safeParse(body).success)
  t.same(body.meta.pendingImages, ['slow'])
  t.equal(body.meta.degraded, false)
  t.match(body.decisions[0], { action: 'blur', reasons: [{ source: 'label:racy' }], scores: { suggestive: 0.9 } }, 'decided on what was there')
  t.notOk('sexual' in body.decisions[0].scores)

  host.release('/slow.jpg')
  // A budget of 0 answers from the caches only: the image is scored once its background job is done.
  let later = body
  await eventually(async () => !('pendingImages' in (later = (await score(app, { userId: 'u1', imageBudgetMs: 0, items })).json()).meta))
  t.ok('sexual' in later.decisions[0].scores, 'the background work filled the cache')
  t.equal(host.hits('/slow.jpg'), 1)
})

t.test('imageBudgetMs is bounded', async (t) => {
  for (const imageBudgetMs of [-1, 5001, 1.5, '10']) {
    const res = await score(app, { userId: 'u1', imageBudgetMs, items: [{ id: 'a' }] })
    t.equal(res.statusCode, 400, String(imageBudgetMs))
    t.match(res.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.imageBudgetMs' }] })
  }
})

t.test('by default no URL is fetched: the item says so', async (t) => {
  const closed = await build(t)
  const res = await score(closed, { userId: 'u1', items: [{ id: 'a', image: { url: 'https://cdn.example/t.jpg' } }] })
  t.same(res.json().meta.skippedImages, [{ id: 'a', reason: 'url_fetching_disabled' }])
})

t.test('replicas share image scores through Redis, within the request’s one round trip', async (t) => {
  const prefix = testPrefix()
  const redis = await storeClient(t, prefix)
  const env = { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix }
  // The second replica answers from the caches only: it can only have the scores from Redis.
  const [one, two] = [await build(t, { ...env, IMAGE_BUDGET_MS: '3000' }), await build(t, { ...env, IMAGE_BUDGET_MS: '0' })]
  const items = [{ id: 'p', image: { data: b64(await noise(64, 48, 3).png().toBuffer()) } }]
  const first = (await score(one, { userId: 'u1', items })).json()
  t.ok('sexual' in first.decisions[0].scores, 'scored by the first replica')
  await eventually(async () => (await keysMatching(redis, `${prefix}img:*`)).length === 1)
  const second = (await score(two, { userId: 'u1', items })).json()
  t.notOk('pendingImages' in second.meta)
  t.same(second.decisions, first.decisions)
})
