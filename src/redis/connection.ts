import { Cluster, Redis } from 'ioredis'
import type { Config } from '../config.js'

/** A connection for commands: one Redis node (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster

export interface RedisConnections {
  redis: RedisClient
  /** The stores' change notifications; its commands wait for a connection rather than fail. */
  subscriber: RedisClient
  /**
   * Writes that wait for a replica (src/redis/replica-wait.ts): a connection of their own, since WAIT
   * holds up whatever else is queued on its connection. `redis` itself when writes do not wait.
   */
  writer: RedisClient
}

/** Reconnection back-off of the command and subscriber connections. */
const retryDelay = (attempt: number) => Math.min(attempt * 100, 2000)

/**
 * Every Redis connection of the service is made here. Commands never queue while disconnected
 * (`enableOfflineQueue: false`): the scoring path degrades and writes fail fast instead of piling up.
 * The subscriber queues SUBSCRIBE until Redis answers, however long that takes: a subscription refused
 * while Redis was down at start-up would otherwise never be retried. Null without REDIS_URL or
 * REDIS_CLUSTER_NODES (embedded in-memory stores).
 */
export function createRedisConnections(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_PASSWORD' | 'REDIS_COMMAND_TIMEOUT_MS' | 'REDIS_REPLICA_WAIT_MS'>
): RedisConnections | null {
  const waits = config.REDIS_REPLICA_WAIT_MS > 0
  // A write's command timeout counts from when it is sent, and its WAIT is answered up to the wait after it.
  const writerTimeout = config.REDIS_COMMAND_TIMEOUT_MS + config.REDIS_REPLICA_WAIT_MS
  if (config.REDIS_CLUSTER_NODES) {
    const seeds = config.REDIS_CLUSTER_NODES.map((node) => {
      const colon = node.lastIndexOf(':')
      return { host: node.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(node.slice(colon + 1)) }
    })
    const options = {
      // Reads and writes go to masters: a replica may lag behind a write the same request just made.
      scaleReads: 'master' as const,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryDelay,
      // A failover moves slots: refresh the slot map soon after MOVED / connection errors, and now and then
      // anyway (refreshSlotsPeriodically, not ioredis's own slotsRefreshInterval).
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      redisOptions: {
        maxRetriesPerRequest: 0,
        commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
        ...(config.REDIS_PASSWORD ? { password: config.REDIS_PASSWORD } : {})
      }
    }
    const redis = new Cluster(seeds, options)
    const subscriber = new Cluster(seeds, {
      ...options,
      enableOfflineQueue: true,
      shardedSubscribers: true,
      redisOptions: { ...options.redisOptions, commandTimeout: undefined, maxRetriesPerRequest: null }
    })
    const writer = waits ? new Cluster(seeds, { ...options, redisOptions: { ...options.redisOptions, commandTimeout: writerTimeout } }) : redis
    for (const cluster of new Set([redis, subscriber, writer])) refreshSlotsPeriodically(cluster)
    return { redis, subscriber, writer }
  }
  if (!config.REDIS_URL) return null
  const redis = new Redis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: retryDelay
  })
  const subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null })
  const writer = waits ? redis.duplicate({ commandTimeout: writerTimeout }) : redis
  return { redis, subscriber, writer }
}

/** How often a cluster connection refreshes its slot map when nothing prompted it. */
export const SLOTS_REFRESH_MS = 2000

/**
 * Refreshes the cluster's slot map every SLOTS_REFRESH_MS while it is connected, until it ends. In place of
 * ioredis's `slotsRefreshInterval`, which can outlive the connection (ioredis 6.0): a refresh under way when
 * the cluster is closed re-arms its timer, which then refreshes the closed cluster every interval, for ever,
 * and keeps the process from exiting. This timer is unref'd and stops at the cluster's 'end'.
 */
function refreshSlotsPeriodically(cluster: Cluster): void {
  const timer = setInterval(() => {
    if (cluster.status === 'ready') cluster.refreshSlotsCache()
  }, SLOTS_REFRESH_MS).unref()
  cluster.once('end', () => clearInterval(timer))
}

export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster
