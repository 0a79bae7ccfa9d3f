import t from 'tap'
import { Redis } from 'ioredis'
import { hourOf } from '../../src/decisions/decision-store.js'
import { decisionKeys, RedisDecisionStore } from '../../src/decisions/redis-decision-store.js'
import { redisClient, redisUrl, startRedis, storeClient, storeConnections, testPrefix } from '../helpers/redis.js'
import { decisionStoreContract, defaultOptions, sample, testClock } from './decision-store-contract.js'

async function connect(t: Parameters<typeof redisClient>[0], url: string) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  await new Promise((resolve) => redis.once('ready', resolve))
  return redis
}

/** On the suite's Redis: one node, or a cluster (TEST_REDIS_CLUSTER=1 / REDIS_CLUSTER_NODES). */
decisionStoreContract(t, async (t, options = {}) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
  const clock = testClock()
  const store = new RedisDecisionStore({ ...defaultOptions(), ...options, now: clock.now, redis, keyPrefix: prefix })
  t.teardown(() => store.close())
  return { store, clock }
})

t.test('every key shares the {decisions} hash tag, and every key expires', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const redis = await connect(t, await redisUrl(t))
  const store = new RedisDecisionStore({ ...defaultOptions(), redis, keyPrefix: prefix })
  await store.addSamples([sample('a', Date.now())])
  await store.addCounts([{ hour: hourOf(Date.now()), counts: { 'allow|none': 1 } }])
  const keys = await admin.keys(`${prefix}*`)
  t.equal(keys.length, 2)
  for (const key of keys) {
    t.ok(key.startsWith(`${prefix}{decisions}:`), key)
    t.ok((await admin.pttl(key)) > 0, `${key} expires`)
  }
  t.equal(decisionKeys('fg:').samples(3_600_000), 'fg:{decisions}:s:1')
})

t.test('an unreachable Redis is FG_STORE_UNAVAILABLE', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const redis = await connect(t, server.url)
  const store = new RedisDecisionStore({ ...defaultOptions(), redis, keyPrefix: testPrefix() })
  await server.stop()
  const unavailable = { code: 'FG_STORE_UNAVAILABLE', statusCode: 503, message: /decision store unavailable/ }
  await t.rejects(store.addSamples([sample('a', Date.now())]), unavailable)
  await t.rejects(store.readSamples(5), unavailable)
  await t.rejects(store.addCounts([{ hour: hourOf(Date.now()), counts: { 'allow|none': 1 } }]), unavailable)
  await t.rejects(store.readCounts(2), unavailable)
})
