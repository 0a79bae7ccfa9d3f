import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import t, { type Test } from 'tap'
import type { FeedItem } from '../../src/engine/types.js'
import { loadModel, readManifest } from '../../src/classifiers/manifest.js'
import { imageCategoryScores } from '../../src/image/categories.js'
import { ImageClassifier } from '../../src/image/image-classifier.js'
import { ImageThreads, type ImageThreadsOptions } from '../../src/image/image-threads.js'
import { ImagePipeline, type ImagePipelineOptions, type ImageScorer } from '../../src/image/image-pipeline.js'
import { prepareImage } from '../../src/image/prepare.js'
import { hashToHex } from '../../src/pdq/pdq.js'
import { ReadBatch } from '../../src/redis/read-batch.js'
import { keysMatching, storeClient, testPrefix } from '../helpers/redis.js'
import { gradient, modelPath, noise, pdqImages } from '../helpers/images.js'
import { eventually, imageHost } from '../helpers/image-host.js'

const entry = await loadModel('models', (await readManifest('models')).models.find((model) => model.kind === 'image')!)
const threadOptions = (overrides: Partial<ImageThreadsOptions> = {}): ImageThreadsOptions => ({
  model: entry,
  threads: 1,
  prepare: {},
  batch: { maxBatch: 8, maxWaitMs: 2 },
  ...overrides
})

// One image thread for most of the file; each pipeline gets a view of it that its close() leaves open.
const threads = await ImageThreads.open(threadOptions())
t.teardown(() => threads.close())
/** Images scored by the shared thread, for every pipeline of this file. */
let scoredImages = 0
const shared: ImageScorer = {
  id: threads.id,
  score: (bytes, onHashed) => {
    scoredImages++
    return threads.score(bytes, onHashed)
  },
  close: async () => {}
}

const fetchOptions = { allowedHosts: ['127.0.0.1'], allowHttp: true, allowPrivateAddresses: true, connectTimeoutMs: 1000, totalTimeoutMs: 3000, maxBytes: 1_000_000, maxRedirects: 2 }

function options(overrides: Partial<ImagePipelineOptions> = {}): ImagePipelineOptions {
  return {
    fetch: fetchOptions,
    maxInputPixels: 4096 * 4096,
    pdqVariants: false,
    budgetMs: 10_000,
    queue: { concurrency: 4, maxQueued: 16, maxQueuedBytes: 10_000_000 },
    cache: { enabled: true, redis: null, keyPrefix: 'unused:', maxItems: 100, ttlSeconds: 60, failureTtlSeconds: 60 },
    ...overrides
  }
}

function pipeline(t: Test, overrides: Partial<ImagePipelineOptions> = {}, scorer = shared): ImagePipeline {
  const images = new ImagePipeline(scorer, options(overrides))
  t.teardown(() => images.close())
  return images
}

/** A scorer of its own, on the calling thread (for settings the shared one does not have). */
async function ownScorer(t: Test, overrides: Partial<ImageThreadsOptions>): Promise<ImageThreads> {
  const own = await ImageThreads.open(threadOptions({ threads: 0, ...overrides }))
  t.teardown(() => own.close())
  return own
}

async function score(images: ImagePipeline, items: FeedItem[], budgetMs?: number, batch = new ReadBatch(null)) {
  const finish = images.begin(items, batch, budgetMs)
  await batch.run(1000)
  return finish()
}

const photo = readFileSync(join(pdqImages, 'reg-test-input/labelme-subset/q0003.jpg'))
const png = async (seed: number) => noise(48, 40, seed).png().toBuffer()
const b64 = (bytes: Buffer) => bytes.toString('base64')
const close = (a: number, b: number) => Math.abs(a - b) < 1e-5

