import t from 'tap'
import { Redis } from 'ioredis'
import { RedisBankStore, bankChannel, bankKeys } from '../../src/banks/redis-bank-store.js'
import { redisClient, redisUrl, startRedis, storeClient, storeConnections, testPrefix } from '../helpers/redis.js'
import { killSubscriber } from '../helpers/kill-subscriber.js'
import { bankStoreContract } from './bank-store-contract.js'

type Tap = Parameters<typeof redisClient>[0]

async function connect(t: Tap, url: string, options = {}) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, ...options })
  const subscriber = new Redis(url, options)
  redis.on('error', () => {})
  subscriber.on('error', () => {})
  t.teardown(() => {
    redis.disconnect()
    subscriber.disconnect()
  })
  await new Promise((resolve) => redis.once('ready', resolve))
  return { redis, subscriber }
}

async function storeAt(t: Tap, prefix: string) {
  const store = new RedisBankStore({ ...(await connect(t, await redisUrl(t))), keyPrefix: prefix })
  await store.start()
  return store
}

/** On the suite's Redis: one node, or a cluster (TEST_REDIS_CLUSTER=1 / REDIS_CLUSTER_NODES). */
bankStoreContract(t, async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix) // deletes this prefix's keys afterwards
  const stores = await Promise.all(
    [0, 1].map(async () => {
      const store = new RedisBankStore({ ...(await storeConnections(t)), keyPrefix: prefix })
      await store.start()
      return store
    })
  )
  return { store: stores[0]!, replica: stores[1]! }
})

t.test('every key is under the prefix and shares the {banks} hash tag (one Redis Cluster slot)', async (t) => {
  t.same(bankKeys('fg:', 'known'), {
    banks: 'fg:{banks}:banks',
    version: 'fg:{banks}:version',
    entries: 'fg:{banks}:b:known:entries',
    hashes: 'fg:{banks}:b:known:hashes',
    ids: 'fg:{banks}:b:known:ids'
  })
  t.equal(bankChannel('fg:'), 'fg:banks-changed')
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const store = await storeAt(t, prefix)
  await store.createBank({ name: 'known', enabled: true, createdAt: 'now' })
  await store.addEntries('known', [{ id: 'e1', hash: 'a'.repeat(64), action: 'hide', addedAt: 'now' }])
  const keys = (await admin.keys(`${prefix}*`)).sort()
  t.same(keys, Object.values(bankKeys(prefix, 'known')).sort())
  const slots = new Set(await Promise.all(keys.map((key) => admin.call('CLUSTER', 'KEYSLOT', key).catch(() => clusterSlotOf(key)))))
  t.equal(slots.size, 1)
})

/** The slot Redis Cluster gives a key, for servers that do not run in cluster mode (CLUSTER KEYSLOT needs it). */
function clusterSlotOf(key: string): string {
  const open = key.indexOf('{')
  const close = key.indexOf('}', open + 1)
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key
}

t.test('only change messages on its own channel are changes; anything else there asks for a resync', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const connections = await connect(t, await redisUrl(t))
  const store = new RedisBankStore({ ...connections, keyPrefix: prefix })
  await store.start()
  // The subscriber is shared with other stores: their messages are not for this one.
  await connections.subscriber.subscribe(`${prefix}other-channel`)
  let changes = 0
  store.onChange(() => changes++)
  const resynced = new Promise<void>((resolve) => store.onResync(resolve))
  await admin.publish(`${prefix}other-channel`, '{"v":1,"op":"delete","bank":"b"}')
  await admin.publish(bankChannel(prefix), 'garbage')
  await resynced
  t.equal(changes, 0)
})

t.test('a failed command inside a pipeline is FG_STORE_UNAVAILABLE too', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const store = await storeAt(t, prefix)
  await store.createBank({ name: 'b', enabled: true, createdAt: 'now' })
  await admin.set(bankKeys(prefix, 'b').entries, 'not a hash')
  await t.rejects(store.listBanks(), { code: 'FG_STORE_UNAVAILABLE', message: /^hash bank store unavailable: WRONGTYPE/ })
})

