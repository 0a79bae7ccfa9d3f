import t from 'tap'
import { loadModel, readManifest } from '../../src/classifiers/manifest.js'
import { ImageClassifier } from '../../src/image/image-classifier.js'
import { errorFromReply, ImageThreads, type ImageThreadsOptions } from '../../src/image/image-threads.js'
import { prepareImage } from '../../src/image/prepare.js'
import { ImageDecodeError } from '../../src/image/decode.js'
import { hashImage } from '../../src/image/image-hash.js'
import { NSFW_CLASSES } from '../../src/image/model-spec.js'
import { hashToHex } from '../../src/pdq/pdq.js'
import { gradient, modelPath, noise } from '../helpers/images.js'

const manifest = await readManifest('models')
const model = await loadModel('models', manifest.models.find((entry) => entry.kind === 'image')!)

function options(overrides: Partial<ImageThreadsOptions> = {}): ImageThreadsOptions {
  return { model, threads: 1, prepare: {}, batch: { maxBatch: 8, maxWaitMs: 1 }, ...overrides }
}

async function open(t: Tap, overrides: Partial<ImageThreadsOptions> = {}) {
  const threads = await ImageThreads.open(options(overrides))
  t.teardown(() => threads.close())
  return threads
}
type Tap = { teardown(fn: () => unknown): void }

const close = (a: number, b: number) => Math.abs(a - b) < 1e-5

t.test('an image thread scores what the classifier scores on the prepared input, with the PDQ hash of the same decode', async (t) => {
  const threads = await open(t, { prepare: { pdqVariants: true } })
  t.equal(threads.id, 'nsfwjs-mobilenetv2@1.0.0')
  t.equal(threads.started, 1, 'the first thread opens the model at once')
  const bytes = await noise(90, 70, 6).jpeg().toBuffer()
  const classifier = await ImageClassifier.create({ model: modelPath })
  t.teardown(() => classifier.release())
  const prepared = await prepareImage(bytes, { pdqVariants: true })
  const [expected] = await classifier.classifyTensors([prepared.input])
  const told: string[] = []
  const scored = await threads.score(bytes, (hash) => told.push(hashToHex(hash.hash)))
  t.same(told, [hashToHex(prepared.hash.hash)], 'the hash is told once, before the scores')
  t.ok(NSFW_CLASSES.every((c) => close(scored.probabilities[c], expected![c])), 'the same probabilities')
  t.equal(hashToHex(scored.hash.hash), hashToHex(prepared.hash.hash))
  t.equal(scored.hash.quality, prepared.hash.quality)
  t.same(scored.hash.variants?.map(hashToHex), prepared.hash.variants?.map(hashToHex))
  t.equal(scored.batch, 1)
  t.ok(bytes.length > 0, "the caller's bytes stay usable")
})

t.test('images that arrive together go to the model in one session.run', async (t) => {
  for (const threads of [await open(t, { batch: { maxBatch: 4, maxWaitMs: 5000 } }), await open(t, { threads: 0, batch: { maxBatch: 4, maxWaitMs: 5000 } })]) {
    const images = await Promise.all([1, 2, 3, 4].map((seed) => noise(64, 64, seed).png().toBuffer()))
    const scored = await Promise.all(images.map((bytes) => threads.score(bytes)))
    t.same(
      scored.map((s) => s.batch),
      [4, 4, 4, 4]
    )
  }
})

t.test('an unusable image rejects with the ImageDecodeError the thread saw', async (t) => {
  const threads = await open(t, { prepare: { maxInputPixels: 1000 } })
  await t.rejects(threads.score(Buffer.from('not an image')), { name: 'ImageDecodeError', code: 'FG_IMAGE_INVALID', reason: /not a decodable image/ })
  await t.rejects(threads.score(await gradient(50, 50).png().toBuffer()), { code: 'FG_IMAGE_TOO_LARGE', reason: /over the 1000-pixel limit/ })
})

