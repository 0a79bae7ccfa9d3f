import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'
import t from 'tap'
import { clientErrorHandler, frameworkErrors } from '../../src/api/http-edges.js'
import { build } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>

/** Sends raw bytes to a listening app and resolves with everything it answers before closing. */
async function raw(app: App, bytes: string): Promise<{ status: number; headers: string; body: string }> {
  const { port } = app.server.address() as { port: number }
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(bytes)
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await once(socket, 'close')
  const text = Buffer.concat(chunks).toString('utf8')
  const [head = '', body = ''] = text.split('\r\n\r\n')
  return { status: Number(head.split(' ')[1]), headers: head, body }
}

async function listening(t: Parameters<typeof build>[0]): Promise<App> {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

t.test('ids are accepted up to their schemas\' limits on every route', async (t) => {
  const app = await build(t)
  const userId = 'u'.repeat(128)
  const get = await app.inject({ method: 'GET', url: `/v1/users/${userId}/rules` })
  t.equal(get.statusCode, 200, 'a 128-character user id, valid in /v1/score, is valid on the rules routes')
  const added = await app.inject({ method: 'POST', url: `/v1/users/${userId}/rules/authors`, payload: { id: 'a'.repeat(128) } })
  t.equal(added.statusCode, 201)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/users/${userId}/rules/authors/${'a'.repeat(128)}` })).statusCode, 204)
  const item = await app.inject({ method: 'GET', url: `/v1/items/${'i'.repeat(256)}` })
  t.equal(item.statusCode, 200, 'a 256-character item id')
  const unicode = await app.inject({ method: 'GET', url: `/v1/items/${encodeURIComponent('é'.repeat(256))}` })
  t.equal(unicode.statusCode, 200, 'the limit counts characters, not their percent-encoding')

  const overSchema = await app.inject({ method: 'GET', url: `/v1/users/${'u'.repeat(129)}/rules` })
  t.equal(overSchema.statusCode, 400)
  t.match(overSchema.json(), { code: 'FG_VALIDATION', details: [{ path: 'params.userId' }] })
  const absurd = await app.inject({ method: 'GET', url: `/v1/items/${'i'.repeat(5000)}` })
  t.equal(absurd.statusCode, 414)
  t.equal(absurd.json().code, 'FG_URI_TOO_LONG')
})

t.test('a bad percent-encoding is FG_BAD_URL', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/v1/users/%E0%A4%A/rules' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { statusCode: 400, code: 'FG_BAD_URL', error: 'Bad Request' })
})

t.test('unknown paths are 404 FG_NOT_FOUND, known paths with another method 405 with Allow', async (t) => {
  const app = await build(t)
  const missing = await app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { code: 'FG_NOT_FOUND', message: 'no route GET /v1/nothing-here' })

  const wrong = await app.inject({ method: 'GET', url: '/v1/score' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'POST')
  t.equal(wrong.json().code, 'FG_METHOD_NOT_ALLOWED')

  const patch = await app.inject({ method: 'PATCH', url: '/v1/users/u1/rules/' })
  t.equal(patch.statusCode, 405)
  t.same(String(patch.headers.allow).split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'PUT'])
})

t.test('an empty body under a JSON content type is no body on routes that take none', async (t) => {
  const app = await build(t)
  const json = { 'content-type': 'application/json' }
  await app.inject({ method: 'POST', url: '/v1/users/u1/rules/authors', payload: { id: 'a1' } })
  const del = await app.inject({ method: 'DELETE', url: '/v1/users/u1/rules/authors/a1', headers: json, payload: '' })
  t.equal(del.statusCode, 204)
  const delAll = await app.inject({ method: 'DELETE', url: '/v1/users/u1/rules', headers: { 'content-type': 'application/json; charset=utf-8' } })
  t.equal(delAll.statusCode, 204)
  const get = await app.inject({ method: 'GET', url: '/v1/users/u1/rules', headers: json })
  t.equal(get.statusCode, 200)

  const put = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', headers: json, payload: '' })
  t.equal(put.statusCode, 400, 'a route that needs a body still refuses an empty one')
  t.equal(put.json().code, 'FG_BAD_JSON')
  const score = await app.inject({ method: 'POST', url: '/v1/score', headers: json, payload: ' ' })
  t.equal(score.json().code, 'FG_BAD_JSON')
  const poisoned = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', headers: json, payload: '{"__proto__":{"x":1}}' })
  t.equal(poisoned.statusCode, 400, 'prototype poisoning is still refused')
  t.equal(poisoned.json().code, 'FG_BAD_JSON')
  const bodyOnDelete = await app.inject({ method: 'DELETE', url: '/v1/users/u1/rules', headers: json, payload: '{' })
  t.equal(bodyOnDelete.json().code, 'FG_BAD_JSON', 'a body that is there is still parsed')
})

t.test('requests Node cannot parse get a JSON answer with a stable code', async (t) => {
  const app = await listening(t)
  const framing = await raw(app, 'POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}')
  t.equal(framing.status, 400)
  t.match(framing.headers, /content-type: application\/json/i)
  t.match(JSON.parse(framing.body), { statusCode: 400, code: 'FG_BAD_HTTP', error: 'Bad Request' })

  const chunked = await raw(app, 'POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')
  t.match(JSON.parse(chunked.body), { statusCode: 400, code: 'FG_BAD_HTTP' })

  const garbage = await raw(app, '\u0001\u0002 nonsense\r\n\r\n')
  t.match(JSON.parse(garbage.body), { code: 'FG_BAD_HTTP' })

  const huge = await raw(app, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.equal(huge.status, 431)
  t.match(JSON.parse(huge.body), { statusCode: 431, code: 'FG_HEADERS_TOO_LARGE' })

  const longUrl = await raw(app, `GET /v1/items/${'i'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  t.equal(longUrl.status, 431, 'a request line past the header limit')
  t.equal(JSON.parse(longUrl.body).code, 'FG_HEADERS_TOO_LARGE')

  const fine = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/healthz`)
  t.equal(fine.status, 200, 'the server goes on serving')
})

t.test('the parser-error handler: timeouts, resets and a response already under way', async (t) => {
  const app = await build(t)
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const pair = async () => {
    const client = connect((server.address() as { port: number }).port, '127.0.0.1')
    const [accepted] = (await once(server, 'connection')) as [Socket]
    const received: Buffer[] = []
    client.on('data', (chunk: Buffer) => received.push(chunk))
    client.on('error', () => {})
    return { accepted, answer: async () => (await once(client, 'close'), Buffer.concat(received).toString()) }
  }
  const failure = (code: string) => Object.assign(new Error(code), { code })

  const timedOut = await pair()
  clientErrorHandler.call(app, failure('ERR_HTTP_REQUEST_TIMEOUT'), timedOut.accepted)
  t.match(await timedOut.answer(), /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*"code":"FG_REQUEST_TIMEOUT"/)

  const reset = await pair()
  clientErrorHandler.call(app, failure('ECONNRESET'), reset.accepted)
  t.equal(reset.accepted.destroyed, false, 'a reset connection is left to Node')
  reset.accepted.destroy()
  t.equal(await reset.answer(), '')

  const underWay = await pair()
  Object.assign(underWay.accepted, { _httpMessage: { headersSent: true } })
  clientErrorHandler.call(app, failure('HPE_INVALID_CHUNK_SIZE'), underWay.accepted)
  t.equal(await underWay.answer(), '', 'no second status line in the middle of a response')
})

t.test('router refusals other than bad URLs and long parameters are FG_BAD_REQUEST', async (t) => {
  let sent: { statusCode: number; code: string } | undefined
  const reply = { code: () => reply, send: (body: typeof sent) => (sent = body) }
  const request = { log: { info: () => {} } }
  frameworkErrors(Object.assign(new Error('constraint failed'), { code: 'FST_ERR_ASYNC_CONSTRAINT' }), request as never, reply as never)
  t.match(sent, { statusCode: 400, code: 'FG_BAD_REQUEST', message: 'constraint failed' })
})
