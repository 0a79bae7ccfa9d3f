import t from 'tap'
import { Redis } from 'ioredis'
import { createBanks } from '../../src/banks/banks.js'
import { hashImage } from '../../src/image/image-hash.js'
import { loadConfig } from '../../src/config.js'
import { redisClient, redisUrl, startRedis, testPrefix } from '../redis-helper.js'
import { killSubscriber } from './kill-subscriber.js'
import { pictureAsPng, pictureHash } from './images.js'

type Tap = import('tap').Test

const config = (prefix = 'unused:') => loadConfig({ REDIS_KEY_PREFIX: prefix, BANK_IMAGE_MAX_PIXELS: '1000000' })

function logger() {
  const lines: string[] = []
  return { lines, log: { info: (_: object, message: string) => lines.push(message), warn: (_: object, message: string) => lines.push(message) } }
}

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

async function until(check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
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
  const { lines, log } = logger()
  const banks = await createBanks({ config: config(), redis: null, subscriber: null, log })
  t.teardown(() => banks.close())
  t.equal(banks.store.kind, 'memory')
  t.match(lines, [/embedded in-memory store/, 'hash banks loaded'])
  t.same(banks.readiness(), { ok: true, detail: '0 entries in 0 enabled banks' })
  await banks.service.create({ name: 'known' })
  await banks.service.addEntries('known', [{ hash: pictureHash(1) }])
  t.same(banks.readiness(), { ok: true, detail: '1 entries in 1 enabled banks' })
  await t.rejects(banks.service.addEntries('known', [{ image: { url: 'https://cdn.example/a.png' } }]), {
    code: 'FG_VALIDATION',
    message: 'entries.0.image.url: url images are not supported here yet'
  })
  const matches = banks.screen.reasonsById([{ id: 'v' }], [await hashImage(await pictureAsPng(1))])
  t.match(matches?.get('v'), [{ type: 'hash', bank: 'known', distance: 0 }])
})

t.test('with Redis up: the Redis store, subscribed and loaded before serving; a fetcher is passed on', async (t) => {
  const prefix = testPrefix()
  await redisClient(t, prefix)
  const { redis, subscriber } = connections(t, await redisUrl(t))
  await new Promise((resolve) => redis.once('ready', resolve))
  const png = await pictureAsPng(1)
  const banks = await createBanks({ config: config(prefix), redis, subscriber, log: logger().log, fetchImage: async () => png })
  t.teardown(() => banks.close())
  t.equal(banks.store.kind, 'redis')
  t.ok(banks.index.loaded)
  await banks.service.create({ name: 'known' })
  const [added] = await banks.service.addEntries('known', [{ image: { url: 'https://cdn.example/a.png' } }])
  t.equal(added!.hash, pictureHash(1))
  t.equal(banks.index.size, 1)
})

t.test('with Redis not answering yet: loads in the background once it does, unready until then', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const sleeping = admin.call('DEBUG', 'SLEEP', '0.5')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const { redis, subscriber } = connections(t, server.url)
  const banks = await createBanks({ config: config(testPrefix()), redis, subscriber, log: logger().log, retryMs: 20 })
  t.teardown(() => banks.close())
  t.not(redis.status, 'ready')
  t.same(banks.readiness(), { ok: false, detail: 'hash banks not loaded yet' })
  await sleeping
  await until(() => banks.readiness().ok)
  t.ok(banks.index.loaded)
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
  const replica = await createBanks({ config: config(prefix), redis, subscriber, log: logger().log })
  t.teardown(() => replica.close())
  const writerConnections = connections(t, url)
  await new Promise((resolve) => writerConnections.redis.once('ready', resolve))
  const writer = await createBanks({ config: config(prefix), ...writerConnections, log: logger().log })
  t.teardown(() => writer.close())
  await writer.service.create({ name: 'known' })
  await until(() => replica.index.enabledBanks === 1)

  await killSubscriber(admin, name)
  await writer.service.addEntries('known', [{ hash: pictureHash(1) }])
  t.equal(replica.index.size, 0, 'not heard')
  await until(() => replica.index.size === 1)
  t.equal(replica.index.version, writer.index.version)
})

t.test('a subscription Redis refuses is logged, and the banks stay unready', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  const prefix = testPrefix()
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  await admin.call('ACL', 'SETUSER', 'default', 'resetchannels', '&elsewhere')
  const { redis, subscriber } = connections(t, server.url)
  const { lines, log } = logger()
  const banks = await createBanks({ config: config(prefix), redis, subscriber, log })
  t.teardown(() => banks.close())
  await until(() => lines.includes('hash bank change subscription refused'))
  t.notOk(banks.readiness().ok)
})
