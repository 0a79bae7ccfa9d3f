import t from 'tap'
import { ScoreResponseSchema } from '../../src/api/schemas/score.js'
import { build, redisEnv, startRedis, storeClient, testPrefix } from '../helpers/app.js'
import { editedPicture, pictureAsPng, pictureHash } from '../helpers/pictures.js'
import { imageHost } from '../helpers/image-host.js'

type App = Awaited<ReturnType<typeof build>>

const post = (app: App, url: string, payload: object) => app.inject({ method: 'POST', url, payload })
/** Item and entry images from the test's own host on 127.0.0.1 (never allowed in production). */
const LOCAL_IMAGES = { IMAGE_ALLOWED_HOSTS: '127.0.0.1', IMAGE_ALLOW_HTTP: 'true', IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true' }
const banked = async () => (await pictureAsPng(1)).toString('base64')

const score = (app: App, userId: string, data: string, more: object = {}) =>
  app.inject({ method: 'POST', url: '/v1/score', payload: { userId, items: [{ id: 'v1', image: { data }, ...more }] } })

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

t.test('banks: create, list with counts, read, disable, describe, delete', async (t) => {
  const app = await build(t)
  const created = await post(app, '/v1/banks', { name: 'known-csam', description: 'from the industry hash list' })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { name: 'known-csam', enabled: true, description: 'from the industry hash list', entries: 0, createdAt: /^\d{4}-\d\d-\d\dT/ })
  t.match((await post(app, '/v1/banks', { name: 'known-csam' })).json(), { statusCode: 409, code: 'FG_BANK_EXISTS' })
  t.equal((await post(app, '/v1/banks', { name: 'spam', enabled: false })).statusCode, 201)
  await post(app, '/v1/banks/known-csam/entries', { hash: pictureHash(1) })

  const list = await app.inject({ method: 'GET', url: '/v1/banks' })
  t.same(
    list.json().banks.map((b: { name: string; enabled: boolean; entries: number }) => [b.name, b.enabled, b.entries]),
    [
      ['known-csam', true, 1],
      ['spam', false, 0]
    ]
  )
  t.match((await app.inject({ method: 'GET', url: '/v1/banks/spam' })).json(), { name: 'spam', enabled: false, entries: 0 })
  const patched = await app.inject({ method: 'PATCH', url: '/v1/banks/known-csam', payload: { enabled: false, description: null } })
  t.equal(patched.statusCode, 200)
  t.notOk('description' in patched.json())
  t.match(patched.json(), { enabled: false, entries: 1 })
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/banks/spam' })).statusCode, 204)
  const missing = await app.inject({ method: 'GET', url: '/v1/banks/spam' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { statusCode: 404, code: 'FG_BANK_NOT_FOUND', error: 'Not Found', message: 'hash bank spam not found' })
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/banks/spam' })).statusCode, 404)
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/banks/spam', payload: { enabled: true } })).statusCode, 404)
})

t.test('the bank routes are in the OpenAPI document', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  const { paths, components } = res.json()
  t.ok(paths['/v1/banks'].post && paths['/v1/banks'].get)
  t.ok(paths['/v1/banks/{bank}'].get && paths['/v1/banks/{bank}'].patch && paths['/v1/banks/{bank}'].delete)
  t.ok(paths['/v1/banks/{bank}/entries'].post && paths['/v1/banks/{bank}/entries'].get)
  t.ok(paths['/v1/banks/{bank}/entries/{entryId}'].delete)
  t.ok(components.schemas.HashBank && components.schemas.HashBankEntry)
})

