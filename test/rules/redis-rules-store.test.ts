import t from 'tap'
import { Redis } from 'ioredis'
import { RedisRulesStore, parseStoredRules, rulesKey } from '../../src/rules/redis-rules-store.js'
import { redisClient, redisUrl, testPrefix, startRedis, storeClient, storeConnections } from '../helpers/redis.js'
import { rulesStoreContract } from './rules-store-contract.js'

async function connect(t: Parameters<typeof redisClient>[0], url: string, options = {}) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, ...options })
  const subscriber = new Redis(url)
  redis.on('error', () => {})
  subscriber.on('error', () => {})
  t.teardown(() => {
    redis.disconnect()
    subscriber.disconnect()
  })
  await new Promise((resolve) => redis.once('ready', resolve))
  return { redis, subscriber }
}

/** On the suite's Redis: one node, or a cluster (TEST_REDIS_CLUSTER=1 / REDIS_CLUSTER_NODES). */
rulesStoreContract(t, async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix) // deletes this prefix's keys afterwards
  const a = await storeConnections(t)
  const b = await storeConnections(t)
  const store = new RedisRulesStore({ ...a, keyPrefix: prefix })
  const replica = new RedisRulesStore({ ...b, keyPrefix: prefix })
  await Promise.all([store.start(), replica.start()])
  return { store, replica }
})

t.test('keys of one user share a Redis Cluster hash tag', async (t) => {
  t.equal(rulesKey('fg:', 'u1'), 'fg:{u:u1}:rules')
})

t.test('documents written by an older version read with the newer defaults', async (t) => {
  t.same(parseStoredRules(JSON.stringify({ version: 3, keywords: [] })).authors, [])
  t.equal(parseStoredRules(null).version, 0)
})

t.test('writers that keep racing give up with FG_RULES_CONTENTION', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const url = await redisUrl(t)
  const connections = await connect(t, url)
  const store = new RedisRulesStore({ ...connections, keyPrefix: prefix, maxAttempts: 3 })
  let bump = 0
  void admin
  await t.rejects(
    store.update('racy', (current) => {
      // Another write gets in between every read and compare-and-set: sent on the store's own
      // connection, it is certain to reach Redis before the compare-and-set does.
      void connections.redis.hset(rulesKey(prefix, 'racy'), 'v', String(current.version + 10 + bump++))
      return { content: { ...current }, result: null }
    }),
    { code: 'FG_RULES_CONTENTION' }
  )
})

t.test('an unreachable Redis is FG_STORE_UNAVAILABLE and a resync after reconnecting', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const connections = await connect(t, server.url, { retryStrategy: () => 50 })
  const store = new RedisRulesStore({ ...connections, keyPrefix: testPrefix() })
  await store.start()
  let resyncs = 0
  store.onResync(() => resyncs++)
  await server.stop()
  await t.rejects(store.get('u'), { code: 'FG_STORE_UNAVAILABLE', statusCode: 503 })
  await t.rejects(store.ping(), { code: 'FG_STORE_UNAVAILABLE' })
  await t.rejects(
    store.update('u', (current) => ({ content: current, result: null })),
    { code: 'FG_STORE_UNAVAILABLE' }
  )
  await t.rejects(store.delete('u'), { code: 'FG_STORE_UNAVAILABLE' })
  const port = Number(new URL(server.url).port)
  const again = await startRedis(port)
  t.teardown(() => again.stop())
  const deadline = Date.now() + 10_000
  while (resyncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(resyncs, 1, 'missed notifications are assumed after a reconnect')
  // The subscriber may be back before the command connection: wait for that one too.
  while (connections.redis.status !== 'ready' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await t.resolves(store.ping(), 'answers again once Redis is back')
  await store.close()
})
