import { execFile } from 'node:child_process'
import t from 'tap'
import { SCOPES } from '../../../src/auth/keys.js'
import { documentAccess, operationIdOf } from '../../../src/plugins/external/swagger.js'
import { build } from '../../helpers/app.js'

type Input = Parameters<typeof documentAccess>[0]
const input = (url: string, config: object | undefined, schema: Record<string, unknown> = {}) =>
  ({ url, schema, route: { method: 'GET', url, config, handler: () => undefined }, openapiObject: {} }) as unknown as Input

t.test('operation ids for routes that name none', async (t) => {
  t.equal(operationIdOf('GET', '/v1/banks/:bank/entries'), 'getV1BanksBankEntries')
  t.equal(operationIdOf('DELETE', '/v1/users/:userId/rules'), 'deleteV1UsersUserIdRules')
  t.same(documentAccess(input('/v1/x', { scope: 'score' })).schema.operationId, 'getV1X')
  t.same(documentAccess(input('/v1/x', { scope: 'score' }, { operationId: 'mine' })).schema.operationId, 'mine')
})

t.test('what each kind of route says about access', async (t) => {
  const open = documentAccess(input('/healthz', { public: true })).schema as Record<string, unknown>
  t.same(open.security, [])
  t.equal(open['x-required-scope'], undefined)

  const scoped = documentAccess(input('/v1/banks', { scope: 'banks' }, { description: 'Banks.' })).schema as Record<string, unknown>
  t.same(scoped.security, [{ bearer: [] }])
  t.equal(scoped['x-required-scope'], 'banks')
  t.equal(scoped.description, 'Banks.\n\nNeeds an API key with the scope `banks` (or `admin`).')
  t.ok((scoped.response as Record<number, unknown>)[401] && (scoped.response as Record<number, unknown>)[403])

  const undeclared = documentAccess(input('/v1/new', undefined)).schema as Record<string, unknown>
  t.equal(undeclared['x-required-scope'], 'admin', 'deny by default: admin only')
  t.equal(undeclared.description, 'Needs an API key with the scope `admin`.')

  const elsewhere = documentAccess(input('/elsewhere', {})).schema as Record<string, unknown>
  t.equal(elsewhere.security, undefined)
})

t.test('the served document: every operation has an id and its access, as the routes declare it', async (t) => {
  const app = await build(t, {}, { models: [] })
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  t.same(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearer.description })
  const ids = new Set<string>()
  for (const [path, operations] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const name = `${method.toUpperCase()} ${path}`
      t.type(operation.operationId, 'string', `${name} has an operationId`)
      t.notOk(ids.has(operation.operationId as string), `${name}: its operationId is unique`)
      ids.add(operation.operationId as string)
      if (path.startsWith('/v1/')) {
        t.same(operation.security, [{ bearer: [] }], `${name} needs a key`)
        t.ok(SCOPES.includes(operation['x-required-scope'] as never), `${name} names its scope`)
        t.match(operation.description, new RegExp(`scope \`${operation['x-required-scope']}\``))
        t.ok('401' in (operation.responses as object) && '403' in (operation.responses as object), `${name} documents 401 and 403`)
      } else {
        t.same(operation.security, [], `${name} is open`)
      }
    }
  }
  t.equal(doc.paths['/v1/score'].post['x-required-scope'], 'score')
  t.equal(doc.paths['/v1/users/{userId}/rules'].get['x-required-scope'], 'rules:read')
  t.equal(doc.paths['/v1/users/{userId}/rules'].put['x-required-scope'], 'rules:write')
})

t.test("Redocly's recommended ruleset finds no error in openapi/openapi.json", async (t) => {
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'node_modules/.bin/redocly',
      ['lint', 'openapi/openapi.json', '--extends=recommended', '--format=json'],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr })
    )
  })
  const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ severity: string; ruleId: string; message: string }> }
  const errors = report.problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.ruleId}: ${problem.message}`)
  t.same(errors, [], 'no errors')
  t.equal(report.totals.errors, 0)
  t.equal(result.code, 0)
  t.comment(`${report.totals.warnings} warnings`)
})