t.test('bank names follow the configured pattern', async (t) => {
  const app = await build(t, { BANK_NAME_PATTERN: '^[a-z]+$' })
  const res = await post(app, '/v1/banks', { name: 'Not-Allowed' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.name', message: 'bank names match ^[a-z]+$' }] })
  t.equal((await app.inject({ method: 'GET', url: '/v1/banks/UPPER' })).statusCode, 400)
  t.equal((await post(app, '/v1/banks', { name: 'fine' })).statusCode, 201)
})

t.test('entries: one or a batch, by hash or by image; listed a page at a time; removed', async (t) => {
  const app = await build(t)
  await post(app, '/v1/banks', { name: 'known' })
  const one = await post(app, '/v1/banks/known/entries', { hash: pictureHash(1).toUpperCase(), contentId: 'video-1', action: 'blur' })
  t.equal(one.statusCode, 201)
  t.match(one.json(), { entries: [{ id: /^e/, hash: pictureHash(1), contentId: 'video-1', action: 'blur', addedAt: /T/ }] })
  const batch = await post(app, '/v1/banks/known/entries', {
    entries: [{ image: { data: (await pictureAsPng(4)).toString('base64') } }, { hash: '0f'.repeat(32), contentId: 'c' }]
  })
  t.equal(batch.statusCode, 201)
  t.same(
    batch.json().entries.map((e: { hash: string; action: string }) => [e.hash, e.action]),
    [
      [pictureHash(4), 'hide'],
      ['0f'.repeat(32), 'hide']
    ]
  )
  const again = await post(app, '/v1/banks/known/entries', { hash: pictureHash(1) })
  t.equal(again.json().entries[0].id, one.json().entries[0].id, 'a hash already in the bank updates its entry')
  t.equal(again.json().entries[0].action, 'hide')

  const first = await app.inject({ method: 'GET', url: '/v1/banks/known/entries?limit=2' })
  t.equal(first.statusCode, 200)
  t.equal(first.json().entries.length, 2)
  const rest = await app.inject({ method: 'GET', url: `/v1/banks/known/entries?limit=2&after=${first.json().next}` })
  t.same(rest.json().next, null)
  t.equal(rest.json().entries.length, 1)
  const all = [...first.json().entries, ...rest.json().entries].map((e: { id: string }) => e.id)
  t.same(all, [...all].sort(), 'in id order')

  const id = one.json().entries[0].id
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/banks/known/entries/${id}` })).statusCode, 204)
  t.match((await app.inject({ method: 'DELETE', url: `/v1/banks/known/entries/${id}` })).json(), { statusCode: 404, code: 'FG_BANK_ENTRY_NOT_FOUND' })
  t.match((await app.inject({ method: 'GET', url: '/v1/banks/nope/entries' })).json(), { code: 'FG_BANK_NOT_FOUND' })
  t.match((await post(app, '/v1/banks/nope/entries', { hash: pictureHash(1) })).json(), { code: 'FG_BANK_NOT_FOUND' })
})

t.test('bad entries are 400 naming the entry, and nothing is stored', async (t) => {
  const app = await build(t, { MAX_BANK_ENTRIES_PER_REQUEST: '2' })
  await post(app, '/v1/banks', { name: 'known' })
  const cases: Array<[object, string, RegExp]> = [
    [{ hash: 'abc' }, 'body.hash', /64 hexadecimal digits/],
    [{ contentId: 'c' }, 'body', /exactly one of hash or image/],
    [{ hash: pictureHash(1), image: { data: 'AAAA' } }, 'body', /exactly one of hash or image/],
    [{ image: {} }, 'body.image', /exactly one of url or data/],
    [{ entries: [{ hash: pictureHash(1) }, { image: { data: 'not base64!' } }] }, 'body.entries.1.image.data', /./],
    [{ entries: [{ hash: pictureHash(1) }], hash: pictureHash(2) }, 'body', /either one entry or entries/],
    [{ entries: [{ hash: pictureHash(1) }, { hash: pictureHash(2) }, { hash: pictureHash(4) }] }, 'body.entries', /./],
    [{ hash: pictureHash(1), action: 'allow' }, 'body.action', /./]
  ]
  for (const [payload, path, message] of cases) {
    const res = await post(app, '/v1/banks/known/entries', payload)
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 80))
    t.match(res.json(), { code: 'FG_VALIDATION', details: [{ path, message }] })
  }
  const notAnImage = await post(app, '/v1/banks/known/entries', {
    entries: [{ hash: pictureHash(1) }, { image: { data: Buffer.from('just some text').toString('base64') } }]
  })
  t.equal(notAnImage.statusCode, 400)
  t.match(notAnImage.json(), { code: 'FG_IMAGE_INVALID', message: /^body\.entries\.1\.image: not a decodable image/, details: [{ path: 'body.entries.1.image' }] })
  const url = await post(app, '/v1/banks/known/entries', { image: { url: 'https://cdn.example/a.jpg' } })
  t.equal(url.statusCode, 400)
  t.match(url.json(), {
    code: 'FG_IMAGE_FETCH_FAILED',
    message: 'body.image: image could not be fetched: host cdn.example is not on the image allowlist',
    details: [{ path: 'body.image' }]
  })
  t.equal((await app.inject({ method: 'GET', url: '/v1/banks/known' })).json().entries, 0)
})

t.test('entries by image url are fetched through the safe image fetcher, with its allowlist', async (t) => {
  const host = await imageHost(t)
  const url = host.serve('/a.png', await pictureAsPng(1))
  const app = await build(t, LOCAL_IMAGES)
  await post(app, '/v1/banks', { name: 'known' })
  const added = await post(app, '/v1/banks/known/entries', { image: { url }, contentId: 'from-url' })
  t.equal(added.statusCode, 201)
  t.match(added.json().entries, [{ hash: pictureHash(1), contentId: 'from-url' }])
  const missing = await post(app, '/v1/banks/known/entries', { entries: [{ image: { url: `${host.origin}/missing.png` } }] })
  t.match(missing.json(), { statusCode: 400, code: 'FG_IMAGE_FETCH_FAILED', details: [{ path: 'body.entries.0.image', message: /answered 404/ }] })
})

t.test('/v1/score: a banked image is hidden for every user, whatever their settings, with bank and distance', async (t) => {
  const app = await build(t)
  await post(app, '/v1/banks', { name: 'known' })
  const added = await post(app, '/v1/banks/known/entries', { image: { data: await banked() }, contentId: 'case-42' })
  const entryId = added.json().entries[0].id
  await app.inject({
    method: 'PUT',
    url: '/v1/users/relaxed/rules',
    payload: { sensitivity: 'relaxed', categories: { sexual: 'allow', violence: 'allow' } }
  })

  for (const userId of ['anyone', 'relaxed', 'the-author']) {
    const res = await score(app, userId, await banked(), { author: { id: 'the-author' } })
    t.equal(res.statusCode, 200)
    t.ok(ScoreResponseSchema.safeParse(res.json()).success, 'the response matches its documented schema')
    const [decision] = res.json().decisions
    t.equal(decision.action, 'hide', userId)
    t.same(decision.reasons, [{ type: 'hash', action: 'hide', bank: 'known', distance: 0, contentId: 'case-42', entryId }])
  }
  const edited = await score(app, 'anyone', (await editedPicture(1)).toString('base64'))
  const [reason] = edited.json().decisions[0].reasons
  t.match(reason, { type: 'hash', bank: 'known', entryId })
  t.ok(reason.distance > 0 && reason.distance <= 31, `a re-encoded, resized copy is ${reason.distance} bits away`)
  t.same((await score(app, 'anyone', (await pictureAsPng(4)).toString('base64'))).json().decisions[0].reasons, [])

  await app.inject({ method: 'PATCH', url: '/v1/banks/known', payload: { enabled: false } })
  t.equal((await score(app, 'anyone', await banked())).json().decisions[0].action, 'allow', 'a disabled bank is not matched')
})

t.test('/v1/score: a banked image behind image.url is hidden on the request that brings it, even while its model scores are pending', async (t) => {
  const host = await imageHost(t)
  const png = await pictureAsPng(1)
  const app = await build(t, LOCAL_IMAGES)
  await post(app, '/v1/banks', { name: 'known' })
  const entryId = (await post(app, '/v1/banks/known/entries', { hash: pictureHash(1), contentId: 'case-7' })).json().entries[0].id
  const byUrl = (url: string, imageBudgetMs: number) =>
    app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'anyone', imageBudgetMs, items: [{ id: 'v1', image: { url } }] } })

  const waited = (await byUrl(host.serve('/a.png', png), 5000)).json()
  t.same(waited.decisions[0].reasons, [{ type: 'hash', action: 'hide', bank: 'known', distance: 0, contentId: 'case-7', entryId }], 'scored within the budget: matched at once')

  // Budget 0: no model score is waited for, but the image's hash is (it is known once the image is fetched and decoded).
  const later = host.serve('/b.png', png)
  const first = (await byUrl(later, 0)).json()
  t.same(first.meta.pendingImages, ['v1'], 'its model scores are still pending')
  t.equal(first.decisions[0].action, 'hide', 'hidden all the same')
  t.same(first.decisions[0].reasons, [{ type: 'hash', action: 'hide', bank: 'known', distance: 0, contentId: 'case-7', entryId }])
  await until(async () => (await byUrl(later, 0)).json().meta.pendingImages === undefined, 10_000)
  t.match((await byUrl(later, 0)).json().decisions[0].reasons, [{ type: 'hash', bank: 'known', entryId }], 'and from the cache its background work fills')
  t.equal(host.hits('/b.png'), 1, 'fetched once')
})

t.test('two replicas on one Redis: a bank change on one is matched by the other within a second', async (t) => {
  // The suite's Redis, one node or a cluster (test:cluster); the next test stops its Redis, so has its own.
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const env = { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix }
  const a = await build(t, env)
  const b = await build(t, env)
  const data = await banked()
  const actionOnB = async () => (await score(b, 'u', data)).json().decisions[0].action
  t.equal(await actionOnB(), 'allow')

  await post(a, '/v1/banks', { name: 'known' })
  const added = await post(a, '/v1/banks/known/entries', { hash: pictureHash(1), action: 'blur' })
  let started = Date.now()
  await until(async () => (await actionOnB()) === 'blur', 1000)
  t.ok(Date.now() - started < 1000, 'added')

  started = Date.now()
  await a.inject({ method: 'PATCH', url: '/v1/banks/known', payload: { enabled: false } })
  await until(async () => (await actionOnB()) === 'allow', 1000)
  await a.inject({ method: 'PATCH', url: '/v1/banks/known', payload: { enabled: true } })
  await until(async () => (await actionOnB()) === 'blur', 1000)
  await a.inject({ method: 'DELETE', url: `/v1/banks/known/entries/${added.json().entries[0].id}` })
  await until(async () => (await actionOnB()) === 'allow', 1000)
  t.ok(Date.now() - started < 3000, 'disabled, enabled, removed')

  t.match((await b.inject({ method: 'GET', url: '/readyz' })).json(), { checks: { hashBanks: { ok: true, detail: '0 entries in 1 enabled banks' } } })
})

t.test('Redis down: bank writes answer 503 and store nothing; scoring still matches from memory', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const app = await build(t, { REDIS_URL: server.url, REDIS_KEY_PREFIX: testPrefix() })
  await post(app, '/v1/banks', { name: 'known' })
  await post(app, '/v1/banks/known/entries', { hash: pictureHash(1) })
  await server.stop()

  const write = await post(app, '/v1/banks/known/entries', { hash: pictureHash(4) })
  t.equal(write.statusCode, 503)
  t.match(write.json(), { code: 'FG_STORE_UNAVAILABLE', message: /^hash bank store unavailable: .*nothing was changed$/ })
  t.equal((await post(app, '/v1/banks', { name: 'other' })).statusCode, 503)
  t.equal((await app.inject({ method: 'GET', url: '/v1/banks' })).statusCode, 503)
  const scored = await score(app, 'u', await banked())
  t.equal(scored.statusCode, 200)
  t.equal(scored.json().decisions[0].action, 'hide', 'the index is in memory')
})
