import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import t from 'tap'
import { loadConfig } from '../../../src/config.js'
import { hashImage } from '../../../src/image/image-hash.js'
import banksPlugin, { type BanksPluginOptions } from '../../../src/plugins/app/banks.js'
import readiness from '../../../src/plugins/app/readiness.js'
import type { RedisClient } from '../../../src/redis/connection.js'
import configPlugin from '../../../src/plugins/external/config.js'
import { imageHost } from '../../helpers/image-host.js'
import { pictureAsPng, pictureHash } from '../../helpers/pictures.js'
import { killSubscriber } from '../../helpers/kill-subscriber.js'
import { redisClient, redisUrl, startRedis, storeClient, storeConnections, testPrefix } from '../../helpers/redis.js'

type Tap = import('tap').Test

const LOCAL_IMAGES = { IMAGE_ALLOWED_HOSTS: '127.0.0.1', IMAGE_ALLOW_HTTP: 'true', IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true' }

function connections(t: Tap, url: string) {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 })
  const subscriber = redis.duplicate({ enableOfflineQueue: true })
  redis.on('error', () => {})
  subscriber.on('error', () => {})
  t.teardown(() => {
    redis.disconnect()
    subscriber.disconnect()
  })
  return { redis, subscriber }
}

/**
 * The banks plugin alone, on the test's own connections (null: no Redis) in place of the redis plugin,
 * with what it logs collected.
 */
async function banksApp(
  t: Tap,
  options: { env?: Record<string, string>; redis?: RedisClient; subscriber?: RedisClient } & BanksPluginOptions = {}
): Promise<{ app: FastifyInstance; lines: string[]; readiness: () => Promise<unknown> }> {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push((JSON.parse(line) as { msg: string }).msg) } } })
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: loadConfig({ BANK_IMAGE_MAX_PIXELS: '1000000', ...options.env }) })
  await app.register(
    fp(
      async (instance) => {
        instance.decorate<RedisClient | null>('redis', options.redis ?? null)
        instance.decorate<RedisClient | null>('redisSubscriber', options.subscriber ?? null)
      },
      { name: 'redis' }
    )
  )
  await app.register(readiness)
  // No image model: entry images are hashed on the calling thread.
  await app.register(
    fp(
      async (instance) => {
        instance.decorate('models', { text: [], image: undefined, problems: [], ids: [] })
      },
      { name: 'models' }
    )
  )
  await app.register(banksPlugin, options.retryMs === undefined ? {} : { retryMs: options.retryMs })
  return { app, lines, readiness: async () => (await app.readiness.run()).checks.hashBanks }
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

t.test('configuration: defaults, and a bank name pattern that is not a regular expression is refused', async (t) => {
  t.match(loadConfig({}), {
    PDQ_MATCH_DISTANCE: 31,
    PDQ_QUALITY_THRESHOLD: 50,
    PDQ_DIHEDRAL: false,
    BANK_NAME_PATTERN: '^[a-z0-9][a-z0-9_-]{0,63}$',
    MAX_BANK_ENTRIES_PER_REQUEST: 1000,
    BANK_IMAGE_MAX_PIXELS: 50_000_000
  })
  t.equal(loadConfig({ PDQ_DIHEDRAL: 'true', PDQ_MATCH_DISTANCE: '20' }).PDQ_DIHEDRAL, true)
  t.throws(() => loadConfig({ BANK_NAME_PATTERN: '([a-z]', PDQ_QUALITY_THRESHOLD: '101' }), {
    name: 'ConfigError',
    problems: ['PDQ_QUALITY_THRESHOLD: Too big: expected number to be <=100', 'BANK_NAME_PATTERN: not a valid regular expression']
  })
})