t.test('errors from a thread: image errors keep their code, anything else is a plain error', async (t) => {
  const decode = errorFromReply({ code: 'FG_IMAGE_INVALID', reason: 'bad', message: 'bad' })
  t.ok(decode instanceof ImageDecodeError)
  t.match(decode, { code: 'FG_IMAGE_INVALID', reason: 'bad' })
  t.match(errorFromReply({ code: 'FG_IMAGE_TOO_LARGE', message: 'big' }), { reason: 'big' })
  const other = errorFromReply({ message: 'session lost' })
  t.notOk(other instanceof ImageDecodeError)
  t.equal(other.message, 'session lost')
  t.notOk(errorFromReply({ code: 'ERR_SOMETHING', message: 'x' }) instanceof ImageDecodeError)
})

t.test('busy threads share the work: a second thread starts when the first has work waiting', async (t) => {
  const threads = await open(t, { threads: 2 })
  t.equal(threads.started, 1)
  const images = await Promise.all([1, 2, 3, 4].map((seed) => noise(64, 64, seed).png().toBuffer()))
  const scored = await Promise.all(images.map((bytes) => threads.score(bytes)))
  t.equal(scored.length, 4)
  t.equal(threads.started, 2)
})

t.test('threads: 0 does the work on the calling thread', async (t) => {
  const threads = await open(t, { threads: 0 })
  let told = 0
  const scored = await threads.score(await gradient(30, 20).png().toBuffer(), () => told++)
  t.equal(scored.batch, 1)
  t.equal(told, 1, 'the hash is told there too')
  t.equal(threads.started, 0)
})

t.test('a model that cannot be opened fails the start, on a thread or not', async (t) => {
  const wrong = { ...model, featuriser: 'something-else@1' }
  await t.rejects(ImageThreads.open(options({ model: wrong })), /not an image model for this service's preprocessing/)
  await t.rejects(ImageThreads.open(options({ model: wrong, threads: 0 })), /not an image model for this service's preprocessing/)
  await t.rejects(ImageThreads.open(options({ entry: new URL('./no-such-worker.js', import.meta.url).href })), /no-such-worker/)
})

t.test('close: calls in flight are answered first; later calls are refused', async (t) => {
  const threads = await ImageThreads.open(options())
  const late = threads.score(await noise(1500, 1500, 2).png().toBuffer())
  await threads.close()
  t.ok((await late).probabilities, 'the image in flight was scored')
  t.equal(threads.started, 0, 'a closed thread leaves its slot')
  await t.rejects(threads.score(Buffer.from('x')), /the image threads are closed/)
  const local = await ImageThreads.open(options({ threads: 0 }))
  await Promise.all([local.close(), local.close()])
  await t.rejects(local.score(Buffer.from('x')), /closed/)
})

t.test('hash: an image only hashed, on a thread or not, with its own decode options: the hash hashImage gives', async (t) => {
  const bytes = await noise(120, 90, 4).png().toBuffer()
  const tiff = await noise(40, 30, 5).tiff().toBuffer()
  const expected = await hashImage(bytes)
  for (const threads of [await open(t), await open(t, { threads: 0 })]) {
    const hashed = await threads.hash(bytes, { maxInputPixels: 20_000 })
    t.equal(hashToHex(hashed.hash), hashToHex(expected.hash))
    t.equal(hashed.quality, expected.quality)
    t.equal(hashToHex((await threads.hash(tiff, { anyFormat: true })).hash), hashToHex((await hashImage(tiff, { anyFormat: true })).hash), 'any format when asked')
    await t.rejects(threads.hash(tiff, {}), { name: 'ImageDecodeError', code: 'FG_IMAGE_INVALID', reason: /format tiff is not accepted/ })
    await t.rejects(threads.hash(bytes, { maxInputPixels: 1000 }), { name: 'ImageDecodeError', code: 'FG_IMAGE_TOO_LARGE' })
    // Side by side with scoring: each call gets its own answer.
    const other = await noise(64, 64, 9).png().toBuffer()
    const [scored, alone] = await Promise.all([threads.score(other), threads.hash(bytes, {})])
    t.equal(hashToHex(scored.hash.hash), hashToHex((await hashImage(other)).hash))
    t.equal(hashToHex(alone.hash), hashToHex(expected.hash))
  }
})

t.test('hash: refused once closed', async (t) => {
  for (const threads of [await ImageThreads.open(options()), await ImageThreads.open(options({ threads: 0 }))]) {
    await threads.close()
    await t.rejects(threads.hash(Buffer.from('x'), {}), /the image threads are closed/)
  }
})