t.test('image.data: scored by the model within the budget, with evidence and the PDQ hash of the full image; then from memory', async (t) => {
  const images = pipeline(t)
  t.equal(images.id, 'nsfwjs-mobilenetv2@1.0.0')
  const expected = await prepareImage(photo)
  const classifier = await ImageClassifier.create({ model: modelPath })
  t.teardown(() => classifier.release())
  const [probabilities] = await classifier.classifyTensors([expected.input])
  const scores = imageCategoryScores(probabilities!)
  const items: FeedItem[] = [{ id: 'a', image: { data: b64(photo) } }, { id: 'b', text: 'no image' }, { id: 'c', image: { data: b64(photo) } }]

  const first = await score(images, items)
  t.match(first.outcomes, [{ status: 'scored', from: 'model' }, undefined, { status: 'scored', from: 'model' }])
  const firstHashes = await Promise.all(first.hashes())
  t.equal(hashToHex(firstHashes[0]!.hash), hashToHex(expected.hash.hash), 'the hash of the full decoded image')
  t.equal(firstHashes[0]!.quality, expected.hash.quality)
  t.equal(firstHashes[1], undefined)
  const evidence = first.evidence[0]!
  t.same(Object.keys(evidence), ['sexual', 'suggestive'])
  t.equal(evidence.sexual!.source, 'model:nsfwjs-mobilenetv2@1.0.0')
  t.ok(close(evidence.sexual!.score, scores.sexual) && close(evidence.suggestive!.score, scores.suggestive), 'the model’s scores')
  t.ok(evidence.sexual!.score > 0.1, `a photo the model finds somewhat sexual (${evidence.sexual!.score.toFixed(3)})`)
  t.same(first.evidence[1], {})
  t.same([first.pending, first.skipped, first.degraded], [[], [], []])

  const second = await score(images, items)
  t.match(second.outcomes, [{ status: 'scored', from: 'memory' }, undefined, { status: 'scored', from: 'memory' }])
  t.same(second.evidence[0], evidence)
  t.match(images.stats(), { scored: 1, memoryHits: 2, misses: 2, redisHits: 0, cachedImages: 1, queue: { accepted: 1, dropped: 0 } })
})

t.test('image.data that is not a usable image refuses the request, naming every item', async (t) => {
  const images = pipeline(t, { fetch: { ...fetchOptions, maxBytes: 3000 }, maxInputPixels: 10_000 })
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
  const items: FeedItem[] = [
    { id: 'fine', image: { data: b64(await gradient(16, 16).png().toBuffer()) } },
    { id: 'not-base64', image: { data: 'abc' } },
    { id: 'too-many-bytes', image: { data: b64(Buffer.alloc(4000, 7)) } },
    { id: 'not-an-image', image: { data: b64(Buffer.from('hello, world')) } },
    { id: 'svg', image: { data: b64(svg) } },
    { id: 'too-many-pixels', image: { data: b64(await sharp({ create: { width: 200, height: 100, channels: 3, background: '#123' } }).png().toBuffer()) } }
  ]
  await t.rejects(score(images, items), {
    code: 'FG_VALIDATION',
    statusCode: 400,
    message: /^invalid request: body\.items\.1\.image\.data: image data is not valid base64; body\.items\.2/,
    details: [
      { path: 'body.items.1.image.data', message: 'image data is not valid base64' },
      { path: 'body.items.2.image.data', message: 'image data is 4000 bytes, over the 3000-byte limit' },
      { path: 'body.items.3.image.data', message: /not a decodable image/ },
      { path: 'body.items.4.image.data', message: 'image format svg is not accepted' },
      { path: 'body.items.5.image.data', message: 'image is 200×100, over the 10000-pixel limit' }
    ]
  })
  t.equal(images.stats().queue.accepted, 0, 'nothing was classified')
})

t.test('image.url: fetched from allowlisted hosts; refusals are skipped with why, and failures are not fetched again at once', async (t) => {
  const host = await imageHost(t)
  const images = pipeline(t)
  const items: FeedItem[] = [
    { id: 'ok', image: { url: host.serve('/ok.png', await png(2)) } },
    { id: 'other-host', image: { url: 'http://cdn.example/x.png' } },
    { id: 'ftp', image: { url: 'ftp://127.0.0.1/x.png' } },
    { id: 'text', image: { url: host.serve('/page', 'hello', { type: 'text/html' }) } },
    { id: 'missing', image: { url: `${host.origin}/nothing.png` } },
    { id: 'broken', image: { url: host.serve('/broken.png', 'garbage, not a png') } },
    { id: 'no-image', image: {} },
    { id: 'redirected', image: { url: host.serve('/moved.png', '', { status: 302, location: 'https://elsewhere.example/x.png' }) } },
    { id: 'huge', image: { url: host.serve('/huge.png', Buffer.alloc(fetchOptions.maxBytes + 1)) } }
  ]
  const first = await score(images, items)
  t.match(first.outcomes, [{ status: 'scored', from: 'model' }])
  t.same(first.skipped, [
    { id: 'other-host', reason: 'host_not_allowed' },
    { id: 'ftp', reason: 'scheme_not_allowed' },
    { id: 'text', reason: 'not_an_image' },
    { id: 'missing', reason: 'http_error' },
    { id: 'broken', reason: 'image_invalid' },
    { id: 'redirected', reason: 'host_not_allowed' },
    { id: 'huge', reason: 'too_large' }
  ])
  t.equal(first.outcomes[6], undefined, 'an image with neither url nor data is no image')

  const second = await score(images, items)
  t.match(second.outcomes, [{ status: 'scored', from: 'memory' }])
  t.same(second.skipped, first.skipped)
  t.same(['/ok.png', '/page', '/nothing.png', '/broken.png', '/moved.png', '/huge.png'].map(host.hits), [1, 1, 1, 1, 1, 1], 'each URL fetched once')
  t.match(images.stats().skipped, { host_not_allowed: 4, not_an_image: 2, image_invalid: 2, too_large: 2 })
})

