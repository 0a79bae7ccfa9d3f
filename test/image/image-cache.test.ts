import { Cluster } from 'ioredis'
import t from 'tap'
import { dataKey, decodeEntry, encodeEntry, ImageCache, urlKey, type ImageEntry } from '../../src/image/image-cache.js'
import { hashFromHex, hashToHex } from '../../src/pdq/pdq.js'
import { ReadBatch } from '../../src/redis/read-batch.js'
import { storeClient, testPrefix } from '../helpers/redis.js'

const hex = (digit: string) => digit.repeat(64)
const entry: ImageEntry = { scores: { sexual: 0.25, suggestive: 0.5 }, hash: { hash: hashFromHex(hex('a')), quality: 87 } }
const options = { enabled: true, redis: null, keyPrefix: 'x:', maxItems: 10, ttlSeconds: 60, failureTtlSeconds: 60 }

t.test('keys: SHA-256 of the bytes, or of the URL', async (t) => {
  t.match(dataKey(Buffer.from('abc')), /^d:[A-Za-z0-9_-]{43}$/)
  t.equal(dataKey(Buffer.from('abc')), dataKey(new Uint8Array([97, 98, 99])))
  t.not(dataKey(Buffer.from('abc')), dataKey(Buffer.from('abd')))
  t.match(urlKey('https://cdn.example/a.jpg'), /^u:/)
  t.not(urlKey('https://cdn.example/a.jpg'), urlKey('https://cdn.example/b.jpg'))
})

t.test('entries round-trip through their stored form, with or without dihedral variants', async (t) => {
  const plain = decodeEntry(encodeEntry(entry))!
  t.same(plain.scores, entry.scores)
  t.equal(hashToHex(plain.hash.hash), hex('a'))
  t.equal(plain.hash.quality, 87)
  t.notOk('variants' in plain.hash)
  const withVariants = decodeEntry(encodeEntry({ ...entry, hash: { ...entry.hash, variants: [hashFromHex(hex('b')), hashFromHex(hex('c'))] } }))!
  t.same(withVariants.hash.variants!.map(hashToHex), [hex('b'), hex('c')])
})

t.test('anything else in the shared cache is a miss', async (t) => {
  for (const text of ['not json', '{}', '{"s":[0.1],"h":"aa","q":1}', JSON.stringify({ s: [0.1, 0.2], h: 'zz', q: 1 }), JSON.stringify({ s: [0.1, 0.2], h: hex('a') })]) {
    t.equal(decodeEntry(text), null, text)
  }
})

t.test('in process: entries and failures by key; disabled, nothing is kept', async (t) => {
  const cache = new ImageCache('m@1:pdq1', options)
  cache.store(['u:1', 'd:1'], entry)
  cache.storeFailure('u:2', 'http_error')
  t.same(cache.memory('u:1'), { entry })
  t.same(cache.memory('d:1'), { entry })
  t.same(cache.memory('u:2'), { failure: 'http_error' })
  t.equal(cache.memory('u:3'), undefined)
  t.equal(cache.size, 3)

  const off = new ImageCache('m@1:pdq1', { ...options, enabled: false })
  off.store(['u:1'], entry)
  off.storeFailure('u:2', 'http_error')
  t.equal(off.memory('u:1'), undefined)
  t.equal(off.size, 0)
  t.equal(await off.queueRead('u:1', new ReadBatch(null)), null)
})

t.test('Redis: reads ride on the request batch; a failed read is a miss; writes need a ready connection', async (t) => {
  const prefix = testPrefix()
  const redis = await storeClient(t, prefix)
  await redis.ping()
  const cache = new ImageCache('m@1:pdq1', { ...options, redis, keyPrefix: prefix })
  cache.store(['u:1'], entry)
  await redis.set(`${prefix}img:m@1:pdq1:u:bad`, 'garbage')
  const other = new ImageCache('m@1:pdq1', { ...options, redis, keyPrefix: prefix })
  let stored: string | null = null
  for (let i = 0; i < 50 && stored === null; i++) stored = await redis.get(`${prefix}img:m@1:pdq1:u:1`)
  t.ok(stored, 'written back')
  const batch = new ReadBatch(redis)
  const reads = [other.queueRead('u:1', batch), other.queueRead('u:bad', batch), other.queueRead('u:none', batch)]
  t.equal(batch.size, 3)
  await batch.run(1000)
  const [found, bad, none] = await Promise.all(reads)
  t.same(found!.scores, entry.scores)
  t.same([bad, none], [null, null])
  t.same(other.memory('u:1'), { entry: found }, 'kept in process once read')
  t.equal(await other.queueRead('u:1', new ReadBatch(null)), null, 'a read that cannot be made is a miss')

  const waiting = redis instanceof Cluster ? redis.duplicate(undefined, { lazyConnect: true }) : redis.duplicate({ lazyConnect: true })
  const notReady = new ImageCache('m@1:pdq1', { ...options, redis: waiting, keyPrefix: prefix })
  notReady.store(['u:9'], entry)
  t.same(notReady.memory('u:9'), { entry }, 'kept in process')
  t.equal(await redis.get(`${prefix}img:m@1:pdq1:u:9`), null, 'not sent to a connection that is not ready')
  waiting.disconnect()
})
