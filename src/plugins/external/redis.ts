import fp from 'fastify-plugin'
import { ReplyError } from 'ioredis'
import { onCommandError } from '../../redis/command-errors.js'
import { createRedisConnections, type RedisClient } from '../../redis/connection.js'
import { ReplicaWait } from '../../redis/replica-wait.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when neither REDIS_URL nor REDIS_CLUSTER_NODES is configured (embedded in-memory stores). */
    redis: RedisClient | null
    redisSubscriber: RedisClient | null
    /** Writes that must survive a failover (rules, verdicts, banks) wait for a replica through this. */
    redisWrites: ReplicaWait | null
  }
}

export interface RedisPluginOptions {
  /** How long start-up waits for a first connection before going on (readiness stays 503 until then). Default 2 s. */
  connectWaitMs?: number
}

/**
 * Redis connections (one node or a cluster, see src/redis/connection.ts): one for commands, one shared
 * by the stores' change subscriptions; ioredis keeps reconnecting by itself. A reply error at start-up
 * (bad password, wrong database) fails start-up; network errors do not.
 */
export default fp<RedisPluginOptions>(
  async (app, options) => {
    const connections = createRedisConnections(app.config)
    if (!connections) {
      app.decorate('redis', null)
      app.decorate('redisSubscriber', null)
      app.decorate('redisWrites', null)
      return
    }
    const { redis, subscriber, writer } = connections
    let lastError = ''
    const logError = (err: Error) => {
      // ioredis emits the same connection error on every retry: log changes, not repeats.
      if (err.message !== lastError) app.log.warn({ err: { message: err.message } }, 'redis connection error')
      lastError = err.message
    }
    onCommandError(redis, (command) => app.metrics.redisCommandErrors.inc({ command }))
    app.metrics.observeRedisConnection('commands', () => redis.status === 'ready')
    app.metrics.observeRedisConnection('subscriber', () => subscriber.status === 'ready')
    app.readiness.add('redis', () =>
      redis.status === 'ready'
        ? { ok: true, detail: 'connected' }
        : { ok: true, degraded: true, detail: `down (${redis.status}): answers are degraded, writes fail until it is back` }
    )
    redis.on('error', logError)
    subscriber.on('error', logError)
    if (writer !== redis) {
      writer.on('error', logError)
      onCommandError(writer, (command) => app.metrics.redisCommandErrors.inc({ command }))
    }
    redis.on('ready', () => {
      lastError = ''
      app.log.info('redis connected')
    })

    await waitForFirstConnection(redis, options.connectWaitMs ?? 2000).catch((err: unknown) => {
      redis.disconnect()
      subscriber.disconnect()
      writer.disconnect()
      throw err
    })

    app.decorate<RedisClient | null>('redis', redis)
    app.decorate<RedisClient | null>('redisSubscriber', subscriber)
    app.decorate<ReplicaWait | null>('redisWrites', new ReplicaWait({ redis: writer, timeoutMs: app.config.REDIS_REPLICA_WAIT_MS }))
    app.addHook('onClose', async () => {
      subscriber.disconnect()
      if (writer !== redis) await writer.quit().catch(() => writer.disconnect())
      await redis.quit().catch(() => redis.disconnect())
    })
  },
  { name: 'redis', dependencies: ['config', 'metrics', 'readiness'], fastify: '5.x' }
)

function waitForFirstConnection(redis: RedisClient, waitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, waitMs)
    function done() {
      clearTimeout(timer)
      redis.off('ready', done)
      redis.off('error', onError)
      resolve()
    }
    function onError(err: Error) {
      if (err instanceof ReplyError) {
        clearTimeout(timer)
        redis.off('ready', done)
        redis.off('error', onError)
        reject(new Error(`redis refused the connection: ${err.message}`))
      }
    }
    redis.on('ready', done)
    redis.on('error', onError)
  })
}
