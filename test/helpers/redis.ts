import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { Cluster, Redis } from 'ioredis'
import { startRedis, startRedisCluster, type ThrowawayCluster } from '../../scripts/redis-servers.js'
import { loadConfig } from '../../src/config.js'
import { createRedisConnections, type RedisConnections } from '../../src/redis/connection.js'
import { RESYNC_MAX_WAIT_MS, RESYNC_SETTLE_MS } from '../../src/redis/channel-subscription.js'
import { ReplicaWait } from '../../src/redis/replica-wait.js'
import { RedisRulesStore } from '../../src/rules/redis-rules-store.js'

export { freePort, startRedis, startRedisCluster, until, type ThrowawayCluster, type ThrowawayRedis } from '../../scripts/redis-servers.js'

type Tap = { teardown(fn: () => unknown): void }

/** A key prefix no other test (or user) owns. */
export const testPrefix = () => `fgtest:${randomBytes(4).toString('hex')}:`

/**
 * Which Redis the suite runs against. A cluster when REDIS_CLUSTER_NODES is set (an existing one) or
 * TEST_REDIS_CLUSTER=1 (a throwaway 6-node cluster per test process); otherwise one node: REDIS_URL, or
 * a throwaway redis-server per test process.
 */
export const clusterMode = () => Boolean(process.env.REDIS_CLUSTER_NODES) || process.env.TEST_REDIS_CLUSTER === '1'

let sharedNode: Promise<string> | undefined
let sharedCluster: Promise<string> | undefined

/** Servers that live as long as this test process, without keeping it alive. */
function untilExit(processes: Array<{ unref(): void; kill(signal: NodeJS.Signals): boolean }>, dir?: string) {
  for (const child of processes) child.unref()
  process.once('exit', () => {
    for (const child of processes) child.kill('SIGKILL')
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
}

/**
 * The single Redis node the suite runs against: REDIS_URL when set, otherwise a throwaway
 * redis-server started for this test process. Fails with a clear message when neither is possible.
 */
export function redisUrl(t: Tap): Promise<string> {
  void t
  if (process.env.REDIS_URL) return Promise.resolve(process.env.REDIS_URL)
  sharedNode ??= startRedis().then(
    (server) => {
      untilExit([server.process])
      return server.url
    },
    (err: Error) => {
      throw new Error(`tests need Redis: set REDIS_URL or install redis-server (${err.message})`)
    }
  )
  return sharedNode
}

/** The cluster's seed list (REDIS_CLUSTER_NODES format): the given one, or a throwaway cluster for this test process. */
export function redisClusterNodes(t: Tap): Promise<string> {
  void t
  if (process.env.REDIS_CLUSTER_NODES) return Promise.resolve(process.env.REDIS_CLUSTER_NODES)
  sharedCluster ??= startRedisCluster().then(
    (cluster: ThrowawayCluster) => {
      untilExit(cluster.nodes.map((node) => node.process), cluster.dir)
      return cluster.seeds
    },
    (err: Error) => {
      throw new Error(`cluster tests need redis-server and redis-cli (${err.message})`)
    }
  )
  return sharedCluster
}

/** The service's environment for the suite's Redis: `{ REDIS_URL }` or `{ REDIS_CLUSTER_NODES }`. */
export async function redisEnv(t: Tap): Promise<Record<string, string>> {
  return clusterMode() ? { REDIS_CLUSTER_NODES: await redisClusterNodes(t) } : { REDIS_URL: await redisUrl(t) }
}

/** A client for the given seed list. */
export function clusterClient(seeds: string): Cluster {
  return new Cluster(
    seeds.split(',').map((seed) => {
      const [host, port] = seed.split(':')
      return { host: host!, port: Number(port) }
    })
  )
}

/** A connection to the suite's single Redis node for a test, with every key under `prefix` deleted when the test ends. */
export async function redisClient(t: Tap, prefix: string): Promise<Redis> {
  const redis = new Redis(await redisUrl(t))
  t.teardown(() => deleteKeys(redis, prefix))
  return redis
}

/**
 * A connection to the suite's Redis, one node or a cluster (see clusterMode), for a test, with every
 * key under `prefix` deleted when the test ends.
 */
export async function storeClient(t: Tap, prefix: string): Promise<Redis | Cluster> {
  const redis = clusterMode() ? clusterClient(await redisClusterNodes(t)) : new Redis(await redisUrl(t))
  t.teardown(() => deleteKeys(redis, prefix))
  return redis
}

async function deleteKeys(redis: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis]
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      // One DEL per key on a cluster: the keys of one node span many slots.
      if (redis instanceof Cluster) for (const key of keys) await node.del(key)
      else if (keys.length > 0) await node.del(...keys)
      cursor = next
    } while (cursor !== '0')
  }
  redis.disconnect()
}

/**
 * The service's own connections (src/redis/connection.ts) to the suite's Redis, one node or a
 * cluster, ready; closed when the test ends.
 */
export async function storeConnections(t: Tap, env: Record<string, string> = {}): Promise<RedisConnections> {
  const connections = createRedisConnections(loadConfig({ ...(await redisEnv(t)), ...env }))!
  const all = [...new Set([connections.redis, connections.subscriber, connections.writer])]
  for (const connection of all) {
    connection.on('error', () => {})
    t.teardown(() => connection.disconnect())
  }
  await Promise.all(all.map((c) => (c.status === 'ready' ? null : new Promise((resolve) => c.once('ready', resolve)))))
  return connections
}

/**
 * A Redis rules store made as the service makes it from `env`, on connections of its own, started; for a
 * test to hand to an app (`build(t, env, { rulesStore })`) and count, from the outside, each rebuild of its
 * cluster subscribers and each resync it signals. `disconnect` must come before the Redis it uses stops
 * (the test's own teardown): a cluster client left over dead nodes keeps the process alive.
 */
export async function countedRulesStore(env: Record<string, string>) {
  const config = loadConfig(env)
  const connections = createRedisConnections(config)!
  const store = new RedisRulesStore({
    redis: connections.redis,
    subscriber: connections.subscriber,
    writes: new ReplicaWait({ redis: connections.writer, timeoutMs: config.REDIS_REPLICA_WAIT_MS }),
    keyPrefix: config.REDIS_KEY_PREFIX
  })
  const disconnect = () => {
    for (const connection of new Set(Object.values(connections))) connection.disconnect()
  }
  await store.start()
  // Counted from here: the rebuilds of start-up are none of the test's business.
  const counts = { rebuilds: [] as number[], resyncs: 0 }
  connections.subscriber.on('subscribersReady', () => counts.rebuilds.push(Date.now()))
  store.onResync(() => counts.resyncs++)
  return { store, counts, disconnect }
}

/**
 * ioredis rebuilds its shard subscribers again and again while a failover settles: the resyncs that follow
 * are at most one per RESYNC_MAX_WAIT_MS of a burst (and one after it), not one per rebuild. Rebuilds that come
 * after RESYNC_SETTLE_MS of quiet (less a margin for the two listeners' clocks) begin a burst of their own, with its
 * own resync.
 */
export function assertCoalesced(t: Tap & { ok(value: unknown, message: string): void }, counts: { rebuilds: number[]; resyncs: number }) {
  const { rebuilds, resyncs } = counts
  const bursts: number[][] = []
  for (const at of rebuilds) {
    const current = bursts.at(-1)
    if (current && at - current.at(-1)! < RESYNC_SETTLE_MS - 50) current.push(at)
    else bursts.push([at])
  }
  const allowed = bursts.reduce((sum, burst) => sum + Math.floor((burst.at(-1)! - burst[0]!) / RESYNC_MAX_WAIT_MS) + 1, 0)
  const spanMs = rebuilds.length === 0 ? 0 : rebuilds.at(-1)! - rebuilds[0]!
  t.ok(rebuilds.length > 0 && resyncs >= 1, `resynced after the failover (${rebuilds.length} subscriber rebuilds)`)
  t.ok(resyncs <= allowed, `${resyncs} resyncs for ${rebuilds.length} rebuilds in ${bursts.length} bursts over ${spanMs} ms`)
}

/** KEYS on one node or on every master of a cluster (where KEYS asks one node only). */
export async function keysMatching(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis]
  return (await Promise.all(nodes.map((node) => node.keys(pattern)))).flat()
}
