import t from 'tap'
import { RulesDocumentSchema } from '../../src/api/schemas/rules.js'
import { build, redisEnv, storeClient, testPrefix } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>

/** The rules API behaves the same on the embedded store and on Redis. */
for (const storeKind of ['memory', 'redis'] as const) {
  const makeApp = async (t: Parameters<typeof build>[0], env: Record<string, string> = {}): Promise<App> => {
    if (storeKind === 'memory') return build(t, env)
    const prefix = testPrefix()
    await storeClient(t, prefix)
    return build(t, { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix, ...env })
  }

  t.test(`${storeKind}: the rules document lifecycle`, async (t) => {
    const app = await makeApp(t)
    const initial = await app.inject({ method: 'GET', url: '/v1/users/u1/rules' })
    t.equal(initial.statusCode, 200)
    t.same(initial.json(), {
      version: 0,
      sensitivity: 'standard',
      ageBand: 'adult',
      restrictedMode: false,
      categories: {},
      keywords: [],
      authors: [],
      learned: []
    })

    const put = await app.inject({
      method: 'PUT',
      url: '/v1/users/u1/rules',
      payload: {
        sensitivity: 'strict',
        ageBand: '13-15',
        categories: { profanity: 'allow', violence: 'blur' },
        keywords: [
          { value: 'spoiler', expiresAt: '2099-12-01T00:00:00+01:00', surfaces: ['for_you'] },
          { id: 'mine', value: '#nsfw', mode: 'substring' }
        ],
        authors: [{ id: 'a9' }]
      }
    })
    t.equal(put.statusCode, 200)
    const doc = put.json()
    t.ok(RulesDocumentSchema.safeParse(doc).success)
    t.equal(doc.version, 1)
    t.equal(put.headers.etag, '"1"')
    t.match(doc.keywords[0], {
      id: /^k_/,
      value: 'spoiler',
      mode: 'word',
      targets: ['content', 'hashtags'],
      action: 'hide',
      expiresAt: '2099-11-30T23:00:00.000Z',
      surfaces: ['for_you'],
      exceptFollowing: false
    })
    t.match(doc.keywords[1], { id: 'mine', targets: ['hashtags'], mode: 'substring' }, 'a #value targets hashtags only')
    t.same(doc.authors, [{ id: 'a9', action: 'hide', expiresAt: null }])
    t.same((await app.inject({ method: 'GET', url: '/v1/users/u1/rules' })).json(), doc)

    const conflict = await app.inject({
      method: 'PUT',
      url: '/v1/users/u1/rules',
      headers: { 'if-match': '0' },
      payload: { sensitivity: 'relaxed' }
    })
    t.equal(conflict.statusCode, 409)
    t.equal(conflict.json().code, 'FG_RULES_CONFLICT')
    t.equal((await app.inject({ method: 'GET', url: '/v1/users/u1/rules' })).json().sensitivity, 'strict', 'nothing changed')

    const matched = await app.inject({
      method: 'PUT',
      url: '/v1/users/u1/rules',
      headers: { 'if-match': '"1"' },
      payload: { sensitivity: 'relaxed' }
    })
    t.equal(matched.statusCode, 200)
    t.equal(matched.json().version, 2)

    const badIfMatch = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', headers: { 'if-match': 'abc' }, payload: {} })
    t.equal(badIfMatch.statusCode, 400)
    t.match(badIfMatch.json().details, [{ path: 'headers.if-match' }])

    const deleted = await app.inject({ method: 'DELETE', url: '/v1/users/u1/rules' })
    t.equal(deleted.statusCode, 204)
    const afterDelete = await app.inject({ method: 'GET', url: '/v1/users/u1/rules' })
    t.same(afterDelete.json(), { ...initial.json(), version: 3 }, 'the defaults, at the version the delete made')
    t.equal(afterDelete.headers.etag, '"3"')
  })

  t.test(`${storeKind}: a delete does not reopen old versions (PUT v1, DELETE, PUT If-Match 0, PUT If-Match 1)`, async (t) => {
    const app = await makeApp(t)
    const put = (ifMatch: string, sensitivity: string) =>
      app.inject({ method: 'PUT', url: '/v1/users/lost/rules', headers: { 'if-match': ifMatch }, payload: { sensitivity } })
    t.equal((await put('0', 'strict')).json().version, 1)
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/users/lost/rules' })).statusCode, 204)
    const first = await put('0', 'relaxed')
    t.equal(first.statusCode, 409, 'If-Match 0 is from before the first write')
    t.equal(first.json().code, 'FG_RULES_CONFLICT')
    const second = await put('1', 'strict')
    t.equal(second.statusCode, 409, 'If-Match 1 is from before the delete')
    t.equal(second.json().code, 'FG_RULES_CONFLICT')
    const current = await app.inject({ method: 'GET', url: '/v1/users/lost/rules' })
    t.equal(current.json().sensitivity, 'standard', 'nothing overwrote the delete')
    const fresh = await put(current.headers.etag as string, 'relaxed')
    t.equal(fresh.statusCode, 200)
    t.equal(fresh.json().version, 3)
  })

  t.test(`${storeKind}: keyword and author sub-resources`, async (t) => {
    const app = await makeApp(t)
    const created = await app.inject({
      method: 'POST',
      url: '/v1/users/u2/rules/keywords',
      payload: { value: 'cat', action: 'blur', exceptFollowing: true }
    })
    t.equal(created.statusCode, 201)
    const rule = created.json()
    t.match(rule, { id: /^k_/, value: 'cat', action: 'blur', exceptFollowing: true, expiresAt: null })

    const again = await app.inject({ method: 'POST', url: '/v1/users/u2/rules/keywords', payload: { value: 'CAT' } })
    t.equal(again.json().id, rule.id, 're-adding the same keyword updates it instead of duplicating it')
    t.equal((await app.inject({ method: 'GET', url: '/v1/users/u2/rules' })).json().keywords.length, 1)

    const withId = await app.inject({ method: 'POST', url: '/v1/users/u2/rules/keywords', payload: { id: 'x', value: 'dog' } })
    t.equal(withId.statusCode, 400, 'the server assigns ids')

    const author = await app.inject({
      method: 'POST',
      url: '/v1/users/u2/rules/authors',
      payload: { id: 'creator-1', expiresAt: '2099-01-01T00:00:00Z' }
    })
    t.equal(author.statusCode, 201)
    t.same(author.json(), { id: 'creator-1', action: 'hide', expiresAt: '2099-01-01T00:00:00.000Z' })

    t.equal((await app.inject({ method: 'DELETE', url: `/v1/users/u2/rules/keywords/${rule.id}` })).statusCode, 204)
    const gone = await app.inject({ method: 'DELETE', url: `/v1/users/u2/rules/keywords/${rule.id}` })
    t.equal(gone.statusCode, 404)
    t.equal(gone.json().code, 'FG_NOT_FOUND')
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/users/u2/rules/authors/creator-1' })).statusCode, 204)
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/users/u2/rules/authors/creator-1' })).statusCode, 404)
    const doc = (await app.inject({ method: 'GET', url: '/v1/users/u2/rules' })).json()
    t.same([doc.keywords, doc.authors], [[], []])
  })

  t.test(`${storeKind}: limits refuse a change with a clear 400 and store nothing`, async (t) => {
    const app = await makeApp(t, { MAX_KEYWORD_RULES: '3', MAX_AUTHOR_RULES: '1', MAX_KEYWORD_LENGTH: '10' })
    const tooMany = await app.inject({
      method: 'PUT',
      url: '/v1/users/u3/rules',
      payload: { keywords: ['a', 'b', 'c', 'd'].map((value) => ({ value })) }
    })
    t.equal(tooMany.statusCode, 400)
    t.match(tooMany.json(), { code: 'FG_LIMIT_EXCEEDED', message: /at most 3 keyword rules/, details: [{ path: 'keywords' }] })
    t.equal((await app.inject({ method: 'GET', url: '/v1/users/u3/rules' })).json().version, 0)

    const tooLong = await app.inject({ method: 'POST', url: '/v1/users/u3/rules/keywords', payload: { value: 'x'.repeat(11) } })
    t.equal(tooLong.statusCode, 400)
    t.match(tooLong.json(), { code: 'FG_LIMIT_EXCEEDED', details: [{ path: 'keywords.0.value' }] })

    t.equal((await app.inject({ method: 'POST', url: '/v1/users/u3/rules/authors', payload: { id: 'a' } })).statusCode, 201)
    const secondAuthor = await app.inject({ method: 'POST', url: '/v1/users/u3/rules/authors', payload: { id: 'b' } })
    t.equal(secondAuthor.statusCode, 400)
    t.equal(secondAuthor.json().code, 'FG_LIMIT_EXCEEDED')
    t.same((await app.inject({ method: 'GET', url: '/v1/users/u3/rules' })).json().authors.map((a: { id: string }) => a.id), ['a'])
  })

  t.test(`${storeKind}: malformed documents are refused with their paths`, async (t) => {
    const app = await makeApp(t)
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/users/u4/rules',
      payload: {
        sensitivity: 'extreme',
        categories: { gossip: 'hide' },
        keywords: [{ value: '  ' }, { value: 'ok', targets: [] }, { value: 'x', mode: 'regex' }],
        authors: [{ id: 'a' }, { id: 'a' }],
        colour: 'blue'
      }
    })
    t.equal(res.statusCode, 400)
    const paths = res.json().details.map((d: { path: string }) => d.path)
    for (const path of ['body.sensitivity', 'body.keywords.0.value', 'body.keywords.1.targets', 'body.keywords.2.mode']) {
      t.ok(paths.includes(path), path)
    }
    t.ok(paths.some((p: string) => p.startsWith('body.categories')), 'unknown category')

    const dupes = await app.inject({ method: 'PUT', url: '/v1/users/u4/rules', payload: { authors: [{ id: 'a' }, { id: 'a' }] } })
    t.equal(dupes.statusCode, 400)
    t.match(dupes.json().details, [{ path: 'authors.1.id' }])
    const dupeIds = await app.inject({
      method: 'PUT',
      url: '/v1/users/u4/rules',
      payload: { keywords: [{ id: 'k', value: 'a' }, { id: 'k', value: 'b' }] }
    })
    t.equal(dupeIds.statusCode, 400)
    const expired = await app.inject({
      method: 'PUT',
      url: '/v1/users/u4/rules',
      payload: { keywords: [{ value: 'old', expiresAt: '2001-01-01T00:00:00Z' }], authors: [{ id: 'z', expiresAt: '2001-01-01T00:00:00Z' }] }
    })
    t.same([expired.json().keywords, expired.json().authors], [[], []], 'rules that already expired are not stored')
  })
}
