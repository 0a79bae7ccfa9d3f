import t from 'tap'
import { BankIndex } from '../../src/banks/bank-index.js'
import { MemoryBankStore } from '../../src/banks/memory-bank-store.js'
import { BankScreen } from '../../src/banks/bank-screen.js'
import type { FeedItem } from '../../src/engine/types.js'
import { hashImage } from '../../src/image/image-hash.js'
import type { ImageResults, ImageStage } from '../../src/image/image-pipeline.js'
import { ItemImageHasher } from '../../src/image/item-image-hasher.js'
import { loadPolicy } from '../../src/policy/policy.js'
import { MemoryRulesStore } from '../../src/rules/memory-rules-store.js'
import { RulesCache } from '../../src/rules/rules-cache.js'
import { ScoringService } from '../../src/scoring/scoring-service.js'
import type { ReadBatch } from '../../src/redis/read-batch.js'
import { pictureAsPng, pictureHash } from '../helpers/pictures.js'

/** An image stage that answers what the test says, recording how it was called. */
function stage(results: (items: readonly FeedItem[]) => ImageResults) {
  const calls: Array<{ items: number; budgetMs: number | undefined; batch: ReadBatch }> = []
  const images: ImageStage = {
    id: 'img@2',
    begin: (items, batch, budgetMs) => {
      calls.push({ items: items.length, budgetMs, batch })
      return async () => results(items)
    }
  }
  return { images, calls }
}

async function service(images: ImageStage | undefined, banks?: BankScreen, itemImageHasher?: ItemImageHasher) {
  const policy = await loadPolicy('models/policy.json')
  const rules = new RulesCache({ store: new MemoryRulesStore(), ttlMs: 1000, maxUsers: 10 })
  return new ScoringService({
    policy,
    rules,
    models: [],
    scoreCache: { enabled: true, keyPrefix: 'unused:', maxItems: 10, ttlSeconds: 60 },
    storeBudgetMs: 50,
    redis: null,
    ...(images ? { images } : {}),
    ...(banks ? { banks } : {}),
    ...(itemImageHasher ? { itemImageHasher } : {})
  })
}

/** A bank screen over one enabled bank holding pictures 1 and 2 (test/helpers/pictures.ts). */
async function bankScreen(t: Tap) {
  const store = new MemoryBankStore()
  const index = new BankIndex({ store, maxDistance: 31, minQuality: 50, dihedral: false, log: { info: () => {}, warn: () => {} } })
  t.teardown(() => index.close())
  await index.start()
  await store.createBank({ name: 'known', enabled: true, createdAt: 'now' })
  await store.addEntries(
    'known',
    [1, 2].map((seed) => ({ id: `e${seed}`, hash: pictureHash(seed), contentId: `c${seed}`, action: 'hide' as const, addedAt: 'now' }))
  )
  return new BankScreen({ index })
}

type Tap = import('tap').Test

const source = 'model:img@2'

t.test('image evidence joins the item’s evidence under the policy; pending and skipped images are reported', async (t) => {
  const { images, calls } = stage((items) => ({
    outcomes: [],
    evidence: [{ sexual: { score: 0.95, source }, suggestive: { score: 0.1, source } }, {}, {}, {}],
    hashes: () => items.map(async () => undefined),
    pending: ['b'],
    skipped: [{ id: 'c', reason: 'host_not_allowed' }],
    degraded: []
  }))
  const scoring = await service(images)
  t.same(scoring.modelIds, ['img@2'])
  const answer = await scoring.score({
    userId: 'u',
    surface: 'for_you',
    explain: true,
    imageBudgetMs: 7,
    items: [{ id: 'a', labels: [{ name: 'racy', score: 0.3 }] }, { id: 'b' }, { id: 'c' }, { id: 'd' }]
  })
  t.same(calls.map(({ items, budgetMs }) => ({ items, budgetMs })), [{ items: 4, budgetMs: 7 }], 'once per request, with its budget')
  t.match(answer.decisions[0], { action: 'hide', reasons: [{ category: 'sexual', source, score: 0.95 }], scores: { sexual: 0.95, suggestive: 0.3 } })
  t.same(answer.meta.models, ['img@2'])
  t.same(answer.meta.pendingImages, ['b'])
  t.same(answer.meta.skippedImages, [{ id: 'c', reason: 'host_not_allowed' }])
  t.equal(answer.meta.degraded, false)
})

