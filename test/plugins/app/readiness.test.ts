import Fastify from 'fastify'
import t from 'tap'
import readiness from '../../../src/plugins/app/readiness.js'

async function readinessApp(t: { teardown(fn: () => unknown): void }, shutdown?: AbortSignal) {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(readiness, { shutdown })
  return app
}

t.test('ready, degraded, not ready: from the checks, in the order they were added; a check that throws fails with its message', async (t) => {
  const app = await readinessApp(t)
  t.same(await app.readiness.run(), { ready: true, status: 'ready', checks: {} })
  app.readiness.add('store', () => ({ ok: true, detail: 'memory' }))
  app.readiness.add('redis', async () => ({ ok: true, degraded: true, detail: 'down' }))
  t.same(await app.readiness.run(), { ready: true, status: 'degraded', checks: { store: { ok: true, detail: 'memory' }, redis: { ok: true, degraded: true, detail: 'down' } } })
  app.readiness.add('broken', () => {
    throw new Error('no answer')
  })
  const result = await app.readiness.run()
  t.same(result, { ready: false, status: 'not_ready', checks: { store: { ok: true, detail: 'memory' }, redis: { ok: true, degraded: true, detail: 'down' }, broken: { ok: false, detail: 'no answer' } } })
  t.same(Object.keys(result.checks), ['store', 'redis', 'broken'])
})

t.test('shutdown: not ready from the moment the signal is aborted, saying so first', async (t) => {
  const shutdown = new AbortController()
  const app = await readinessApp(t, shutdown.signal)
  app.readiness.add('store', () => ({ ok: true }))
  t.equal(app.readiness.shuttingDown, false)
  shutdown.abort()
  t.equal(app.readiness.shuttingDown, true)
  const result = await app.readiness.run()
  t.match(result, { ready: false, status: 'shutting_down', checks: { shutdown: { ok: false, detail: /shutting down/ }, store: { ok: true } } })
  t.same(Object.keys(result.checks), ['shutdown', 'store'])
  t.equal((await readinessApp(t, AbortSignal.abort())).readiness.shuttingDown, true, 'a signal aborted before the start')
})
