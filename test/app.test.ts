import t from 'tap'
import type { FastifyError } from 'fastify'
import { toErrorResponse } from '../src/app.js'
import { MemoryRulesStore } from '../src/rules/memory-rules-store.js'
import { build } from './helpers/app.js'

const fastifyError = (props: Partial<FastifyError>) => Object.assign(new Error(props.message ?? 'x'), props) as FastifyError

t.test('other client errors keep their status with FG_BAD_REQUEST', async (t) => {
  const { statusCode, body } = toErrorResponse(fastifyError({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', message: 'bad length' }))
  t.equal(statusCode, 400)
  t.same(body, { statusCode: 400, code: 'FG_BAD_REQUEST', error: 'Bad Request', message: 'bad length' })
})

t.test('validation problems without a context or message still get a path and a message', async (t) => {
  const err = fastifyError({ statusCode: 400, message: 'invalid' })
  Object.assign(err, { validation: [{ instancePath: '/items/0', message: undefined }] })
  t.same(toErrorResponse(err).body.details, [{ path: 'body.items.0', message: 'invalid' }])
})

t.test('internal errors never show their internals', async (t) => {
  t.same(toErrorResponse(fastifyError({ message: 'secret stack detail' })), {
    statusCode: 500,
    body: { statusCode: 500, code: 'FG_INTERNAL', error: 'Internal Server Error', message: 'internal error' }
  })
})

t.test('an unexpected failure in a route answers 500 FG_INTERNAL and the app stays up', async (t) => {
  const store = new MemoryRulesStore()
  store.get = () => {
    throw new Error('synchronous failure')
  }
  const app = await build(t, {}, { rulesStore: store })
  const res = await app.inject({ method: 'GET', url: '/v1/users/u/rules' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FG_INTERNAL')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})
