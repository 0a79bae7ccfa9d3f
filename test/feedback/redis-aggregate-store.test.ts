import t from 'tap'
import { Cluster, Redis } from 'ioredis'
import { defaultAggregateOptions } from '../../src/feedback/aggregate-store.js'
import { aggregateKeys, BUCKET_SHARDS, RedisAggregateStore, shardOf } from '../../src/feedback/redis-aggregate-store.js'
import { ReadBatch } from '../../src/redis/read-batch.js'
import { redisClient, startRedis, storeClient, storeConnections, testPrefix } from '../helpers/redis.js'
import { aggregateStoreContract, testClock } from './aggregate-store-contract.js'

async function connect(t: Parameters<typeof redisClient>[0], url: string) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  await new Promise((resolve) => redis.once('ready', resolve))
  return redis
}

/** On the suite's Redis: one node, or a cluster (TEST_REDIS_CLUSTER=1 / REDIS_CLUSTER_NODES). */
aggregateStoreContract(t, async (t, options = {}) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
  const clock = testClock()
  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), ...options, now: clock.now, redis, keyPrefix: prefix })
  t.teardown(() => store.close())
  return { store, clock, batch: () => new ReadBatch(redis) }
})

/** The same contract with the scoring path's status cache on: this store's own changes are seen at once. */
t.test('with the status cache', async (t) => {
  aggregateStoreContract(t, async (t, options = {}) => {
    const prefix = testPrefix()
    await storeClient(t, prefix)
    const { redis } = await storeConnections(t)
    const clock = testClock()
    const statusCache = { maxAgeMs: 60_000, maxItems: 1000 }
    const store = new RedisAggregateStore({ ...defaultAggregateOptions(), ...options, now: clock.now, redis, keyPrefix: prefix, statusCache })
    t.teardown(() => store.close())
    return { store, clock, batch: () => new ReadBatch(redis) }
  })
})

t.test('keys spread: items, creators and reporters have their own hash tags, buckets a few shards; every key expires', async (t) => {
  const prefix = testPrefix()
  const admin = await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
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
  const nodes = admin instanceof Cluster ? admin.nodes('master') : [admin]
  const keys = (await Promise.all(nodes.map((node) => node.keys(`${prefix}*`)))).flat()
  t.ok(keys.length >= 12, `${keys.length} keys`)
  const families = /^\{(i:i|a:a|u:u[123]|agg:[0-7])\}:/
  for (const key of keys) {
    t.match(key.slice(prefix.length), families, key)
    t.ok((await admin.pttl(key)) > 0, `${key} expires`)
  }
  const k = aggregateKeys('fg:')
  t.equal(k.status('v1'), 'fg:{i:v1}:st')
  t.equal(k.itemTimes('v1'), 'fg:{i:v1}:rt', 'an item\'s keys share its slot')
  t.equal(k.creator('c1'), 'fg:{a:c1}:rt')
  t.equal(k.trust('u1'), 'fg:{u:u1}:tr', 'a reporter\'s trust sits beside their rules')
  t.equal(new Set(Array.from({ length: 1000 }, (_, n) => shardOf(`item-${n}`))).size, BUCKET_SHARDS, 'members spread over every bucket shard')
})

t.test('the scoring path reads every item\'s status on its batch: one MGET on a node, one GET per item grouped by node on a cluster', async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), reviewThreshold: 1, redis, keyPrefix: prefix })
  await store.record([{ userId: 'u', kind: 'report', itemId: 'b', hashtags: [], at: Date.now() }])
  const batch = new ReadBatch(redis)
  const ids = Array.from({ length: 30 }, (_, n) => `item-${n}`)
  const read = store.readStatuses(['a', 'b', 'c', ...ids], batch)
  t.equal(batch.size, batch.cluster ? 33 : 1)
  await batch.run(1000)
  t.same(await read, new Map([['b', { status: 'under_review' }]]))
  t.ok(batch.nodesTouched >= 1 && batch.nodesTouched <= (batch.cluster ? 3 : 1), `${batch.nodesTouched} node(s), one pipeline each`)
  t.same(await store.readStatuses([], new ReadBatch(redis)), new Map())
})

t.test('with the status cache, the scoring path reads an item\'s status once per maxAgeMs; this store\'s own changes apply at once', async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
  // ages on a test clock: however slow the machine, nothing grows old until the clock is moved
  const clock = testClock()
  const options = { ...defaultAggregateOptions(), reviewThreshold: 1, now: clock.now }
  const cached = new RedisAggregateStore({ ...options, redis, keyPrefix: prefix, statusCache: { maxAgeMs: 60_000, maxItems: 100 } })
  // another replica, on the same data
  const other = new RedisAggregateStore({ ...options, redis, keyPrefix: prefix })
  const read = async (itemIds: string[]) => {
    const batch = new ReadBatch(redis)
    const statuses = cached.readStatuses(itemIds, batch)
    const reads = batch.size
    await batch.run(1000)
    return { statuses: await statuses, reads }
  }
  await other.verdict('removed-before', true)
  t.same(await read(['a', 'b', 'removed-before']), { statuses: new Map([['removed-before', { status: 'removed' }]]), reads: queuedReads(redis, 3) })
  t.same(await read(['a', 'b', 'removed-before']), { statuses: new Map([['removed-before', { status: 'removed' }]]), reads: 0 }, 'read from the cache')

  await other.verdict('a', true)
  t.same((await read(['a'])).statuses, new Map(), 'another replica\'s change is not seen yet')
  await cached.verdict('b', true)
  t.same(await read(['a', 'b']), { statuses: new Map([['b', { status: 'removed' }]]), reads: 1 }, 'this store\'s verdict applies at once')
  await cached.record([{ userId: 'u', kind: 'report', itemId: 'c', hashtags: [], at: Date.now() }])
  t.same((await read(['c'])).statuses, new Map([['c', { status: 'under_review' }]]), 'so does a report that puts the item under review')

  clock.offset += 60_001
  t.same(await read(['a', 'b']), { statuses: new Map([['a', { status: 'removed' }], ['b', { status: 'removed' }]]), reads: queuedReads(redis, 2) }, 'read again after maxAgeMs')
})

/** Reads a batch queues for `keys` status keys: one MGET on a node, a GET each on a cluster. */
function queuedReads(redis: Redis | Cluster, keys: number): number {
  return redis instanceof Cluster ? keys : 1
}

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
