import { Cluster, Redis } from 'ioredis'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { createRedisConnections, isCluster, SLOTS_REFRESH_MS } from '../../src/redis/connection.js'
import { build, clusterClient, redisClusterNodes, testPrefix } from '../helpers/app.js'
import { startRedisCluster } from '../helpers/redis.js'

t.test('no Redis configured: no connections (embedded stores)', async (t) => {
  t.equal(createRedisConnections(loadConfig({})), null)
})

t.test('REDIS_URL: one node, commands fail fast while disconnected, the subscriber waits', async (t) => {
  const connections = createRedisConnections(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' }))!
  t.teardown(() => {
    connections.redis.disconnect()
    connections.subscriber.disconnect()
    connections.writer.disconnect()
  })
  t.ok(connections.redis instanceof Redis)
  t.notOk(isCluster(connections.redis))
  t.equal((connections.redis as Redis).options.enableOfflineQueue, false)
  t.equal((connections.subscriber as Redis).options.enableOfflineQueue, true)
  t.not(connections.writer, connections.redis, 'writes that wait for a replica have a connection of their own')
  t.equal((connections.writer as Redis).options.enableOfflineQueue, false)
  t.equal((connections.writer as Redis).options.commandTimeout, 1500, 'the command timeout plus the wait')
})

t.test('REDIS_REPLICA_WAIT_MS=0: writes do not wait, and share the command connection', async (t) => {
  for (const env of [{ REDIS_URL: 'redis://127.0.0.1:1' }, { REDIS_CLUSTER_NODES: '127.0.0.1:1' }]) {
    const connections = createRedisConnections(loadConfig({ ...env, REDIS_REPLICA_WAIT_MS: '0' }))!
    connections.redis.on('error', () => {})
    connections.subscriber.on('error', () => {})
    connections.redis.disconnect()
    connections.subscriber.disconnect()
    t.equal(connections.writer, connections.redis)
  }
})

t.test('REDIS_CLUSTER_NODES: the cluster client on the seed nodes, with the password for every node', async (t) => {
  const connections = createRedisConnections(
    loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:1, [::1]:2', REDIS_PASSWORD: 'secret', REDIS_COMMAND_TIMEOUT_MS: '300' })
  )!
  t.teardown(() => {
    connections.redis.disconnect()
    connections.subscriber.disconnect()
    connections.writer.disconnect()
  })
  connections.redis.on('error', () => {})
  connections.subscriber.on('error', () => {})
  connections.writer.on('error', () => {})
  t.ok(isCluster(connections.redis))
  const cluster = connections.redis as Cluster
  t.same(cluster.options.scaleReads, 'master', 'reads see the writes just made')
  t.equal(cluster.options.enableOfflineQueue, false)
  t.same(cluster.options.redisOptions, { maxRetriesPerRequest: 0, commandTimeout: 300, password: 'secret' })
  t.equal((connections.subscriber as Cluster).options.shardedSubscribers, true)
  t.equal((connections.subscriber as Cluster).options.enableOfflineQueue, true)
  t.same((connections.writer as Cluster).options.redisOptions, { maxRetriesPerRequest: 0, commandTimeout: 800, password: 'secret' }, 'the command timeout plus the wait')
})

t.test('a cluster connection refreshes its slot map now and then while connected, and never once it has ended', async (t) => {
  const seeds = await redisClusterNodes(t)
  const connections = (nodes: string) => {
    const made = createRedisConnections(loadConfig({ REDIS_CLUSTER_NODES: nodes, REDIS_REPLICA_WAIT_MS: '0' }))!
    for (const connection of [made.redis, made.subscriber]) {
      connection.on('error', () => {})
      t.teardown(() => connection.disconnect())
    }
    return made.redis as Cluster
  }
  const redis = connections(seeds)
  const unreachable = connections('127.0.0.1:1')
  // The periodic refreshes are the ones asked without a callback (ioredis's own, on connecting, pass one).
  const periodic = { connected: 0, afterEnd: 0, unreachable: 0 }
  let ended = false
  const refresh = redis.refreshSlotsCache.bind(redis)
  const closedDuringRefresh = new Promise<void>((resolve) => {
    redis.refreshSlotsCache = (callback) => {
      if (callback) return refresh(callback)
      if (ended) periodic.afterEnd++
      else periodic.connected++
      refresh()
      // closed while that refresh is under way: the case that kept ioredis's own timer alive
      if (periodic.connected === 1) void redis.quit().then(() => resolve())
    }
  })
  const refreshUnreachable = unreachable.refreshSlotsCache.bind(unreachable)
  unreachable.refreshSlotsCache = (callback) => {
    if (!callback) periodic.unreachable++
    refreshUnreachable(callback)
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  await Promise.race([closedDuringRefresh, sleep(SLOTS_REFRESH_MS * 4)])
  t.equal(periodic.connected, 1, 'refreshed while connected')
  await redis.quit().catch(() => undefined)
  if (redis.status !== 'end') await new Promise((resolve) => redis.once('end', resolve))
  ended = true
  await sleep(SLOTS_REFRESH_MS * 1.5)
  t.same(periodic, { connected: 1, afterEnd: 0, unreachable: 0 }, 'none after the end, none while never connected')
})

t.test('the service runs on a Redis Cluster: a rules document is stored on the master of its slot', async (t) => {
  const seeds = await redisClusterNodes(t)
  const prefix = testPrefix()
  const app = await build(t, { REDIS_CLUSTER_NODES: seeds, REDIS_KEY_PREFIX: prefix }, { models: [] })
  const put = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { sensitivity: 'strict' } })
  t.equal(put.statusCode, 200, put.body)
  const got = await app.inject({ method: 'GET', url: '/v1/users/u1/rules' })
  t.equal(got.json().sensitivity, 'strict')
  const items = Array.from({ length: 20 }, (_, n) => ({ id: `item-${n}`, text: 'hello' }))
  const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items } })
  t.equal(scored.json().meta.degraded, false, 'the rules and the items\' statuses read from the nodes that hold them')
  t.equal(scored.json().meta.rulesVersion, 1)

  const key = `${prefix}{u:u1}:rules`
  const cluster = clusterClient(seeds)
  t.teardown(() => cluster.disconnect())
  await cluster.del(`${prefix}none`)
  const slot = (await cluster.call('CLUSTER', 'KEYSLOT', key)) as number
  const [host, port] = cluster.slots[slot]![0]!.split(':')
  const owner = new Redis(Number(port), host!)
  t.teardown(() => owner.disconnect())
  t.match(await owner.hget(key, 'doc'), /"strict"/, 'on the master that owns the slot')
  await cluster.del(key)
  await app.close()
})

t.test('the harness makes a cluster of the asked shape and removes it', async (t) => {
  const cluster = await startRedisCluster({ masters: 3, replicas: 0 })
  t.equal(cluster.nodes.length, 3)
  t.equal(cluster.seeds.split(',').length, 3)
  const owner = await cluster.masterFor('some-key')
  const direct = new Redis(owner.port, '127.0.0.1')
  await direct.set('some-key', '1')
  t.equal(await direct.get('some-key'), '1', 'the key is served by the node that owns its slot')
  direct.disconnect()
  await cluster.stop()
  t.ok(cluster.nodes.every((node) => node.process.exitCode !== null || node.process.signalCode !== null))
})