t.test('a failing image model degrades the answer; with nothing pending or skipped, meta says nothing of images', async (t) => {
  const { images } = stage((items) => ({
    outcomes: [],
    evidence: items.map(() => ({})),
    hashes: () => items.map(async () => undefined),
    pending: [],
    skipped: [],
    degraded: ['model_failed: img@2: session lost']
  }))
  const answer = await (await service(images)).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a' }] })
  t.same(answer.meta.degradedReasons, ['model_failed: img@2: session lost'])
  t.notOk('pendingImages' in answer.meta || 'skippedImages' in answer.meta)
})

t.test('an image refusal (400) refuses the request', async (t) => {
  const images: ImageStage = {
    id: 'img@2',
    begin: () => async () => {
      throw Object.assign(new Error('invalid request: body.items.0.image.data: not a decodable image'), { statusCode: 400 })
    }
  }
  await t.rejects((await service(images)).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a' }] }), { statusCode: 400, message: /not a decodable image/ })
})

t.test('hash banks: every image, by url or data, scored or still pending, is matched by the hash the image stage gives', async (t) => {
  const banks = await bankScreen(t)
  const hashOf = async (seed: number) => hashImage(await pictureAsPng(seed))
  const known = { 'by-url': await hashOf(2), 'by-data': await hashOf(1), pending: await hashOf(2), unbanked: await hashOf(4) } as Record<string, Awaited<ReturnType<typeof hashOf>>>
  let hashed = 0
  const { images } = stage((items) => ({
    outcomes: [],
    evidence: items.map(() => ({})),
    hashes: () => {
      hashed++
      return items.map(async (item) => known[item.id])
    },
    pending: ['pending'],
    skipped: [],
    degraded: []
  }))
  const scoring = await service(images, banks)
  const answer = await scoring.score({
    userId: 'u',
    surface: 'for_you',
    explain: true,
    items: [
      { id: 'by-url', image: { url: 'https://cdn.example/2.jpg' } },
      { id: 'by-data', image: { data: (await pictureAsPng(1)).toString('base64') } },
      { id: 'pending', image: { url: 'https://cdn.example/new.jpg' } },
      { id: 'unbanked', image: { url: 'https://cdn.example/4.jpg' } },
      { id: 'text', text: 'nothing to see' }
    ]
  })
  const reasons = Object.fromEntries(answer.decisions.map((d) => [d.id, d.reasons]))
  t.match(reasons['by-url'], [{ type: 'hash', bank: 'known', distance: 0, entryId: 'e2', contentId: 'c2' }])
  t.match(reasons['by-data'], [{ type: 'hash', bank: 'known', distance: 0, entryId: 'e1', contentId: 'c1' }])
  t.equal(reasons['by-data']!.length, 1, 'a data item is matched once')
  t.match(reasons['pending'], [{ type: 'hash', entryId: 'e2' }], 'a pending image is matched by its hash: its model scores are not needed')
  t.same(answer.meta.pendingImages, ['pending'])
  t.same(reasons['unbanked'], [])
  t.same(reasons['text'], [])
  t.equal(hashed, 1, 'the hashes are asked for once per request')

  const unscreened = await (await service(images)).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'by-url', image: { url: 'https://cdn.example/2.jpg' } }] })
  t.equal(unscreened.decisions[0]!.action, 'allow')
  t.equal(hashed, 1, 'without banks nothing waits for hashes')
})

t.test('hash banks without an image stage: image.data items are still matched', async (t) => {
  const scoring = await service(undefined, await bankScreen(t), new ItemImageHasher({ maxInputPixels: 1_000_000, variants: false }))
  const answer = await scoring.score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a', image: { data: (await pictureAsPng(1)).toString('base64') } }] })
  t.match(answer.decisions[0]!.reasons, [{ type: 'hash', entryId: 'e1' }])
})
