import fp from 'fastify-plugin'
import { storeUnavailable } from '../../errors.js'
import { DatasetMarker } from '../../redis/dataset-marker.js'

export interface DatasetWatch {
  /** `store_data_lost: …` while a loss of Redis' data is unacknowledged; every /v1/score answer carries it. */
  degradedReasons(): string[]
  /** Clears the loss on every replica; answers whether there was one. */
  acknowledge(): Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    dataset: DatasetWatch
  }
}

/**
 * Notices a wiped or replaced Redis (src/redis/dataset-marker.ts): checked at start, every
 * REDIS_DATASET_CHECK_MS and on every reconnect. A loss is logged as an error, counted
 * (`feedguard_redis_data_loss_total`), shown in /readyz (still ready: scoring works) and marks every
 * /v1/score answer degraded (`store_data_lost`) until `POST /v1/admin/data-loss/ack`.
 * Without Redis there is nothing to lose: nothing is checked.
 */
export default fp(
  async (app) => {
    const { redis, config } = app
    if (!redis) {
      app.decorate('dataset', { degradedReasons: () => [], acknowledge: async () => false } satisfies DatasetWatch)
      return
    }
    const marker = new DatasetMarker({
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      onLoss: (loss) => {
        app.metrics.redisDataLoss.inc()
        app.log.error(
          { reason: loss.reason },
          'redis lost its data (empty or another dataset): users\' rules and hash banks written before are gone; acknowledge with POST /v1/admin/data-loss/ack once handled'
        )
      }
    })
    let checking: Promise<void> | undefined
    // One check at a time; a check Redis does not answer concludes nothing (the connection errors are logged elsewhere).
    const check = () => (checking ??= marker.check().catch(() => undefined).finally(() => (checking = undefined)))
    await check()
    const timer = setInterval(check, config.REDIS_DATASET_CHECK_MS)
    timer.unref()
    redis.on('ready', check)
    app.addHook('onClose', async () => {
      clearInterval(timer)
      redis.off('ready', check)
      await checking
    })

    const describe = () => {
      const loss = marker.loss
      return loss && `store_data_lost: ${loss.reason} at ${new Date(loss.since).toISOString()}`
    }
    app.readiness.add('redisDataset', () => {
      const lost = describe()
      // Still ready: scoring answers (degraded); the body says what happened.
      if (lost) return { ok: true, detail: `${lost}; rules and hash banks written before are gone, acknowledge with POST /v1/admin/data-loss/ack` }
      return { ok: true, detail: marker.datasetId ? `dataset ${marker.datasetId}` : 'not checked yet' }
    })
    app.decorate('dataset', {
      degradedReasons: () => {
        const lost = describe()
        return lost ? [lost] : []
      },
      acknowledge: async () => {
        const had = await marker.acknowledge().catch((err: Error) => {
          throw storeUnavailable(err.message, 'redis')
        })
        if (had) app.log.warn('redis data loss acknowledged')
        return had
      }
    } satisfies DatasetWatch)
  },
  { name: 'dataset', dependencies: ['config', 'redis', 'metrics', 'readiness'], fastify: '5.x' }
)