t.test('image.url refusals from the configuration: no allowlist, https only, no private addresses', async (t) => {
  const url = 'http://127.0.0.1:9/x.png'
  const refusal = async (fetch: Partial<typeof fetchOptions>) => (await score(pipeline(t, { fetch: { ...fetchOptions, ...fetch } }), [{ id: 'x', image: { url } }])).skipped
  t.same(await refusal({ allowedHosts: [] }), [{ id: 'x', reason: 'url_fetching_disabled' }])
  t.same(await refusal({ allowHttp: false }), [{ id: 'x', reason: 'scheme_not_allowed' }])
  t.same(await refusal({ allowPrivateAddresses: false }), [{ id: 'x', reason: 'address_not_allowed' }])
})

t.test('image.url: an image with more pixels than allowed is skipped before it is decoded', async (t) => {
  const host = await imageHost(t)
  const images = pipeline(t, {}, await ownScorer(t, { prepare: { maxInputPixels: 1000 } }))
  const answer = await score(images, [{ id: 'big', image: { url: host.serve('/big.png', await png(20)) } }])
  t.same(answer.skipped, [{ id: 'big', reason: 'image_too_large' }])
})

t.test('the same image behind another URL is not prepared again; bytes known to be broken are skipped at once', async (t) => {
  const host = await imageHost(t)
  const images = pipeline(t)
  const bytes = await png(3)
  await score(images, [{ id: 'data', image: { data: b64(bytes) } }, { id: 'broken', image: { url: host.serve('/broken', 'garbage') } }])
  const before = { scoredImages, scored: images.stats().scored }
  const again = await score(images, [
    { id: 'copy', image: { url: host.serve('/copy.png', bytes) } },
    { id: 'broken-copy', image: { url: host.serve('/broken-copy', 'garbage') } }
  ])
  t.match(again.outcomes, [{ status: 'scored' }, { status: 'skipped', reason: 'image_invalid' }])
  t.same({ scoredImages, scored: images.stats().scored }, before, 'neither image was decoded again')
})

t.test('the budget: an image not scored in time is pending; its job goes on, fills the cache, and is shared by every request that wants it', async (t) => {
  const host = await imageHost(t)
  const images = pipeline(t)
  const url = host.serve('/slow.png', await png(4), { held: true })
  const started = performance.now()
  const first = await score(images, [{ id: 'x', image: { url } }], 30)
  const waited = performance.now() - started
  t.ok(waited >= 25 && waited < 500, `answered after the budget (${waited.toFixed(0)} ms)`)
  t.same(first.pending, ['x'])
  t.same(first.outcomes, [{ status: 'pending' }])
  t.same(first.evidence, [{}])
  const second = await score(images, [{ id: 'y', image: { url } }], 10)
  t.same(second.pending, ['y'])
  t.match(images.stats(), { pending: 2, queue: { running: 1, deduplicated: 1 } })

  host.release('/slow.png')
  await eventually(() => images.stats().queue.finished === 1)
  const third = await score(images, [{ id: 'z', image: { url } }], 0)
  t.match(third.outcomes, [{ status: 'scored', from: 'memory' }])
  t.equal(host.hits('/slow.png'), 1, 'fetched once for the three requests')

  const quick = await png(5)
  const zero = await score(images, [{ id: 'q', image: { data: b64(quick) } }], 0)
  t.same(zero.pending, ['q'], 'a budget of 0 answers from the caches only')
  await eventually(() => images.stats().queue.finished === 2)
  t.match((await score(images, [{ id: 'q', image: { data: b64(quick) } }], 0)).outcomes, [{ status: 'scored', from: 'memory' }])
})

