// Single-node Redis on purpose, not in `npm run test:cluster`: counts the pipelines of one connection (test/api/score-redis-nodes.test.ts counts them per node on a cluster).
import t from 'tap'
import type { Redis } from 'ioredis'
import { defaultAggregateOptions } from '../../src/feedback/aggregate-store.js'
import { RedisAggregateStore } from '../../src/feedback/redis-aggregate-store.js'
import { loadPolicy } from '../../src/policy/policy.js'
import { RedisRulesStore } from '../../src/rules/redis-rules-store.js'
import { RulesCache } from '../../src/rules/rules-cache.js'
import { ScoringService } from '../../src/scoring/scoring-service.js'
import { redisClient, testPrefix } from '../helpers/redis.js'

/** Counts pipelines sent and commands sent outside any pipeline. */
function spy(redis: Redis) {
  const counts = { pipelines: 0, pipelined: [] as string[], direct: [] as string[] }
  const pipeline = redis.pipeline.bind(redis)
  redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
    counts.pipelines++
    return pipeline(...args)
  }) as Redis['pipeline']
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: { name: string }, stream?: unknown) => {
    ;(stream ? counts.pipelined : counts.direct).push(command.name)
    return send(command as never, stream as never)
  }) as Redis['sendCommand']
  return counts
}

t.test('scoring makes one Redis round trip: the rules read and every item status in one pipeline', async (t) => {
  const prefix = testPrefix()
  const redis = await redisClient(t, prefix)
  const subscriber = redis.duplicate()
  t.teardown(() => subscriber.disconnect())
  const store = new RedisRulesStore({ redis, subscriber, keyPrefix: prefix })
  const aggregates = new RedisAggregateStore({ ...defaultAggregateOptions(), reviewThreshold: 1, redis, keyPrefix: prefix })
  await aggregates.record([{ userId: 'r', kind: 'report', itemId: 'item-7', hashtags: [], at: Date.now() }])
  const scoring = new ScoringService({
    policy: await loadPolicy('models/policy.json'),
    rules: new RulesCache({ store, ttlMs: 0, maxUsers: 10 }),
    models: [],
    scoreCache: { enabled: true, keyPrefix: prefix, maxItems: 10, ttlSeconds: 60 },
    storeBudgetMs: 1000,
    redis,
    itemStatuses: aggregates
  })
  const counts = spy(redis)
  const items = Array.from({ length: 50 }, (_, i) => ({ id: `item-${i}` }))
  const res = await scoring.score({ userId: 'u', surface: 'for_you', explain: false, items })
  t.same(counts, { pipelines: 1, pipelined: ['hget', 'mget'], direct: [] })
  t.same(res.decisions[7]!.reasons, [{ type: 'item', action: 'blur', status: 'under_review' }])
  t.equal(res.meta.degraded, false)
})
