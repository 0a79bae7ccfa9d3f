import t from 'tap'
import type { FeedItem } from '../../src/engine/types.js'
import type { ImageResults, ImageStage } from '../../src/image/pipeline.js'
import { loadPolicy } from '../../src/policy/policy.js'
import { MemoryRulesStore } from '../../src/rules/memory-store.js'
import { RulesCache } from '../../src/rules/rules-cache.js'
import { ScoringService } from '../../src/scoring/score-items.js'
import type { ReadBatch } from '../../src/store/read-batch.js'

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

async function service(images: ImageStage) {
  const policy = await loadPolicy('models/policy.json')
  const rules = new RulesCache({ store: new MemoryRulesStore(), ttlMs: 1000, maxUsers: 10 })
  return new ScoringService({
    policy,
    rules,
    models: [],
    scoreCache: { enabled: true, keyPrefix: 'unused:', maxItems: 10, ttlSeconds: 60 },
    storeBudgetMs: 50,
    redis: null,
    images
  })
}

const source = 'model:img@2'

t.test('image evidence joins the item’s evidence under the policy; pending and skipped images are reported', async (t) => {
  const { images, calls } = stage((items) => ({
    outcomes: [],
    evidence: [{ sexual: { score: 0.95, source }, suggestive: { score: 0.1, source } }, {}, {}, {}],
    hashes: items.map(() => undefined),
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
    hashes: items.map(() => undefined),
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
