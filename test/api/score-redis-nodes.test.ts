import t from 'tap'
import { build, redisEnv, storeClient, testPrefix } from '../helpers/app.js'

const items = Array.from({ length: 40 }, (_, n) => ({ id: `item-${n}`, text: 'a cat video' }))

function histogram(body: string) {
  const value = (suffix: string) => Number(new RegExp(`^feedguard_score_redis_nodes_${suffix} (\\S+)$`, 'm').exec(body)?.[1])
  return { count: value('count'), sum: value('sum') }
}

t.test('scoring reads Redis in one round, and counts the nodes it went to (one on a node, at most every master on a cluster)', async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const env = await redisEnv(t)
  const app = await build(t, { ...env, REDIS_KEY_PREFIX: prefix }, { models: [] })
  await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { keywords: [{ value: 'cat' }] } })
  const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items } })
  t.equal(scored.statusCode, 200)
  t.equal(scored.json().meta.degraded, false, scored.body)
  t.ok(scored.json().decisions.every((decision: { action: string }) => decision.action === 'hide'), 'the rules were read')
  const { count, sum } = histogram((await app.inject({ method: 'GET', url: '/metrics' })).body)
  t.equal(count, 1)
  if (env.REDIS_CLUSTER_NODES) t.ok(sum >= 2 && sum <= 3, `${sum} nodes: 40 items' keys spread over the masters`)
  else t.equal(sum, 1)
})

t.test('without Redis no round trip is made', async (t) => {
  const app = await build(t, {}, { models: [] })
  await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items } })
  const { count, sum } = histogram((await app.inject({ method: 'GET', url: '/metrics' })).body)
  t.equal(count, 1)
  t.equal(sum, 0)
})
