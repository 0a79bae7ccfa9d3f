import { Cluster, Redis } from 'ioredis'
import t from 'tap'
import { ReplicaWait } from '../../src/redis/replica-wait.js'
import { freePort, startRedis, startRedisCluster, testPrefix, until } from '../helpers/redis.js'

t.test('on a cluster a write waits for its shard\'s replica, asked of the master the slot map names', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.stop())
  const client = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })))
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  await new Promise((resolve) => client.once('ready', resolve))
  const writes = new ReplicaWait({ redis: client, timeoutMs: 300 })
  const key = `${testPrefix()}{u:alice}:rules`
  const master = await cluster.masterFor(key)
  const probe = new Redis(master.port, '127.0.0.1')
  t.teardown(() => probe.disconnect())
  // A replica still syncing is not counted (nothing to wait for), and the count is kept for a second: wait
  // until the shard's replica is online, or the writes below would rightly not wait at all.
  await until(async () => /^slave0:.*state=online/m.test(await probe.info('replication')), 10_000, 'the shard\'s replica online')

  const acked = await writes.exec(key, (pipeline) => pipeline.set(key, 'v1'))
  t.same(acked, { replies: [[null, 'OK']], acknowledged: true })

  // Hang the replica of the key's shard: connected, acknowledging nothing.
  const replicaPort = Number(/^slave0:ip=[^,]+,port=(\d+)/m.exec(await probe.info('replication'))![1])
  const replica = cluster.nodes.find((node) => node.port === replicaPort)!
  replica.process.kill('SIGSTOP')
  t.teardown(() => replica.process.kill('SIGCONT'))
  const unacked = await writes.exec(key, (pipeline) => pipeline.set(key, 'v2'))
  t.same(unacked, { replies: [[null, 'OK']], acknowledged: false }, 'applied on the master, not acknowledged')
  t.equal(await probe.get(key), 'v2')
})

t.test('on one node the replica count comes from INFO replication, asked again once it is old', async (t) => {
  const master = await startRedis()
  t.teardown(() => master.stop())
  const redis = new Redis(master.url)
  t.teardown(() => redis.disconnect())
  let now = 0
  const writes = new ReplicaWait({ redis, timeoutMs: 5000, replicaCheckMs: 1000, now: () => now })
  const key = `${testPrefix()}k`
  const started = Date.now()
  t.same(await writes.exec(key, (pipeline) => pipeline.set(key, 'a')), { replies: [[null, 'OK']], acknowledged: true })
  t.ok(Date.now() - started < 5000, 'no replica: no wait')

  const replica = await startRedis(undefined, ['--replicaof', '127.0.0.1', String(master.port)])
  t.teardown(() => {
    replica.process.kill('SIGCONT')
    return replica.stop()
  })
  await until(async () => (await redis.info('replication')).includes('state=online'), 10_000, 'replica not in sync')
  replica.process.kill('SIGSTOP')
  t.same(await writes.exec(key, (pipeline) => pipeline.set(key, 'b')), { replies: [[null, 'OK']], acknowledged: true }, 'the count is trusted for a while')
  now = 1000
  const waited = await new ReplicaWait({ redis, timeoutMs: 200 }).exec(key, (pipeline) => pipeline.set(key, 'c'))
  t.equal(waited.acknowledged, false, 'a hung replica acknowledges nothing')
  replica.process.kill('SIGCONT')
  const fresh = await writes.exec(key, (pipeline) => pipeline.set(key, 'd'))
  t.same(fresh, { replies: [[null, 'OK']], acknowledged: true }, 'asked again: the replica is there and acknowledges')
  t.equal(writes.unacknowledged('rules store').code, 'FG_STORE_UNAVAILABLE')
})

t.test('a WAIT that fails counts as no acknowledgement', async (t) => {
  const master = await startRedis()
  t.teardown(() => master.stop())
  const redis = new Redis(master.url, { commandTimeout: 100 })
  t.teardown(() => redis.disconnect())
  const replica = await startRedis(undefined, ['--replicaof', '127.0.0.1', String(master.port)])
  t.teardown(() => {
    replica.process.kill('SIGCONT')
    return replica.stop()
  })
  await until(async () => (await redis.info('replication')).includes('state=online'), 10_000, 'replica not in sync')
  replica.process.kill('SIGSTOP')
  // The client gives up on WAIT (100 ms) before Redis does (1 s).
  const key = `${testPrefix()}k`
  const result = await new ReplicaWait({ redis, timeoutMs: 1000 }).exec(key, (pipeline) => pipeline.set(key, 'x'))
  t.equal(result.acknowledged, false)
})

t.test('a cluster whose slot map is not known yet: nothing to wait on, the write fails on its own', async (t) => {
  const client = new Cluster([{ host: '127.0.0.1', port: await freePort() }], { enableOfflineQueue: false, clusterRetryStrategy: () => null })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  await t.rejects(new ReplicaWait({ redis: client, timeoutMs: 300 }).exec('k', (pipeline) => pipeline.set('k', 'v')))
})