t.test('without Redis: an embedded store, loaded at once, and said so', async (t) => {
  const { app, lines, readiness } = await banksApp(t)
  const { banks } = app
  t.equal(banks.store.kind, 'memory')
  t.match(lines, [/embedded in-memory store/, 'hash banks loaded'])
  t.same(await readiness(), { ok: true, detail: '0 entries in 0 enabled banks' })
  await banks.service.create({ name: 'known' })
  await banks.service.addEntries('known', [{ hash: pictureHash(1) }])
  t.same(await readiness(), { ok: true, detail: '1 entries in 1 enabled banks' })
  await t.rejects(banks.service.addEntries('known', [{ image: { url: 'https://cdn.example/a.png' } }]), {
    code: 'FG_IMAGE_FETCH_FAILED',
    message: /^entries\.0\.image: image could not be fetched/
  })
  const matches = banks.screen.reasonsById([{ id: 'v' }], [await hashImage(await pictureAsPng(1))])
  t.match(matches?.get('v'), [{ type: 'hash', bank: 'known', distance: 0 }])
})

t.test('with Redis up: the Redis store, subscribed and loaded before serving; entries by image.url are fetched like item images', async (t) => {
  const prefix = testPrefix()
  await storeClient(t, prefix)
  // The suite's Redis, one node or a cluster (test:cluster); the other Redis tests here need a node of their own.
  const { redis, subscriber } = await storeConnections(t)
  const host = await imageHost(t)
  const url = host.serve('/a.png', await pictureAsPng(1))
  const { banks } = (await banksApp(t, { env: { REDIS_KEY_PREFIX: prefix, ...LOCAL_IMAGES }, redis, subscriber })).app
  t.equal(banks.store.kind, 'redis')
  t.ok(banks.index.loaded)
  await banks.service.create({ name: 'known' })
  const [added] = await banks.service.addEntries('known', [{ image: { url } }])
  t.equal(added!.hash, pictureHash(1))
  t.equal(banks.index.size, 1)
})

t.test('with Redis not answering yet: loads in the background once it does, degraded until then', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  // connected before the sleep is sent: on a busy machine connecting alone could outlast the wait below
  await admin.ping()
  const sleeping = admin.call('DEBUG', 'SLEEP', '0.5')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const { redis, subscriber } = connections(t, server.url)
  const { app, readiness } = await banksApp(t, { env: { REDIS_KEY_PREFIX: testPrefix() }, redis, subscriber, retryMs: 20 })
  t.not(redis.status, 'ready')
  t.same(await readiness(), { ok: true, degraded: true, detail: 'hash banks not loaded yet: images are not matched against them' }, 'scoring answers meanwhile')
  await sleeping
  await until(async () => !((await readiness()) as { degraded?: boolean }).degraded)
  t.ok(app.banks.index.loaded)
})

t.test('changes missed while the subscriber was disconnected are picked up by a reload', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  const url = await redisUrl(t)
  const name = `fgtest-sub-${prefix.slice(7, 15)}`
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  // Reconnects after a pause long enough to make a change it cannot hear.
  const subscriber = new Redis(url, { connectionName: name, retryStrategy: () => 300 })
  t.teardown(() => {
    redis.disconnect()
    subscriber.disconnect()
  })
  await new Promise((resolve) => redis.once('ready', resolve))
  const replica = (await banksApp(t, { env: { REDIS_KEY_PREFIX: prefix }, redis, subscriber })).app.banks
  const writerConnections = connections(t, url)
  await new Promise((resolve) => writerConnections.redis.once('ready', resolve))
  const writer = (await banksApp(t, { env: { REDIS_KEY_PREFIX: prefix }, ...writerConnections })).app.banks
  await writer.service.create({ name: 'known' })
  await until(() => replica.index.enabledBanks === 1)

  await killSubscriber(admin, name)
  await writer.service.addEntries('known', [{ hash: pictureHash(1) }])
  t.equal(replica.index.size, 0, 'not heard')
  await until(() => replica.index.size === 1)
  t.equal(replica.index.version, writer.index.version)
})

t.test('a subscription Redis refuses is logged, and the banks stay unloaded (readiness degraded)', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  await admin.call('ACL', 'SETUSER', 'default', 'resetchannels', '&elsewhere')
  const { redis, subscriber } = connections(t, server.url)
  const { lines, readiness } = await banksApp(t, { env: { REDIS_KEY_PREFIX: testPrefix() }, redis, subscriber })
  await until(() => lines.includes('hash bank change subscription refused'))
  t.match(await readiness(), { ok: true, degraded: true })
})
