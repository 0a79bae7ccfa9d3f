import { Writable } from 'node:stream'
import Fastify from 'fastify'
import t from 'tap'
import app, { fastifyOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'

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
