import t from 'tap'
import { build } from '../helpers/app.js'
import { imageHost } from '../helpers/image-host.js'
import sharp from 'sharp'
import { hashImage } from '../../src/image/image-hash.js'
import { hashToHex } from '../../src/pdq/pdq.js'
import { pictureAsPng, pictureHash, picturePixels } from '../helpers/pictures.js'

type App = Awaited<ReturnType<typeof build>>
type Tap = Parameters<typeof build>[0]

/** Item images from the test's own host on 127.0.0.1 (never allowed in production). */
const LOCAL_IMAGES = { IMAGE_ALLOWED_HOSTS: '127.0.0.1', IMAGE_ALLOW_HTTP: 'true', IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true' }
const WAIT_MS = 300

const score = (app: App, items: object[]) => app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'anyone', imageBudgetMs: 0, items } })

async function until(check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function bankedApp(t: Tap & { equal(a: unknown, b: unknown): void }, env: Record<string, string>, overrides = {}) {
  const app = await build(t, { ...LOCAL_IMAGES, ...env }, overrides)
  t.equal((await app.inject({ method: 'POST', url: '/v1/banks', payload: { name: 'known' } })).statusCode, 201)
  for (const seed of [1, 2]) {
    const added = await app.inject({ method: 'POST', url: '/v1/banks/known/entries', payload: { hash: pictureHash(seed), contentId: `case-${seed}` } })
    t.equal(added.statusCode, 201)
  }
  return app
}

t.test(`BANK_HASH_WAIT_MS: an image still not decoded after ${WAIT_MS} ms is answered without the bank check, degraded; the others are matched`, async (t) => {
  const host = await imageHost(t)
  const app = await bankedApp(t, { BANK_HASH_WAIT_MS: String(WAIT_MS) })
  const known = { id: 'known', image: { data: (await pictureAsPng(1)).toString('base64') } }
  // Its hash is known once it has been decoded (the first request may take longer than the wait on a loaded machine).
  await until(async () => (await score(app, [known])).json().decisions[0].action === 'hide', 30_000)

  const slow = { id: 'slow', image: { url: host.serve('/slow.png', await pictureAsPng(2), { held: true }) } }
  const started = performance.now()
  const res = await score(app, [known, slow])
  const tookMs = performance.now() - started
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(tookMs < 10_000, `answered in ${tookMs.toFixed(0)} ms while the image host still holds the image`)
  t.same(
    body.decisions.map((d: { id: string; action: string }) => [d.id, d.action]),
    [
      ['known', 'hide'],
      ['slow', 'allow']
    ],
    'the known image is matched, the pending one is not'
  )
  t.equal(body.meta.degraded, true)
  t.same(
    body.meta.degradedReasons.filter((r: string) => r.startsWith('image_hash_pending')),
    [`image_hash_pending: 1 image not decoded within ${WAIT_MS} ms: not matched against the hash banks`]
  )
  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, /feedguard_degraded_answers_total\{reason="image_hash_pending"\} [1-9]/)

  // The work went on: once the host answers, the next request matches it and is not degraded.
  host.release('/slow.png')
  let again: { decisions: Array<{ action: string }>; meta: { degraded: boolean } } | undefined
  await until(async () => {
    again = (await score(app, [slow])).json()
    return again!.decisions[0]!.action === 'hide'
  }, 30_000)
  t.equal(again!.meta.degraded, false)
})

t.test('BANK_HASH_WAIT_MS without an image model: image.data hashed in process, bounded the same way', async (t) => {
  const app = await bankedApp(t, { BANK_HASH_WAIT_MS: '0' }, { models: [] })
  // Large enough (9 million pixels) that no machine decodes it before a 0 ms wait is over.
  const png = await sharp(picturePixels(5), { raw: { width: 240, height: 180, channels: 3 } }).resize(3000, 3000, { kernel: 'nearest', fit: 'fill' }).png().toBuffer()
  const added = await app.inject({ method: 'POST', url: '/v1/banks/known/entries', payload: { hash: hashToHex((await hashImage(png)).hash) } })
  t.equal(added.statusCode, 201)
  const item = { id: 'data', image: { data: png.toString('base64') } }
  const first = (await score(app, [item, { ...item, id: 'copy' }])).json()
  t.same(
    first.decisions.map((d: { action: string }) => d.action),
    ['allow', 'allow'],
    'with no wait, a new image is not matched on the request that brings it'
  )
  t.same(first.meta.degradedReasons, ['image_hash_pending: 2 images not decoded within 0 ms: not matched against the hash banks'])
  await until(async () => (await score(app, [item])).json().decisions[0].action === 'hide', 30_000)
  const later = (await score(app, [item, { id: 'text', text: 'no image' }])).json()
  t.equal(later.meta.degraded, false, 'hashes already known need no wait')
})

t.test('BANK_HASH_WAIT_MS is read from the environment (default 1000) and bounded', async (t) => {
  const { loadConfig } = await import('../../src/config.js')
  t.equal(loadConfig({}).BANK_HASH_WAIT_MS, 1000)
  t.equal(loadConfig({ BANK_HASH_WAIT_MS: '0' }).BANK_HASH_WAIT_MS, 0)
  t.throws(() => loadConfig({ BANK_HASH_WAIT_MS: '-1' }))
})
