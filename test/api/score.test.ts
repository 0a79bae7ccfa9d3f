import t from 'tap'
import { ScoreResponseSchema } from '../../src/api/schemas/score.js'
import { build } from '../helpers/app.js'

const score = (app: Awaited<ReturnType<typeof build>>, payload: unknown) =>
  app.inject({ method: 'POST', url: '/v1/score', payload: payload as object })

t.test('the API.md example: a muted keyword in a hashtag and an upstream nudity label', async (t) => {
  const app = await build(t)
  const added = await app.inject({
    method: 'POST',
    url: '/v1/users/u1/rules/keywords',
    payload: { value: 'spoiler' }
  })
  t.equal(added.statusCode, 201)
  const ruleId = added.json().id

  const res = await score(app, {
    userId: 'u1',
    surface: 'for_you',
    items: [
      {
        id: 'v1',
        text: 'caption text #SpoilerAlert',
        hashtags: ['spoileralert'],
        lang: 'en',
        author: { id: 'a1', handle: 'someone', name: 'Some One', followed: false },
        labels: [{ name: 'nudity', score: 0.97 }]
      },
      { id: 'v2', text: 'a calm video about sand' }
    ]
  })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(ScoreResponseSchema.safeParse(body).success, 'the response matches its documented schema')
  t.equal(body.userId, 'u1')
  t.same(body.decisions.map((d: { id: string }) => d.id), ['v1', 'v2'])
  const [first, second] = body.decisions
  t.equal(first.action, 'hide')
  t.match(first.reasons[0], {
    type: 'keyword',
    action: 'hide',
    ruleId,
    value: 'spoiler',
    field: 'text',
    match: '#SpoilerAlert',
    start: 13,
    end: 26
  })
  t.match(first.reasons, [
    {},
    { type: 'category', action: 'hide', category: 'sexual', score: 0.97, threshold: 0.9, source: 'label:nudity' }
  ])
  t.equal(first.scores.sexual, 0.97)
  t.match(second, { id: 'v2', action: 'allow', reasons: [] })
  t.ok(second.scores.toxicity < 0.2, 'the text model scores every item with text')
  t.match(body.meta, { rulesVersion: 1, degraded: false })
  t.ok(body.meta.models.includes('feedguard-text@1.0.0'))
  t.match(body.meta.policyVersion, /\S/)
  t.notOk('degradedReasons' in body.meta)
})

t.test('explain=false leaves the scores out; surface defaults to for_you; labels default to score 1', async (t) => {
  const app = await build(t)
  const res = await score(app, {
    userId: 'u2',
    explain: false,
    items: [{ id: 'x', labels: [{ name: 'gore' }] }]
  })
  t.equal(res.statusCode, 200)
  const [decision] = res.json().decisions
  t.notOk('scores' in decision)
  t.match(decision.reasons[0], { category: 'violence', score: 1, source: 'label:gore', action: 'hide' })
})

t.test('validation errors are 400 FG_VALIDATION listing each problem with its path', async (t) => {
  const app = await build(t, { MAX_ITEMS_PER_REQUEST: '2' })
  const res = await score(app, {
    userId: '',
    surface: 'somewhere',
    items: [{ text: 'no id' }, { id: 'b', image: { data: 'not base64!' } }]
  })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.code, 'FG_VALIDATION')
  t.equal(body.error, 'Bad Request')
  const paths = body.details.map((d: { path: string }) => d.path)
  t.ok(paths.includes('body.userId'), 'userId')
  t.ok(paths.includes('body.surface'), 'surface')
  t.ok(paths.includes('body.items.0.id'), 'the item without an id')
  t.ok(paths.includes('body.items.1.image.data'), 'bad base64')
  t.match(body.message, 'body.items.0.id')

  const both = await score(app, { userId: 'u', items: [{ id: 'a' }, { id: 'b', image: { url: 'https://cdn.example/t.jpg', data: 'AAAA' } }] })
  t.equal(both.statusCode, 400)
  t.match(both.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.items.1.image', message: /exactly one of url or data/ }] })

  const tooMany = await score(app, { userId: 'u', items: [{ id: '1' }, { id: '2' }, { id: '3' }] })
  t.equal(tooMany.statusCode, 400)
  t.match(tooMany.json().details, [{ path: 'body.items' }])
  const none = await score(app, { userId: 'u', items: [] })
  t.equal(none.statusCode, 400)

  // Lengths count UTF-16 units, as the zod schema (and the rules API) does: 64 emoji are 128 units.
  const emoji = '\u{1F600}'
  t.equal((await score(app, { userId: emoji.repeat(64), items: [{ id: 'a' }] })).statusCode, 200)
  const long = await score(app, { userId: emoji.repeat(65), items: [{ id: 'a' }] })
  t.equal(long.statusCode, 400)
  t.match(long.json().details, [{ path: 'body.userId' }])
})

t.test('a field the API does not know is refused, naming it: a misspelt one would otherwise be scored as absent', async (t) => {
  const app = await build(t)
  const res = await score(app, {
    userId: 'u',
    items: [
      { id: 'a', caption: 'misspelt text' },
      { id: 'b', text: 'ok', author: { id: 'c', verified: true }, image: { url: 'https://cdn.example/t.jpg', alt: 'x' }, labels: [{ name: 'gore', confidence: 1 }] }
    ],
    explainSpans: true
  })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'FG_VALIDATION')
  t.same(
    res.json().details.map((d: { path: string; message: string }) => [d.path, d.message]).sort(),
    [
      ['body.explainSpans', 'unknown field'],
      ['body.items.0.caption', 'unknown field'],
      ['body.items.1.author.verified', 'unknown field'],
      ['body.items.1.image.alt', 'unknown field'],
      ['body.items.1.labels.0.confidence', 'unknown field']
    ]
  )
  t.match(res.json().message, 'body.items.0.caption')
})

t.test('bad JSON is 400, an oversize body 413, another media type 415, an unknown route 404', async (t) => {
  const app = await build(t, { BODY_LIMIT_BYTES: '2048' })
  const badJson = await app.inject({
    method: 'POST',
    url: '/v1/score',
    headers: { 'content-type': 'application/json' },
    payload: '{"userId": "u", "items": [ '
  })
  t.equal(badJson.statusCode, 400)
  t.equal(badJson.json().code, 'FG_BAD_JSON')
  const empty = await app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().code, 'FG_BAD_JSON')

  const big = await score(app, { userId: 'u', items: [{ id: '1', text: 'x'.repeat(5000) }] })
  t.equal(big.statusCode, 413)
  t.equal(big.json().code, 'FG_PAYLOAD_TOO_LARGE')

  const text = await app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'application/xml' }, payload: '<score/>' })
  t.equal(text.statusCode, 415)
  t.equal(text.json().code, 'FG_UNSUPPORTED_MEDIA_TYPE')

  const plain = await app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'text/plain' }, payload: 'hi' })
  t.equal(plain.statusCode, 400)
  t.equal(plain.json().code, 'FG_VALIDATION')

  const missing = await app.inject({ method: 'GET', url: '/v2/nothing?x=1' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { statusCode: 404, code: 'FG_NOT_FOUND', error: 'Not Found', message: 'no route GET /v2/nothing' })
})

t.test('a request id is echoed, and taken from x-request-id when given', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'req-42' } })
  t.equal(res.headers['x-request-id'], 'req-42')
})
