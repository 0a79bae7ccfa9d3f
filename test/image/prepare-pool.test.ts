import t from 'tap'
import { prepareImage } from '../../src/image/prepare.js'
import { errorFromReply, PreparePool } from '../../src/image/prepare-pool.js'
import { ImageDecodeError } from '../../src/image/preprocess.js'
import { hashToHex } from '../../src/pdq/pdq.js'
import { gradient, noise } from './helpers.js'

const sameFloats = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i])

t.test('a preparation thread gives what prepareImage gives on the calling thread', async (t) => {
  const pool = new PreparePool({ threads: 1, pdqVariants: true })
  t.teardown(() => pool.close())
  t.equal(pool.started, 0, 'no thread until an image comes')
  const bytes = await noise(90, 70, 6).jpeg().toBuffer()
  const [threaded, local] = await Promise.all([pool.prepare(bytes), prepareImage(bytes, { pdqVariants: true })])
  t.equal(pool.started, 1)
  t.ok(sameFloats(threaded.input, local.input), 'same model input')
  t.equal(hashToHex(threaded.hash.hash), hashToHex(local.hash.hash))
  t.equal(threaded.hash.quality, local.hash.quality)
  t.same(threaded.hash.variants?.map(hashToHex), local.hash.variants?.map(hashToHex))
  t.ok(bytes.length > 0, "the caller's bytes stay usable")
})

t.test('an unusable image rejects with the ImageDecodeError the thread saw', async (t) => {
  const pool = new PreparePool({ threads: 1, maxInputPixels: 1000 })
  t.teardown(() => pool.close())
  await t.rejects(pool.prepare(Buffer.from('not an image')), { name: 'ImageDecodeError', code: 'FG_IMAGE_INVALID', reason: /not a decodable image/ })
  await t.rejects(pool.prepare(await gradient(50, 50).png().toBuffer()), { code: 'FG_IMAGE_TOO_LARGE', reason: /over the 1000-pixel limit/ })
})

t.test('errors from a thread: image errors keep their code, anything else is a plain error', async (t) => {
  const decode = errorFromReply({ code: 'FG_IMAGE_INVALID', reason: 'bad', message: 'bad' })
  t.ok(decode instanceof ImageDecodeError)
  t.match(decode, { code: 'FG_IMAGE_INVALID', reason: 'bad' })
  t.match(errorFromReply({ code: 'FG_IMAGE_TOO_LARGE', message: 'big' }), { reason: 'big' })
  const other = errorFromReply({ message: 'out of memory' })
  t.notOk(other instanceof ImageDecodeError)
  t.equal(other.message, 'out of memory')
  t.notOk(errorFromReply({ code: 'ERR_SOMETHING', message: 'x' }) instanceof ImageDecodeError)
})

t.test('busy threads share the work: a second thread starts when the first has work waiting', async (t) => {
  const pool = new PreparePool({ threads: 2 })
  t.teardown(() => pool.close())
  const images = await Promise.all([1, 2, 3, 4].map((seed) => noise(64, 64, seed).png().toBuffer()))
  const prepared = await Promise.all(images.map((bytes) => pool.prepare(bytes)))
  t.equal(prepared.length, 4)
  t.equal(pool.started, 2)
})

t.test('threads: 0 prepares on the calling thread', async (t) => {
  const pool = new PreparePool({ threads: 0 })
  const prepared = await pool.prepare(await gradient(30, 20).png().toBuffer())
  t.equal(prepared.input.length, 3 * 224 * 224)
  t.equal(pool.started, 0)
  await pool.close()
})

t.test('close: calls still waiting reject, whether the thread had started or not; later calls are refused', async (t) => {
  const bytes = await noise(64, 64, 1).png().toBuffer()
  const starting = new PreparePool({ threads: 1 })
  const early = starting.prepare(bytes)
  await starting.close()
  await t.rejects(early, /image preparation thread stopped/)
  t.equal(starting.started, 0, 'a stopped thread leaves its slot')

  const running = new PreparePool({ threads: 1 })
  await running.prepare(bytes)
  const late = running.prepare(await noise(1500, 1500, 2).png().toBuffer())
  await running.close()
  await t.rejects(late, /image preparation thread stopped/)
  await t.rejects(running.prepare(bytes), /image preparation is closed/)
})

t.test('a thread that cannot start rejects the calls waiting for it with why', async (t) => {
  const pool = new PreparePool({ threads: 1, entry: new URL('./no-such-worker.js', import.meta.url).href })
  t.teardown(() => pool.close())
  await t.rejects(pool.prepare(await gradient(8, 8).png().toBuffer()), /no-such-worker/)
  t.equal(pool.started, 0)
})
