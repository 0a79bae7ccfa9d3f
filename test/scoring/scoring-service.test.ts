import t from 'tap'
import type { Classifier } from '../../src/classifiers/types.js'
import { combineEvidence, UpstreamLabels } from '../../src/classifiers/upstream-labels.js'
import { analysisCacheSize } from '../../src/keywords/matcher.js'
import { loadPolicy } from '../../src/policy/policy.js'
import { MemoryRulesStore } from '../../src/rules/memory-rules-store.js'
import { RulesCache } from '../../src/rules/rules-cache.js'
import { RulesService } from '../../src/rules/rules-service.js'
import { RulesDocumentInputSchema } from '../../src/rules/schema.js'
import { classifierText, ScoringService } from '../../src/scoring/scoring-service.js'

const scoreCache = { enabled: true, keyPrefix: 'unused:', maxItems: 100, ttlSeconds: 60 }

async function service(models: Classifier[], unavailableModels: string[] = [], store = new MemoryRulesStore()) {
  const policy = await loadPolicy('models/policy.json')
  const rules = new RulesCache({ store, ttlMs: 1000, maxUsers: 10 })
  return new ScoringService({
    policy,
    rules,
    models,
    unavailableModels,
    scoreCache,
    storeBudgetMs: 50,
    redis: null,
    now: () => Date.parse('2026-11-27T00:00:00Z')
  })
}

t.test('models are called once per request with the whole batch, and their evidence merged with labels', async (t) => {
  const calls: string[][] = []
  const model: Classifier = {
    id: 'fake@1',
    categories: ['toxicity', 'sexual'],
    classify: async (items) => {
      calls.push(items.map((item) => item.text))
      return items.map((item) => (item.id === 'a' ? { toxicity: { score: 0.999, source: 'model:fake@1' }, sexual: { score: 0.5, source: 'model:fake@1' } } : {}))
    }
  }
  const scoring = await service([model])
  const res = await scoring.score({
    userId: 'u',
    surface: 'for_you',
    explain: true,
    items: [
      { id: 'a', text: 'one', overlayText: 'two', transcript: 'three', labels: [{ name: 'nudity', score: 0.8 }], image: { url: 'https://x/y.jpg' } },
      { id: 'b' }
    ]
  })
  t.same(calls, [['one\ntwo\nthree']], 'items without text cost the model nothing')
  t.same(res.meta.models, ['fake@1'])
  t.same(res.decisions[0]!.scores, { sexual: 0.8, toxicity: 0.999 })
  t.match(res.decisions[0]!.reasons, [{ category: 'toxicity', source: 'model:fake@1' }, { category: 'sexual', source: 'label:nudity' }])
})

t.test('texts new to the process are analysed for the keyword rules while the model scores them, not after', async (t) => {
  const store = new MemoryRulesStore()
  const limits = { maxKeywordRules: 200, maxAuthorRules: 1000, maxKeywordLength: 100 }
  await new RulesService(store, limits).replace('muter', RulesDocumentInputSchema.parse({ keywords: [{ value: 'spoiler', action: 'hide' }] }))
  // a model that answers when told to
  let scoring: () => void = () => {}
  let answer: () => void = () => {}
  const model: Classifier = {
    id: 'gated@1',
    categories: ['toxicity'],
    classify: async (items) => {
      await new Promise<void>((resolve) => {
        answer = resolve
        scoring()
      })
      return items.map(() => ({}))
    }
  }
  const scorer = await service([model], [], store)
  const unique = `${process.pid}x${Date.now()}`
  /** Scores two new items for `userId`; answers how many analyses were made while the model was still scoring them. */
  const analysedWhileScoring = async (userId: string, tag: string) => {
    const items = [
      { id: `${tag}-a`, text: `${tag} the spoiler is out ${unique}`, overlayText: `${tag} on screen ${unique}` },
      { id: `${tag}-b`, text: `${tag} nothing to see ${unique}` }
    ]
    const before = analysisCacheSize()
    const called = new Promise<void>((resolve) => (scoring = resolve))
    const answered = scorer.score({ userId, surface: 'for_you', explain: false, items })
    await called
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    const made = analysisCacheSize() - before
    answer()
    return { made, response: await answered }
  }

  const muter = await analysedWhileScoring('muter', 'first')
  t.equal(muter.made, 3, 'both captions and the on-screen text, before the model answered')
  t.same(
    muter.response.decisions.map((decision) => decision.action),
    ['hide', 'allow'],
    'and matched as ever'
  )
  t.match(muter.response.decisions[0]!.reasons, [{ type: 'keyword', value: 'spoiler', field: 'text' }])
  const nobody = await analysedWhileScoring('no-keywords', 'second')
  t.equal(nobody.made, 0, 'a user without keyword rules costs no analysis')
})

