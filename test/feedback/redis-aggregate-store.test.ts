import t from 'tap'
import { Redis } from 'ioredis'
import { defaultAggregateOptions } from '../../src/feedback/aggregate-store.js'
import { aggregateKeys, RedisAggregateStore } from '../../src/feedback/redis-aggregate-store.js'
import { ReadBatch } from '../../src/redis/read-batch.js'
import { redisClient, redisUrl, startRedis, testPrefix } from '../helpers/redis.js'
import { aggregateStoreContract, testClock } from './aggregate-store-contract.js'

async function connect(t: Parameters<typeof redisClient>[0], url: string) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  await new Promise((resolve) => redis.once('ready', resolve))
  return redis
}

aggregateStoreContract(t, async (t, options = {}) => {
  const prefix = testPrefix()
  await redisClient(t, prefix)
  const redis = await connect(t, await redisUrl(t))
  const clock = testClock()
  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), ...options, now: clock.now, redis, keyPrefix: prefix })
  t.teardown(() => store.close())
  return { store, clock, batch: () => new ReadBatch(redis) }
})

t.test('every key shares the {agg} hash tag, and every key expires', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const redis = await connect(t, await redisUrl(t))
  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), reviewThreshold: 1, redis, keyPrefix: prefix })
  const at = Date.now()
  await store.record([
    { dedupeKey: 'k', userId: 'u1', kind: 'report', itemId: 'i', authorId: 'a', hashtags: ['x'], category: 'spam', at },
    { dedupeKey: 'k2', userId: 'u2', kind: 'not_interested', itemId: 'i', hashtags: [], at },
    { userId: 'u2', kind: 'report', itemId: 'i', hashtags: [], at }
  ])
  await store.verdict('i', true)
  await store.record([{ userId: 'u3', kind: 'report', itemId: 'i', hashtags: [], at }])
  await store.recordMutedTerms('u1', ['cats'])
  await store.insights({ hours: 24, limit: 5, minUsers: 1 })
  const keys = await admin.keys(`${prefix}*`)
  t.ok(keys.length >= 12, `${keys.length} keys`)
  for (const key of keys) {
    t.ok(key.startsWith(`${prefix}{agg}:`), key)
    t.ok((await admin.pttl(key)) > 0, `${key} expires`)
  }
  t.equal(aggregateKeys('fg:').status('v1'), 'fg:{agg}:st:v1')
})

t.test('the scoring path reads every item\'s status with one MGET on its batch; none for no items', async (t) => {
  const prefix = testPrefix()
  await redisClient(t, prefix)
  const redis = await connect(t, await redisUrl(t))
  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), reviewThreshold: 1, redis, keyPrefix: prefix })
  await store.record([{ userId: 'u', kind: 'report', itemId: 'b', hashtags: [], at: Date.now() }])
  const batch = new ReadBatch(redis)
  const read = store.readStatuses(['a', 'b', 'c'], batch)
  t.equal(batch.size, 1, 'one command for three items')
  await batch.run(1000)
  t.same(await read, new Map([['b', { status: 'under_review' }]]))
  t.same(await store.readStatuses([], new ReadBatch(redis)), new Map())
})

t.test('an unreachable Redis is FG_STORE_UNAVAILABLE, and the scoring read rejects so scoring can degrade', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const redis = await connect(t, server.url)
  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), redis, keyPrefix: testPrefix() })
  await server.stop()
  const unavailable = { code: 'FG_STORE_UNAVAILABLE', statusCode: 503, message: /feedback store unavailable/ }
  await t.rejects(store.record([{ userId: 'u', kind: 'report', itemId: 'i', hashtags: [], at: Date.now() }]), unavailable)
  await t.rejects(store.item('i'), unavailable)
  await t.rejects(store.creator('a'), unavailable)
  await t.rejects(store.verdict('i', true), unavailable)
  await t.rejects(store.trust('u'), unavailable)
  await t.rejects(store.recordMutedTerms('u', ['x']), unavailable)
  await t.rejects(store.insights({ hours: 1, limit: 1, minUsers: 2 }), unavailable)
  const batch = new ReadBatch(redis)
  const read = store.readStatuses(['i'], batch)
  await batch.run(100)
  await t.rejects(read)
})
