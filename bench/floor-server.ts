/**
 * The floor: a bare Fastify route that only parses the same request and answers a same-shaped
 * response. What feedguard adds on top of it is the cost of deciding.
 *
 * "Same-shaped" means the same bytes feedguard answers for the benchmark's batch: the benchmark sends
 * the floor, once, the decisions feedguard gave (`{ decisions }` over IPC), and the floor answers every
 * request with them, ids echoed from the parsed request. Until it has them, it answers an allow with no
 * reasons and no scores per item (`FLOOR_RESPONSE=empty` keeps it that way: the leanest possible answer).
 *
 * `FLOOR_DELAY_MS`: the route waits that long before answering, as feedguard does for images no cache
 * knows until its image budget runs out: what a timer that long costs, seen from the client.
 */
import Fastify from 'fastify'

interface Decision {
  id: string
  action: string
  reasons: unknown[]
  scores?: Record<string, number>
}

const EMPTY: Decision = { id: '', action: 'allow', reasons: [], scores: {} }
let template: Decision[] = [EMPTY]
if (process.env.FLOOR_RESPONSE !== 'empty') {
  process.on('message', (message: { decisions?: Decision[] }) => {
    if (message.decisions?.length) template = message.decisions
    process.send?.({ ready: true })
  })
}

const delayMs = Number(process.env.FLOOR_DELAY_MS ?? 0)

const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 })
app.post('/v1/score', async (request) => {
  const body = request.body as { userId: string; items: Array<{ id: string }> }
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
  return {
    userId: body.userId,
    decisions: body.items.map((item, index) => {
      const decision = template[index % template.length]!
      return { id: item.id, action: decision.action, reasons: decision.reasons, scores: decision.scores }
    }),
    meta: { policyVersion: 'floor', rulesVersion: 0, degraded: false, models: [] }
  }
})
await app.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ port: (app.server.address() as { port: number }).port })
