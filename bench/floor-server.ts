/**
 * The floor: a bare Fastify route that only parses the same request and answers a same-shaped
 * response. What feedguard adds on top of it is the cost of deciding.
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 })
app.post('/v1/score', async (request) => {
  const body = request.body as { userId: string; items: Array<{ id: string }> }
  return {
    userId: body.userId,
    decisions: body.items.map((item) => ({ id: item.id, action: 'allow', reasons: [], scores: {} })),
    meta: { policyVersion: 'floor', rulesVersion: 0, degraded: false, models: [] }
  }
})
await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ port: (app.server.address() as { port: number }).port })
