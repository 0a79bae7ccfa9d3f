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
  t.match(ready.json(), { ready: true, checks: { rulesStore: { ok: true, detail: 'memory' }, policy: { ok: true } } })

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