t.test('concurrent requests’ images go to the model in one micro-batch', async (t) => {
  const images = pipeline(t, {}, await ownScorer(t, { threads: 1, batch: { maxBatch: 4, maxWaitMs: 2000 } }))
  const data = await Promise.all([6, 7, 8, 9].map(png))
  const answers = await Promise.all(data.map((bytes, i) => score(images, [{ id: `i${i}`, image: { data: b64(bytes) } }])))
  t.ok(answers.every((answer) => answer.outcomes[0]?.status === 'scored'))
  t.same(images.stats().batches, { batches: 1, largestBatch: 4 }, 'one session.run for the four requests')
})

t.test('a full queue drops work and counts it, by jobs and by the bytes they hold', async (t) => {
  const host = await imageHost(t)
  const images = pipeline(t, { queue: { concurrency: 1, maxQueued: 1, maxQueuedBytes: 1000 } })
  const urls = await Promise.all([10, 11, 12].map(async (seed) => host.serve(`/q${seed}`, await png(seed), { held: true })))
  const full = await score(images, urls.map((url, i) => ({ id: `q${i}`, image: { url } })), 20)
  t.same(full.pending, ['q0', 'q1'])
  t.same(full.skipped, [{ id: 'q2', reason: 'queue_full' }])
  t.match(images.stats(), { skipped: { queue_full: 1 }, queue: { running: 1, queued: 1, dropped: 1 } })
  for (const seed of [10, 11, 12]) host.release(`/q${seed}`)
  await eventually(() => images.stats().queue.finished === 2)

  const running = host.serve('/held', await png(13), { held: true })
  const heavy = await score(images, [{ id: 'running', image: { url: running } }, { id: 'heavy', image: { data: b64(await noise(40, 40, 1).png().toBuffer()) } }], 10)
  t.same(heavy.skipped, [{ id: 'heavy', reason: 'queue_full' }], 'more image bytes than the queue may hold')
  host.release('/held')
})

t.test('the shared cache: another replica finds the image in Redis within the request’s one round trip', async (t) => {
  const prefix = testPrefix()
  const redis = await storeClient(t, prefix)
  await redis.ping()
  const host = await imageHost(t)
  const cache = { ...options().cache, redis, keyPrefix: prefix, ttlSeconds: 120 }
  const one = pipeline(t, { cache })
  const two = pipeline(t, { cache })
  const bytes = await png(14)
  const url = host.serve('/shared.png', bytes)
  const first = await score(one, [{ id: 'u', image: { url } }], undefined, new ReadBatch(redis))
  const keys = () => keysMatching(redis, `${prefix}img:*`)
  await eventually(async () => (await keys()).length === 2)
  t.same((await keys()).map((key) => key.slice(prefix.length).split(':').slice(0, 4).join(':')).sort(), ['img:nsfwjs-mobilenetv2@1.0.0:pdq1:d', 'img:nsfwjs-mobilenetv2@1.0.0:pdq1:u'], 'by content hash and by URL')
  for (const key of await keys()) t.ok((await redis.ttl(key)) > 100, 'with a TTL')

  const batch = new ReadBatch(redis)
  const finish = two.begin([{ id: 'u', image: { url } }, { id: 'd', image: { data: b64(bytes) } }], batch)
  t.equal(batch.size, 2, 'both reads queued on the request’s batch')
  await batch.run(1000)
  const second = await finish()
  t.match(second.outcomes, [{ status: 'scored', from: 'redis' }, { status: 'scored', from: 'redis' }])
  t.same(second.evidence[0], first.evidence[0])
  t.equal(hashToHex((await Promise.all(second.hashes()))[1]!.hash), hashToHex((await Promise.all(first.hashes()))[0]!.hash))
  t.equal(host.hits('/shared.png'), 1)
  t.match(two.stats(), { redisHits: 2, scored: 0 })
  t.match((await score(two, [{ id: 'u', image: { url } }], undefined, new ReadBatch(redis))).outcomes, [{ from: 'memory' }], 'then from memory')
})

