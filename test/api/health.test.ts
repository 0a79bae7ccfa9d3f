import { copyFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { build } from '../helpers/app.js'

t.test('liveness, readiness and the documents', async (t) => {
  const app = await build(t)
  t.same((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { ready: true, status: 'ready', checks: { rulesStore: { ok: true, detail: 'memory' }, policy: { ok: true } } })
  t.notOk('redis' in ready.json().checks, 'no Redis configured: nothing to check')

  const openapi = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(openapi.statusCode, 200)
  const doc = openapi.json()
  t.equal(doc.openapi, '3.1.0')
  for (const path of ['/v1/score', '/v1/users/{userId}/rules', '/v1/users/{userId}/rules/keywords/{ruleId}', '/healthz', '/readyz']) {
    t.ok(doc.paths[path], path)
  }
  const docs = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /html/)
})

t.test('docs can be switched off', async (t) => {
  const app = await build(t, { DOCS_ENABLED: 'false' })
  t.equal((await app.inject({ method: 'GET', url: '/docs/' })).statusCode, 404)
})

t.test('a deployment without models is ready and says so', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fg-nomodels-'))
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ models: [] }))
  await copyFile('models/policy.json', join(dir, 'policy.json'))
  const app = await build(t, { MODELS_DIR: dir })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { checks: { models: { ok: true, detail: 'none configured' } } })
})

t.test('from the moment shutdown begins: /readyz 503 saying so, every answer asks to close the connection, requests still served', async (t) => {
  const shutdown = new AbortController()
  const app = await build(t, {}, { models: [], shutdown: shutdown.signal })
  t.not((await app.inject({ method: 'GET', url: '/readyz' })).headers.connection, 'close')
  shutdown.abort()
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.headers.connection, 'close')
  t.match(ready.json(), { ready: false, status: 'shutting_down', checks: { shutdown: { ok: false, detail: /shutting down/ }, policy: { ok: true } } })
  const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u', items: [{ id: 'a', text: 'hello' }] } })
  t.equal(scored.statusCode, 200)
  t.equal(scored.headers.connection, 'close')
})

