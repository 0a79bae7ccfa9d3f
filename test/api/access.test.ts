import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import app, { fastifyOptions } from '../../src/app.js'
import { SCOPES, type Scope } from '../../src/auth/keys.js'
import { loadConfig } from '../../src/config.js'
import { bearer, keysFile, keysFileText, newKey, type TestKey } from '../helpers/keys.js'

type Tap = { teardown(fn: () => unknown): void }

/** The scope each /v1 route needs: the access contract (docs/API.md "Access"). */
const CONTRACT: Record<string, Scope> = {
  'POST /v1/score': 'score',
  'GET /v1/users/:userId/rules': 'rules:read',
  'HEAD /v1/users/:userId/rules': 'rules:read',
  'PUT /v1/users/:userId/rules': 'rules:write',
  'DELETE /v1/users/:userId/rules': 'rules:write',
  'POST /v1/users/:userId/rules/keywords': 'rules:write',
  'DELETE /v1/users/:userId/rules/keywords/:ruleId': 'rules:write',
  'POST /v1/users/:userId/rules/authors': 'rules:write',
  'DELETE /v1/users/:userId/rules/authors/:authorId': 'rules:write',
  'DELETE /v1/users/:userId/rules/learned/:learnedId': 'rules:write',
  'POST /v1/feedback': 'feedback',
  'GET /v1/items/:itemId': 'moderate',
  'HEAD /v1/items/:itemId': 'moderate',
  'POST /v1/items/:itemId/verdict': 'moderate',
  'GET /v1/creators/:authorId/reports': 'moderate',
  'HEAD /v1/creators/:authorId/reports': 'moderate',
  'GET /v1/insights': 'insights',
  'HEAD /v1/insights': 'insights',
  'GET /v1/policy': 'insights',
  'HEAD /v1/policy': 'insights',
  'POST /v1/policy/simulate': 'insights',
  'POST /v1/policy/evaluate': 'insights',
  'POST /v1/banks': 'banks',
  'GET /v1/banks': 'banks',
  'HEAD /v1/banks': 'banks',
  'GET /v1/banks/:bank': 'banks',
  'HEAD /v1/banks/:bank': 'banks',
  'PATCH /v1/banks/:bank': 'banks',
  'DELETE /v1/banks/:bank': 'banks',
  'POST /v1/banks/:bank/entries': 'banks',
  'GET /v1/banks/:bank/entries': 'banks',
  'HEAD /v1/banks/:bank/entries': 'banks',
  'DELETE /v1/banks/:bank/entries/:entryId': 'banks'
}

const PUBLIC = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/docs/static/index.html']

interface Route {
  method: HTTPMethods
  url: string
  scope?: Scope
  public?: boolean
}

function logCapture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    }
  })
  return { stream, lines }
}

/** The app, unencapsulated: its decorators (`auth`) and hooks reach routes a test adds beside it. */
const openApp = fp(app)

/** The app on real keys, with every route it registers and its log lines. */
async function buildWithKeys(t: Tap, env: Record<string, string>) {
  // No load shedding: on a loaded machine it would answer 503 before the keys are checked.
  const config = loadConfig({ LOG_LEVEL: 'info', SCORE_REDIS_BUDGET_MS: '1000', OVERLOAD_SHED_LOOP_DELAY_MS: '0', ...env })
  const { stream, lines } = logCapture()
  const server = Fastify(fastifyOptions(config, { level: 'info', stream }))
  const routes: Route[] = []
  server.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, ...route.config })
  })
  // No models: access does not depend on them, and loading them would only slow every build down.
  await server.register(openApp, { config, models: [] })
  await server.ready()
  t.teardown(() => server.close())
  return { server, routes, lines }
}

/** A concrete path for a route pattern. */
const pathOf = (url: string) => url.replace(/:(\w+)/g, (_, name: string) => (name === 'bank' ? 'nobank' : `x-${name}`))

const call = (server: FastifyInstance, method: HTTPMethods, url: string, key?: TestKey | string) =>
  server.inject({
    method,
    url,
    headers: key === undefined ? {} : typeof key === 'string' ? { authorization: key } : bearer(key),
    ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: {} } : {})
  })

const keyFor = Object.fromEntries(SCOPES.map((scope) => [scope, newKey(`key-${scope.replace(':', '-')}`, [scope])])) as Record<Scope, TestKey>

// One app with a key per scope serves the tests that do not change its keys.
const shared = await buildWithKeys(t, { AUTH_KEYS_FILE: keysFile(t, Object.values(keyFor)).path })

