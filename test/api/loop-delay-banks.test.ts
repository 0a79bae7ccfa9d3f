import os from 'node:os'
import sharp from 'sharp'
import t from 'tap'
import { build } from '../helpers/app.js'
import { LOOP_DELAY_BOUND_MS, leastMaxLoopDelay, loopDelayBoundMs } from '../helpers/loop-delay.js'
import { pictureAsPng, picturePixels } from '../helpers/pictures.js'
import { hashImage } from '../../src/image/image-hash.js'
import { hashToHex } from '../../src/pdq/pdq.js'

// A 7000×7000 PNG (49 million pixels, under BANK_IMAGE_MAX_PIXELS) that still fits a request body: a
// picture enlarged without smoothing, which PNG compresses to about 1.2 MB.
const huge = await sharp(picturePixels(3), { raw: { width: 240, height: 180, channels: 3 } })
  .resize(7000, 7000, { kernel: 'nearest', fit: 'fill' })
  .png({ compressionLevel: 9 })
  .toBuffer()

t.test(`adding a 7000×7000 image to a hash bank hashes it on the image thread: no stall over ${LOOP_DELAY_BOUND_MS} ms`, async (t) => {
  const app = await build(t)
  t.match((await app.inject({ method: 'GET', url: '/readyz' })).json(), { checks: { models: { detail: /nsfwjs/ } } }, 'the shipped image model, in its thread')
  t.equal((await app.inject({ method: 'POST', url: '/v1/banks', payload: { name: 'known' } })).statusCode, 201)
  // Starts the image thread's hashing path with a small image: the bound is for the service in its stride.
  const small = await app.inject({ method: 'POST', url: '/v1/banks/known/entries', payload: { image: { data: (await pictureAsPng(1)).toString('base64') } } })
  t.equal(small.statusCode, 201)

  const payload = { image: { data: huge.toString('base64') }, contentId: 'case-7000' }
  const started = performance.now()
  const { results, maxDelayMs } = await leastMaxLoopDelay(5, () => app.inject({ method: 'POST', url: '/v1/banks/known/entries', payload }))
  const tookMs = (performance.now() - started) / results.length
  const expected = hashToHex((await hashImage(huge, { maxInputPixels: 50_000_000 })).hash)
  for (const res of results) {
    t.equal(res.statusCode, 201)
    t.match(res.json().entries, [{ hash: expected, contentId: 'case-7000' }], 'the hash the image has')
  }
  const bound = loopDelayBoundMs()
  t.ok(
    maxDelayMs < bound,
    `event loop held at most ${maxDelayMs.toFixed(0)} ms while the image was added in ${tookMs.toFixed(0)} ms (target ${LOOP_DELAY_BOUND_MS} ms, bound ${bound.toFixed(0)} ms, load ${os.loadavg()[0]!.toFixed(1)})`
  )
})
