import { Cluster } from 'ioredis'
import t from 'tap'
import { execByNode, setAll, setAllCommands } from '../../src/redis/per-node.js'
import { freePort, storeConnections, storeClient, testPrefix } from '../helpers/redis.js'

t.test('commands on many slots go out one pipeline per node; replies come back in the order given', async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
  const keys = Array.from({ length: 50 }, (_, n) => `${prefix}k${n}`)
  const written = await execByNode(redis, keys.map((key, n) => ({ key, queue: (p) => p.set(key, String(n)) })))
  t.ok(written.every(([err, reply]) => err === null && reply === 'OK'))
  const read = await execByNode(redis, [...keys].reverse().map((key) => ({ key, queue: (p) => p.get(key) })))
  t.same(read.map(([, reply]) => Number(reply)), keys.map((_, n) => 49 - n))
  const [wrongType] = await execByNode(redis, [{ key: keys[0]!, queue: (p) => p.hget(keys[0]!, 'f') }])
  t.match(wrongType![0], /WRONGTYPE/, 'a command\'s own error is its reply')
})

t.test('a node that cannot be reached fails its commands, nothing else', async (t) => {
  const cluster = new Cluster([{ host: '127.0.0.1', port: await freePort() }], { enableOfflineQueue: false, clusterRetryStrategy: () => null })
  cluster.on('error', () => {})
  t.teardown(() => cluster.disconnect())
  const replies = await execByNode(cluster, [{ key: 'a', queue: (p) => p.get('a') }, { key: 'b', queue: (p) => p.get('b') }])
  t.equal(replies.length, 2)
  for (const [err] of replies) t.ok(err instanceof Error)
})

t.test('setAll rejects when a write failed', async (t) => {
  const cluster = new Cluster([{ host: '127.0.0.1', port: await freePort() }], { enableOfflineQueue: false, clusterRetryStrategy: () => null })
  cluster.on('error', () => {})
  t.teardown(() => cluster.disconnect())
  const failed = await setAll(cluster, [['a', 'x'], ['b', 'y']], 5).then(
    () => undefined,
    (err: unknown) => err
  )
  t.ok(failed instanceof Error, String(failed))
})

t.test('setAll writes every value with its time to live, one script per slot of keys', async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  const { redis } = await storeConnections(t)
  const entries = Array.from({ length: 230 }, (_, n) => [`${prefix}s${n}`, `v${n}`] as const)
  await setAll(redis, entries, 60)
  for (const [key, value] of entries) {
    t.equal(await redis.get(key), value)
    const ttl = await redis.ttl(key)
    t.ok(ttl > 0 && ttl <= 60, `${key} expires (${ttl} s)`)
  }
  await setAll(redis, [[`${prefix}alone`, 'x']], 5)
  t.equal(await redis.get(`${prefix}alone`), 'x')
  await setAll(redis, [], 5)
})

t.test('setAll groups by slot on a cluster and bounds each script', async (t) => {
  const names = (commands: ReturnType<typeof setAllCommands>) => commands.map((command) => command.key)
  const entries = [['{x}1', 'a'], ['{y}1', 'b'], ['{x}2', 'c']] as const
  t.same(names(setAllCommands(entries, 5, true)), ['{x}1', '{y}1'], 'one command per slot')
  t.same(names(setAllCommands(entries, 5, false)), ['{x}1'], 'one command on a single node')
  const many = Array.from({ length: 250 }, (_, n) => [`k${n}`, 'v'] as const)
  t.equal(setAllCommands(many, 5, false).length, 3, 'at most 100 keys per script')
})