t.test('a failing model degrades the answer instead of failing it', async (t) => {
  const broken: Classifier = {
    id: 'broken@2',
    categories: ['spam'],
    classify: async () => {
      throw new Error('session lost')
    }
  }
  const res = await (await service([broken])).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a', text: 'some words', labels: [{ name: 'gore' }] }] })
  t.equal(res.meta.degraded, true)
  t.same(res.meta.degradedReasons, ['model_failed: broken@2: session lost'])
  t.equal(res.decisions[0]!.action, 'hide', 'labels still decide')
})

t.test('a model listed but not loaded makes every answer degraded', async (t) => {
  const res = await (await service([], ['model x@1: file models/x.onnx is missing'])).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a' }] })
  t.same(res.meta.degradedReasons, ['model_unavailable: model x@1: file models/x.onnx is missing'])
})

t.test('upstream labels: the strongest per category; unknown labels ignored', async (t) => {
  const labels = new UpstreamLabels(await loadPolicy('models/policy.json'))
  const [evidence] = await labels.classify([
    { id: 'a', text: '', labels: [{ name: 'porn', score: 0.4 }, { name: 'nudity', score: 0.9 }, { name: 'explicit', score: 0.2 }, { name: 'kittens' }] },
    { id: 'b', text: '' }
  ])
  t.same(evidence, { sexual: { score: 0.9, source: 'label:nudity' } })
  t.equal(classifierText({ id: 'x', overlayText: 'only' }), 'only')
  t.equal(classifierText({ id: 'x', transcript: 'said' }), 'said')
  t.equal(classifierText({ id: 'x', text: 'caption', overlayText: '', transcript: 'said' }), 'caption\nsaid')
  t.equal(classifierText({ id: 'x', text: 'caption', overlayText: 'on screen', transcript: 'said' }), 'caption\non screen\nsaid')
  t.equal(classifierText({ id: 'x' }), '')
})

t.test('evidence of several sources: strongest per category, ties to the earlier source, sources never changed', async (t) => {
  const labels = Object.freeze({ sexual: { score: 0.5, source: 'label:nudity' } })
  const model = Object.freeze({ sexual: { score: 0.5, source: 'model:m' }, toxicity: { score: 0.2, source: 'model:m' } })
  const image = Object.freeze({ sexual: { score: 0.9, source: 'model:img' } })
  t.equal(combineEvidence({}, model), model, 'an empty source adds nothing: the other is answered as it is')
  t.equal(combineEvidence(model, {}), model)
  t.same(combineEvidence({}, {}), {})
  t.same(combineEvidence(labels, model), { sexual: { score: 0.5, source: 'label:nudity' }, toxicity: { score: 0.2, source: 'model:m' } })
  t.same(combineEvidence(combineEvidence(labels, model), image), { sexual: { score: 0.9, source: 'model:img' }, toxicity: { score: 0.2, source: 'model:m' } })
  t.same(model, { sexual: { score: 0.5, source: 'model:m' }, toxicity: { score: 0.2, source: 'model:m' } })
})

t.test('hash banks active but nothing to hash images with: decided without bank reasons, never waiting', async (t) => {
  const policy = await loadPolicy('models/policy.json')
  const rules = new RulesCache({ store: new MemoryRulesStore(), ttlMs: 1000, maxUsers: 10 })
  const asked: string[] = []
  const scoring = new ScoringService({
    policy,
    rules,
    models: [],
    scoreCache,
    storeBudgetMs: 50,
    redis: null,
    banks: {
      active: true,
      reasonsById: (ids: readonly string[]) => {
        asked.push(...ids)
        return new Map()
      }
    } as unknown as NonNullable<ConstructorParameters<typeof ScoringService>[0]['banks']>
  })
  const res = await scoring.score({ userId: 'u', surface: 'for_you', explain: false, items: [{ id: 'a', text: 'hello' }] })
  t.equal(res.decisions[0]?.action, 'allow')
  t.same(asked, [], 'no hash, so the banks are not consulted')
})