t.test('every /v1 route needs its scope: allowed with it or admin, 403 naming it otherwise, 401 without a key', async (t) => {
  const { server, routes } = shared

  const v1 = routes.filter((route) => route.url.startsWith('/v1/'))
  for (const route of v1) {
    const name = `${route.method} ${route.url}`
    t.ok(route.scope, `${name} declares a scope`)
    if (name in CONTRACT) t.equal(route.scope, CONTRACT[name], `${name} needs ${CONTRACT[name]}`)
  }
  t.same(Object.keys(CONTRACT).filter((name) => !v1.some((route) => `${route.method} ${route.url}` === name)), [], 'every route of the contract exists')

  for (const route of v1) {
    const name = `${route.method} ${route.url}`
    const path = pathOf(route.url)
    for (const scope of SCOPES) {
      const res = await call(server, route.method, path, keyFor[scope])
      if (scope === route.scope || scope === 'admin') {
        t.notOk([401, 403].includes(res.statusCode), `${name} with ${scope}: ${res.statusCode}`)
      } else {
        t.equal(res.statusCode, 403, `${name} refused with ${scope}`)
        if (route.method !== 'HEAD') {
          t.match(res.json(), { code: 'FG_FORBIDDEN', message: new RegExp(`scope ${route.scope}$`) })
        }
      }
    }
    const refused = {
      'no key': undefined,
      'an unknown key': 'Bearer not-a-key',
      'a known secret sent as Basic': `Basic ${keyFor.admin.secret}`,
      'a known secret without a scheme': keyFor.admin.secret
    }
    for (const [what, header] of Object.entries(refused)) {
      const res = await call(server, route.method, path, header)
      t.equal(res.statusCode, 401, `${name} refused with ${what}`)
      t.match(res.headers['www-authenticate'], /^Bearer realm="feedguard"/)
      if (route.method !== 'HEAD') t.equal(res.json().code, 'FG_UNAUTHENTICATED')
    }
  }
})

t.test('what a refusal says', async (t) => {
  const { server } = shared
  const none = await call(server, 'GET', '/v1/insights')
  t.same(none.json(), {
    statusCode: 401,
    code: 'FG_UNAUTHENTICATED',
    error: 'Unauthorized',
    message: 'an API key is required: Authorization: Bearer <secret>'
  })
  t.equal(none.headers['www-authenticate'], 'Bearer realm="feedguard"')
  const unknown = await call(server, 'GET', '/v1/insights', 'Bearer nope')
  t.equal(unknown.json().message, 'unknown API key')
  t.equal(unknown.headers['www-authenticate'], 'Bearer realm="feedguard", error="invalid_token"')
  const forbidden = await call(server, 'GET', '/v1/insights', keyFor.score)
  t.same(forbidden.json(), { statusCode: 403, code: 'FG_FORBIDDEN', error: 'Forbidden', message: 'this key lacks the scope insights' })
  t.match(forbidden.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'refusals carry a request id')
})

t.test('a refused request is answered before its body is read', async (t) => {
  const headers = { 'content-type': 'application/json' }
  const unread = await shared.server.inject({ method: 'POST', url: '/v1/score', payload: '{"not json', headers })
  t.equal(unread.statusCode, 401)
  const read = await shared.server.inject({ method: 'POST', url: '/v1/score', payload: '{"not json', headers: { ...headers, ...bearer(keyFor.score) } })
  t.equal(read.json().code, 'FG_BAD_JSON')
})

t.test('health, readiness, metrics and the docs need no key; unknown paths answer 404 only to a known key', async (t) => {
  const { server, routes } = shared
  for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
    t.ok(routes.find((route) => route.url === url)?.public, `${url} is declared public`)
  }
  for (const url of PUBLIC) {
    for (const header of [undefined, 'Bearer not-a-key']) {
      const res = await call(server, 'GET', url, header)
      t.notOk([401, 403].includes(res.statusCode), `${url} with ${header ?? 'no key'}: ${res.statusCode}`)
    }
  }
  t.equal((await call(server, 'GET', '/v1/nothing-here')).statusCode, 401)
  t.equal((await call(server, 'GET', '/v1')).statusCode, 401)
  t.equal((await call(server, 'GET', '/v1/nothing-here', keyFor.score)).statusCode, 404)
  t.equal((await call(server, 'GET', '/elsewhere')).statusCode, 404)
})

t.test('a /v1 route that declares no scope is for admin keys only', async (t) => {
  const file = keysFile(t, [keyFor.score, keyFor.admin])
  const config = loadConfig({ LOG_LEVEL: 'silent', OVERLOAD_SHED_LOOP_DELAY_MS: '0', AUTH_KEYS_FILE: file.path })
  const server = Fastify(fastifyOptions(config))
  await server.register(openApp, { config, models: [] })
  server.get('/v1/undeclared', async () => ({ ok: true }))
  server.get('/undeclared', async () => ({ ok: true }))
  server.get('/declared', { config: { scope: 'score' } }, async () => ({ ok: true }))
  await server.ready()
  t.teardown(() => server.close())
  t.equal((await call(server, 'GET', '/v1/undeclared')).statusCode, 401)
  t.equal((await call(server, 'GET', '/v1/undeclared', keyFor.score)).statusCode, 403)
  t.equal((await call(server, 'GET', '/v1/undeclared', keyFor.admin)).statusCode, 200)
  t.equal((await call(server, 'GET', '/undeclared')).statusCode, 200, 'outside /v1 only declared scopes are checked')
  t.equal((await call(server, 'GET', '/declared')).statusCode, 401)
  t.equal((await call(server, 'GET', '/declared', keyFor.score)).statusCode, 200)
})

