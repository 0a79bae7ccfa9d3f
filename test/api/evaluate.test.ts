import t from 'tap'
import { EvaluationSchema } from '../../src/api/schemas/policy.js'
import { pictureAsPng } from '../helpers/pictures.js'
import { build, keysMatching, redisEnv, storeClient, testPrefix } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>
const post = (app: App, url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object })

t.test('with the shipped models on Redis: the decision explained, and nothing written anywhere', async (t) => {
  const prefix = testPrefix()
  const admin = await storeClient(t, prefix)
  const app = await build(t, { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix, DECISION_SAMPLE_RATE: '1' })
  const image = (await pictureAsPng(1)).toString('base64')
  // what start-up wrote (the data-set marker), before anything is tried
  const before = (await keysMatching(admin, `${prefix}*`)).sort()
  const res = await post(app, '/v1/policy/evaluate', {
    item: { text: 'Huge SPOILER: the ending', labels: [{ name: 'nudity', score: 0.75 }], image: { data: image } },
    surface: 'for_you',
    rules: { keywords: [{ value: 'spoiler', action: 'blur' }], categories: {} }
  })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(EvaluationSchema.safeParse(body).success, 'the answer matches its schema')
  t.equal(body.decision.action, 'blur')
  t.match(body.decision.reasons, [{ type: 'keyword', field: 'text', match: 'SPOILER', start: 5, end: 12 }, { type: 'category', category: 'sexual', score: 0.75, threshold: 0.7 }])
  t.match(body.categories.find((c: { category: string }) => c.category === 'sexual'), { score: 0.75, source: 'label:nudity', blurAt: 0.7, hideAt: 0.9 })
  t.equal(body.sensitivity, 'standard')
  t.equal(body.models.length, 2, 'the text model and the image model')
  t.match(body.categories.find((c: { category: string }) => c.category === 'suggestive'), { source: /^model:/ })
  t.same((await keysMatching(admin, `${prefix}*`)).sort(), before, 'no score cache, no decision counts, no sample')

  const broken = await post(app, '/v1/policy/evaluate', { item: { text: 'hello', image: { data: Buffer.from('not an image').toString('base64') } } })
  t.equal(broken.statusCode, 200)
  t.match(broken.json(), { decision: { action: 'allow' }, imageSkipped: /\S/ })
  t.same((await keysMatching(admin, `${prefix}*`)).sort(), before)
})

t.test('a user\'s stored rules, settings overridden; floors make thresholds stricter; bad input is 400', async (t) => {
  const app = await build(t, { IMAGE_MAX_BYTES: '1024' }, { models: [] })
  await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { keywords: [{ value: '#cats', action: 'hide' }] } })
  const item = { text: 'look', hashtags: ['Cats'], labels: [{ name: 'sexual', score: 0.35 }] }
  const stored = await post(app, '/v1/policy/evaluate', { item, userId: 'u1', surface: 'search' })
  t.match(stored.json(), { decision: { action: 'hide', reasons: [{ type: 'hashtag', field: 'hashtags[0]' }] }, sensitivity: 'standard', models: [] })
  t.equal(stored.json().decision.reasons.length, 1, '0.35 is below standard thresholds')

  const teen = await post(app, '/v1/policy/evaluate', { item: { labels: item.labels }, userId: 'u1', ageBand: '13-15' })
  t.match(teen.json(), { decision: { action: 'hide', reasons: [{ type: 'category', basis: 'floor', floor: 'minor:13-15' }] }, sensitivity: 'strict' })
  t.match(teen.json().categories, [{ category: 'sexual', blurAt: 0.3, hideAt: 0.6 }])
  const strict = await post(app, '/v1/policy/evaluate', { item: { labels: item.labels }, sensitivity: 'strict', restrictedMode: false })
  t.match(strict.json(), { decision: { action: 'blur' }, sensitivity: 'strict' })
  t.match((await post(app, '/v1/policy/evaluate', { item: { text: 'x' } })).json(), { decision: { id: 'try-it', action: 'allow', reasons: [] }, categories: [] })

  const noModel = await post(app, '/v1/policy/evaluate', { item: { image: { data: Buffer.from('abc').toString('base64') } } })
  t.match(noModel.json(), { imageSkipped: 'no image model' })
  const large = await post(app, '/v1/policy/evaluate', { item: { image: { data: Buffer.alloc(2048).toString('base64') } } })
  t.match(large.json(), { statusCode: 400, code: 'FG_LIMIT_EXCEEDED', details: [{ path: 'body.item.image.data' }] })
  const badRules = await post(app, '/v1/policy/evaluate', { item: { text: 'x' }, rules: { sensitivity: 'extreme' } })
  t.match(badRules.json(), { statusCode: 400, code: 'FG_VALIDATION', details: [{ path: 'body.rules.sensitivity' }] })
  const url = await post(app, '/v1/policy/evaluate', { item: { image: { url: 'https://example.com/a.jpg' } } })
  t.match(url.json(), { statusCode: 400, code: 'FG_VALIDATION' })
  t.equal((await app.inject({ method: 'GET', url: '/v1/users/u1/rules' })).json().version, 1, 'the stored rules are unchanged')
})

t.test('a text model reason is explained with the spans behind it, as in /v1/score', async (t) => {
  const app = await build(t)
  const text = 'Ｗｏｗ 😀 you are a stupid idiot'
  const res = await post(app, '/v1/policy/evaluate', { item: { text, overlayText: 'nice one idiot' } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(EvaluationSchema.safeParse(body).success, 'the answer matches its schema')
  const toxicity = body.decision.reasons.find((r: { category?: string }) => r.category === 'toxicity')
  t.match(toxicity, { type: 'category', source: /^model:/ })
  const covered = toxicity.spans.map((s: { field: 'text' | 'overlayText'; start: number; end: number }) => ({ text, overlayText: 'nice one idiot' })[s.field].slice(s.start, s.end))
  t.ok(covered.some((words: string) => words.includes('idiot')), JSON.stringify(covered))
  t.ok(toxicity.spans.some((s: { field: string }) => s.field === 'overlayText'), 'spans in either field')
})