t.test('a failing model: the image is skipped, the answer degraded, and nothing is cached', async (t) => {
  const broken: ImageScorer = {
    id: 'broken@1',
    score: async () => {
      throw new Error('image thread stopped (exit code 1)')
    },
    close: async () => {}
  }
  const images = pipeline(t, {}, broken)
  const items = [{ id: 'a', image: { data: b64(await png(15)) } }]
  const first = await score(images, items)
  t.same(first.skipped, [{ id: 'a', reason: 'model_failed' }])
  t.same(first.degraded, ['model_failed: broken@1: image thread stopped (exit code 1)'])
  await score(images, items)
  t.equal(images.stats().queue.accepted, 2, 'tried again on the next request')
})

t.test('dihedral hashes when asked for, cached apart from single hashes', async (t) => {
  const images = pipeline(t, { pdqVariants: true }, await ownScorer(t, { prepare: { pdqVariants: true } }))
  const answer = await score(images, [{ id: 'a', image: { data: b64(photo) } }])
  const [hash] = await Promise.all(answer.hashes())
  t.equal(hash!.variants!.length, 8)
  t.equal(hashToHex(hash!.variants![0]!), hashToHex(hash!.hash))
})

t.test('hashes: an image’s hash is known once it is decoded, before its model scores and whatever the budget', async (t) => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  const slowModel: ImageScorer = {
    id: threads.id,
    score: async (bytes, onHashed) => {
      const prepared = await prepareImage(bytes)
      onHashed?.(prepared.hash)
      await held
      return { probabilities: { Drawing: 0, Hentai: 0, Neutral: 1, Porn: 0, Sexy: 0 }, hash: prepared.hash, batch: 1, inferenceMs: 1, firstOfBatch: true }
    },
    close: async () => {}
  }
  const images = pipeline(t, {}, slowModel)
  const host = await imageHost(t)
  const bytes = await png(20)
  const expected = hashToHex((await prepareImage(bytes)).hash.hash)
  const items = [{ id: 'data', image: { data: b64(bytes) } }, { id: 'url', image: { url: host.serve('/h.png', bytes) } }, { id: 'none' }]
  const answer = await score(images, items, 0)
  t.same(answer.pending, ['data', 'url'], 'the model has not run')
  const hashes = await Promise.all(answer.hashes())
  t.same(hashes.map((hash) => hash && hashToHex(hash.hash)), [expected, expected, undefined], 'fetched, decoded and hashed all the same')
  t.equal(images.stats().scored, 0)
  release()
  await eventually(() => images.stats().scored === 2)

  // A scorer that only gives the hash with the scores: the hash is the scored image's.
  const quiet: ImageScorer = { id: threads.id, score: (image) => threads.score(image), close: async () => {} }
  const late = await score(pipeline(t, {}, quiet), [{ id: 'q', image: { data: b64(await png(21)) } }])
  t.equal(hashToHex((await Promise.all(late.hashes()))[0]!.hash), hashToHex((await prepareImage(await png(21))).hash.hash))
})

t.test('close: waiting work is dropped, running work completes, later requests are told; its own threads stop', async (t) => {
  const host = await imageHost(t)
  const images = new ImagePipeline(await ImageThreads.open(threadOptions()), options({ queue: { concurrency: 1, maxQueued: 4, maxQueuedBytes: 1_000_000 } }))
  const urls = await Promise.all([17, 18].map(async (seed) => host.serve(`/c${seed}`, await png(seed), { held: true })))
  const batch = new ReadBatch(null)
  const finish = images.begin(
    urls.map((url, i) => ({ id: `c${i}`, image: { url } })),
    batch,
    5000
  )
  await batch.run(10)
  const answer = finish()
  await eventually(() => host.hits('/c17') === 1)
  const closing = images.close()
  host.release('/c17')
  await closing
  t.match((await answer).outcomes, [{ status: 'scored' }, { status: 'skipped', reason: 'closing' }])
  const [scoredHash, droppedHash] = await Promise.all((await answer).hashes())
  t.ok(scoredHash, 'the image scored has its hash')
  t.equal(droppedHash, undefined, 'a job dropped as the pipeline closes has none')
  const late = await score(images, [{ id: 'late', image: { data: b64(await png(19)) } }])
  t.same(late.skipped, [{ id: 'late', reason: 'closing' }])
  const stopped = await ImageThreads.open(threadOptions())
  await new ImagePipeline(stopped, options()).close()
  t.equal(stopped.started, 0, 'its image threads are stopped')
})