t.test('a keys file that cannot be used stops the start with a configuration error', async (t) => {
  const file = keysFile(t, [])
  file.write('{"keys": 1}')
  const config = loadConfig({ LOG_LEVEL: 'silent', OVERLOAD_SHED_LOOP_DELAY_MS: '0', AUTH_KEYS_FILE: file.path })
  const server = Fastify(fastifyOptions(config))
  t.teardown(() => server.close())
  await t.rejects(async () => server.register(app, { config, models: [] }), { name: 'ConfigError', problems: [/^AUTH_KEYS_FILE: .*keys\.json: keys: /] })
})

t.test('without AUTH_KEYS_FILE everything is open, and the start-up log says so', async (t) => {
  const { server, lines } = await buildWithKeys(t, {})
  t.equal(server.auth.enabled, false)
  t.equal(await server.auth.reload(), false)
  t.ok(lines.some((line) => JSON.parse(line).level === 40 && /AUTH_KEYS_FILE is not set/.test(line)))
  t.equal((await call(server, 'GET', '/v1/insights')).statusCode, 200)
  t.equal((await call(server, 'GET', '/v1/insights', 'Bearer whatever')).statusCode, 200)
})

t.test('the key id is logged with each request, the secret never', async (t) => {
  const { server, lines } = shared
  const from = lines.length
  t.equal((await call(server, 'GET', '/v1/insights', keyFor.insights)).statusCode, 200)
  t.equal((await call(server, 'GET', '/v1/insights', keyFor.score)).statusCode, 403)
  const completed = lines.slice(from).map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request completed')
  t.same(
    completed.map((entry) => [entry.keyId, entry.res.statusCode]),
    [
      ['key-insights', 200],
      ['key-score', 403]
    ]
  )
  const log = lines.join('\n')
  for (const key of Object.values(keyFor)) t.notMatch(log, key.secret)
})

/** Polls until `check` holds (the keys file is checked every 50 ms here; generous for a loaded machine). */
async function eventually(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within 20 s: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('a changed keys file takes effect without a restart; a bad one keeps the keys in use', async (t) => {
  const [before, after] = [newKey('before', ['insights']), newKey('after', ['insights'])]
  const file = keysFile(t, [before])
  const { server, lines } = await buildWithKeys(t, { AUTH_KEYS_FILE: file.path, AUTH_KEYS_CHECK_MS: '50' })
  const status = async (key: TestKey) => (await call(server, 'GET', '/v1/insights', key)).statusCode
  t.equal(await status(before), 200)
  t.equal(await status(after), 401)

  file.write(keysFileText([after]))
  await eventually(async () => (await status(after)) === 200, 'the new key is accepted')
  t.equal(await status(before), 401, 'the old key is refused')
  t.equal(server.auth.keyCount, 1)
  t.ok(lines.some((line) => /API keys reloaded/.test(line)))

  file.write('{"keys": [{"id": "broken"')
  await eventually(async () => lines.some((line) => /API keys file refused/.test(line)), 'the bad file is refused')
  const refusal = JSON.parse(lines.find((line) => /API keys file refused/.test(line))!)
  t.equal(refusal.level, 50)
  t.match(refusal.reason, /^not JSON/)
  t.equal(await status(after), 200, 'the keys in use stay')

  file.write(JSON.stringify({ keys: [{ id: 'x', sha256: 'short', scopes: ['insights'] }] }))
  await eventually(async () => lines.some((line) => /keys\.0\.sha256/.test(line)), 'the invalid file is refused')
  t.equal(await status(after), 200)
})

t.test('SIGHUP re-reads the keys file', async (t) => {
  const [before, after] = [newKey('before', ['score']), newKey('after', ['score', 'insights'])]
  const file = keysFile(t, [before])
  // Checked for changes once an hour only: what changes it here is the signal.
  const { server, lines } = await buildWithKeys(t, { AUTH_KEYS_FILE: file.path, AUTH_KEYS_CHECK_MS: '3600000' })
  const status = async (key: TestKey) => (await call(server, 'GET', '/v1/insights', key)).statusCode
  file.write(keysFileText([after]))
  t.equal(await status(after), 401)
  process.kill(process.pid, 'SIGHUP')
  await eventually(async () => (await status(after)) === 200, 'the new key is accepted after SIGHUP')
  t.equal(await status(before), 401)
  t.ok(lines.some((line) => /SIGHUP: re-reading the API keys file/.test(line)))

  // Unchanged contents: nothing to reload, nothing logged.
  const reloads = lines.filter((line) => /API keys reloaded/.test(line)).length
  t.equal(await server.auth.reload(), true)
  t.equal(lines.filter((line) => /API keys reloaded/.test(line)).length, reloads)
})

t.test('concurrent reloads share one read', async (t) => {
  const file = keysFile(t, [keyFor.score])
  const { server } = await buildWithKeys(t, { AUTH_KEYS_FILE: file.path, AUTH_KEYS_CHECK_MS: '3600000' })
  const first = server.auth.reload()
  t.equal(server.auth.reload(), first)
  t.equal(await first, true)
})
