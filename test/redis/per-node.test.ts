import { Cluster } from 'ioredis'
import t from 'tap'
import { execByNode } from '../../src/redis/per-node.js'
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
