import fp from 'fastify-plugin'
import { Redis, ReplyError } from 'ioredis'
import { onCommandError } from '../../redis/command-errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when no REDIS_URL is configured (embedded in-memory stores). */
    redis: Redis | null
    redisSubscriber: Redis | null
  }
}

export interface RedisPluginOptions {
  /** How long start-up waits for a first connection before going on (readiness stays 503 until then). Default 2 s. */
  connectWaitMs?: number
}

/**
 * Redis connections (REDIS_URL): one for commands, one shared by the stores' change subscriptions.
 * Commands never queue while disconnected (`enableOfflineQueue: false`): the scoring path degrades and
 * writes fail fast instead of piling up; ioredis keeps reconnecting by itself. A reply error at
 * start-up (bad password, wrong database) fails start-up; network errors do not.
 */
export default fp<RedisPluginOptions>(
  async (app, options) => {
    const url = app.config.REDIS_URL
    if (!url) {
      app.decorate('redis', null)
      app.decorate('redisSubscriber', null)
      return
    }
    const redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: app.config.REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000)
    })
    // The subscriber queues SUBSCRIBE until Redis answers, however long that takes: a subscription
    // refused while Redis was down at start-up would otherwise never be retried.
    const subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null })
    let lastError = ''
    const logError = (err: Error) => {
      // ioredis emits the same connection error on every retry: log changes, not repeats.
      if (err.message !== lastError) app.log.warn({ err: { message: err.message } }, 'redis connection error')
      lastError = err.message
    }
    onCommandError(redis, (command) => app.metrics.redisCommandErrors.inc({ command }))
    app.metrics.observeRedisConnection('commands', () => redis.status === 'ready')
    app.metrics.observeRedisConnection('subscriber', () => subscriber.status === 'ready')
    redis.on('error', logError)
    subscriber.on('error', logError)
    redis.on('ready', () => {
      lastError = ''
      app.log.info('redis connected')
    })

    await waitForFirstConnection(redis, options.connectWaitMs ?? 2000).catch((err: unknown) => {
      redis.disconnect()
      subscriber.disconnect()
      throw err
    })

    app.decorate('redis', redis)
    app.decorate('redisSubscriber', subscriber)
    app.addHook('onClose', async () => {
      subscriber.disconnect()
      await redis.quit().catch(() => redis.disconnect())
    })
  },
  { name: 'redis', dependencies: ['config', 'metrics'], fastify: '5.x' }
)

function waitForFirstConnection(redis: Redis, waitMs: number): Promise<void> {
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
