import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import t from 'tap'
import app, { errorLogLevel, fastifyOptions } from '../src/app.js'
import { badRequest, overloaded, storeUnavailable } from '../src/errors.js'
import { loadConfig } from '../src/config.js'
import { redactUserId, serviceInfo } from '../src/logging.js'

t.test('info logs carry request ids but never item text or keyword values', async (t) => {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    }
  })
  const config = loadConfig({ LOG_LEVEL: 'info' })
  const server = Fastify(fastifyOptions(config, { level: 'info', stream }))
  await server.register(app, { config })
  t.teardown(() => server.close())

  await server.inject({ method: 'POST', url: '/v1/users/u1/rules/keywords', payload: { value: 'secretword' } })
  await server.inject({
    method: 'POST',
    url: '/v1/score',
    headers: { 'x-request-id': 'trace-1' },
    payload: { userId: 'u1', items: [{ id: 'v1', text: 'private caption with secretword', overlayText: 'overlay words' }] }
  })
  await server.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { keywords: [{ value: 'x'.repeat(500) }] } })

  const log = lines.join('')
  t.match(log, /"reqId":"trace-1"/)
  t.match(log, /REDIS_URL is not set/, 'the embedded store is announced')
  t.notMatch(log, /secretword/)
  t.notMatch(log, /private caption/)
  t.notMatch(log, /overlay words/)
})

/** The app at `info`, its log lines parsed. */
async function logged(t: { teardown(fn: () => unknown): void }) {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    }
  })
  // No load shedding: on a loaded machine it would answer before the routes these tests log.
  const config = loadConfig({ LOG_LEVEL: 'info', OVERLOAD_SHED_LOOP_DELAY_MS: '0' })
  const server = Fastify(fastifyOptions(config, { stream }))
  await server.register(app, { config, models: [] })
  t.teardown(() => server.close())
  return { server, lines }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test("request ids: the caller's when it is a sensible one, else a random UUID; always answered in x-request-id", async (t) => {
  const { server, lines } = await logged(t)
  const idOf = async (header?: string) => {
    const res = await server.inject({ method: 'GET', url: '/v1/insights', headers: header === undefined ? {} : { 'x-request-id': header } })
    return String(res.headers['x-request-id'])
  }
  t.equal(await idOf('trace-1'), 'trace-1')
  t.equal(await idOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
  const [none, again, spaced, long, injected] = [await idOf(), await idOf(), await idOf('has spaces'), await idOf('x'.repeat(129)), await idOf('a"}\n{"level":60')]
  for (const id of [none, again, spaced, long, injected]) t.match(id, UUID)
  t.not(none, again)
  t.ok(lines.some((line) => line.reqId === 'trace-1' && line.msg === 'request completed'))
  t.ok(lines.some((line) => line.reqId === none && line.msg === 'request completed'))
})

t.test('every line names the service and its version', async (t) => {
  const { server, lines } = await logged(t)
  await server.inject({ method: 'GET', url: '/v1/insights' })
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  t.ok(lines.length > 3)
  for (const line of lines) t.match(line, { service: { name: 'feedguard', version }, pid: process.pid }, String(line.msg))
})

t.test('user ids in paths stay out of the logs; the route says what the path was', async (t) => {
  const { server, lines } = await logged(t)
  await server.inject({ method: 'GET', url: '/v1/users/alice.private%40example.com/rules?x=1' })
  await server.inject({ method: 'DELETE', url: '/v1/users/alice.private/rules/keywords/k1' })
  t.notMatch(JSON.stringify(lines), /alice/)
  const incoming = lines.filter((line) => line.msg === 'incoming request').map((line) => line.req)
  t.same(incoming, [
    { method: 'GET', url: '/v1/users/:userId/rules?x=1', route: '/v1/users/:userId/rules', host: 'localhost:80', remoteAddress: '127.0.0.1' },
    { method: 'DELETE', url: '/v1/users/:userId/rules/keywords/k1', route: '/v1/users/:userId/rules/keywords/:ruleId', host: 'localhost:80', remoteAddress: '127.0.0.1' }
  ])
})

t.test('the service name and version come from the package.json above the code', async (t) => {
  t.match(serviceInfo(), { name: 'feedguard', version: /^\d+\.\d+\.\d+/ })
  t.same(serviceInfo(new URL('../src/api/schemas/', import.meta.url)), serviceInfo())
  t.throws(() => serviceInfo(new URL('file:///proc/self/')), /no package.json above \/proc\/self\//)
  t.throws(() => serviceInfo(new URL('file:///proc/self/fd/0/')), { code: 'ENOTDIR' }, 'other read errors are not hidden')
})

t.test('redactUserId', async (t) => {
  t.equal(redactUserId('/v1/users/u1'), '/v1/users/:userId')
  t.equal(redactUserId('/v1/users/u1/rules'), '/v1/users/:userId/rules')
  t.equal(redactUserId('/v1/score'), '/v1/score')
  t.equal(redactUserId('/v2/v1/users/u1'), '/v2/v1/users/u1')
})

t.test('log levels: unexpected failures are errors, 5xx the service chose (overload, store down) warnings, refusals info', async (t) => {
  t.equal(errorLogLevel(new Error('boom'), 500), 'error')
  t.equal(errorLogLevel(overloaded(), 503), 'warn')
  t.equal(errorLogLevel(storeUnavailable('timeout'), 503), 'warn')
  t.equal(errorLogLevel(badRequest('no'), 400), 'info')
})