t.test('close stops listening and leaves the connections to their owner', async (t) => {
  const prefix = testPrefix()
  await redisClient(t, prefix)
  const url = await redisUrl(t)
  const connections = await connect(t, url)
  const store = new RedisBankStore({ ...connections, keyPrefix: prefix })
  await store.start()
  const writer = await storeAt(t, prefix)
  let heard = 0
  store.onChange(() => heard++)
  await store.close()
  await writer.createBank({ name: 'b', enabled: true, createdAt: 'now' })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(heard, 0)
  t.equal(connections.subscriber.status, 'ready')
})

t.test('an unreachable Redis is FG_STORE_UNAVAILABLE on every call', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const store = new RedisBankStore({ ...(await connect(t, server.url, { retryStrategy: () => 50 })), keyPrefix: testPrefix() })
  await store.start()
  await store.createBank({ name: 'b', enabled: true, createdAt: 'now' })
  await server.stop()
  const unavailable = { code: 'FG_STORE_UNAVAILABLE', statusCode: 503, message: /^hash bank store unavailable: .*nothing was changed$/ }
  const entry = { id: 'e1', hash: 'a'.repeat(64), action: 'hide' as const, addedAt: 'now' }
  await t.rejects(store.createBank({ name: 'c', enabled: true, createdAt: 'now' }), unavailable)
  await t.rejects(store.listBanks(), unavailable)
  await t.rejects(store.getBank('b'), unavailable)
  await t.rejects(store.updateBank('b', { enabled: false }), unavailable)
  await t.rejects(store.deleteBank('b'), unavailable)
  await t.rejects(store.addEntries('b', [entry]), unavailable)
  await t.rejects(store.listEntries('b', { limit: 1 }), unavailable)
  await t.rejects(store.removeEntry('b', 'e1'), unavailable)
  await t.rejects(store.version(), unavailable)
  await t.rejects(store.ping(), unavailable)
})

t.test('start waits for Redis: a subscription that fails while it is unreachable is tried again once it answers', async (t) => {
  const server = await startRedis()
  const port = Number(new URL(server.url).port)
  await server.stop()
  const subscriber = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  subscriber.on('error', () => {})
  redis.on('error', () => {})
  t.teardown(() => {
    subscriber.disconnect()
    redis.disconnect()
  })
  const prefix = testPrefix()
  const store = new RedisBankStore({ redis, subscriber, keyPrefix: prefix })
  let subscribed = false
  const starting = store.start().then(() => (subscribed = true))
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.notOk(subscribed)
  const again = await startRedis(port)
  t.teardown(() => again.stop())
  await starting
  const heard = new Promise<void>((resolve) => store.onChange(() => resolve()))
  const publisher = new Redis(again.url)
  t.teardown(() => publisher.disconnect())
  await publisher.publish(bankChannel(prefix), '{"v":1,"op":"delete","bank":"b"}')
  await heard
})

t.test('a subscription refused by a connected Redis (an ACL) is an error', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  await admin.call('ACL', 'SETUSER', 'default', 'resetchannels', '&elsewhere')
  const store = new RedisBankStore({ ...(await connect(t, server.url)), keyPrefix: testPrefix() })
  await t.rejects(store.start(), /NOPERM/)
})

t.test('a reconnect of the subscriber asks for a resync, also when it was connected before the store was made', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const name = `fgtest-sub-${prefix.slice(7, 15)}`
  const connections = await connect(t, await redisUrl(t), { connectionName: name, retryStrategy: () => 20 })
  const { subscriber } = connections
  await new Promise((resolve) => (subscriber.status === 'ready' ? resolve(null) : subscriber.once('ready', resolve)))
  const store = new RedisBankStore({ ...connections, keyPrefix: prefix })
  await store.start()
  let resyncs = 0
  const resynced = new Promise<void>((resolve) =>
    store.onResync(() => {
      resyncs++
      resolve()
    })
  )
  await killSubscriber(admin, name)
  await resynced
  t.equal(resyncs, 1, 'missed notifications are assumed after a reconnect')
  await t.resolves(store.ping())
})
