import { readFileSync } from 'node:fs'
import onnxProto from 'onnx-proto'
import t from 'tap'
import type { Classifier, SpanRequest } from '../../src/classifiers/types.js'
import { loadPolicy } from '../../src/policy/policy.js'
import { MemoryRulesStore } from '../../src/rules/memory-rules-store.js'
import { RulesCache } from '../../src/rules/rules-cache.js'
import { classifierText, fieldSpans } from '../../src/scoring/model-spans.js'
import { ScoringService } from '../../src/scoring/scoring-service.js'
import { CONTRIBUTIONS_OUTPUT } from '../../src/text/model-spec.js'
import { TextClassifier } from '../../src/text/text-classifier.js'
import { textModelPath } from '../helpers/text-model.js'

const classifier = await TextClassifier.create({ model: textModelPath })
t.teardown(() => classifier.release())

async function service(models: Classifier[]) {
  return new ScoringService({
    policy: await loadPolicy('models/policy.json'),
    rules: new RulesCache({ store: new MemoryRulesStore(), ttlMs: 1000, maxUsers: 10 }),
    models,
    scoreCache: { enabled: true, keyPrefix: 'unused:', maxItems: 10, ttlSeconds: 60 },
    storeBudgetMs: 50,
    redis: null
  })
}

t.test('ranges of the joined text map onto the fields they lie in', async (t) => {
  const item = { id: 'a', text: 'ab cd', transcript: 'ef gh' }
  t.equal(classifierText(item), 'ab cd\nef gh')
  t.same(fieldSpans(item, [{ start: 6, end: 8 }]), [{ field: 'transcript', start: 0, end: 2 }])
  t.same(
    fieldSpans(item, [{ start: 3, end: 8 }]),
    [
      { field: 'text', start: 3, end: 5 },
      { field: 'transcript', start: 0, end: 2 }
    ],
    'a range over the break is cut in two'
  )
  t.same(fieldSpans({ id: 'b', overlayText: 'xyz' }, [{ start: 1, end: 3 }]), [{ field: 'overlayText', start: 1, end: 3 }])
})

t.test('the text model explains only its heads, and nothing for no request', async (t) => {
  t.same(await classifier.explainSpans([]), [])
  const [spans] = await classifier.explainSpans([{ text: 'you are an idiot', categories: ['toxicity', 'sexual'] }])
  t.same(Object.keys(spans!), ['toxicity'])
  t.same(spans!.toxicity, [{ start: 11, end: 16 }])
  const [harmless] = await classifier.explainSpans([{ text: '', categories: ['spam'] }])
  t.same(harmless, { spam: [] }, 'no words, no spans')
})

t.test('a model without the contributions output explains nothing, and the answer has no spans', async (t) => {
  const { onnx } = onnxProto
  const model = onnx.ModelProto.decode(readFileSync(textModelPath))
  model.graph!.output = model.graph!.output!.filter((o) => o.name !== CONTRIBUTIONS_OUTPUT)
  const plain = await TextClassifier.create({ model: onnx.ModelProto.encode(model).finish() })
  t.teardown(() => plain.release())
  t.same(await plain.explainSpans([{ text: 'you are an idiot', categories: ['toxicity'] }]), [{}])
  const res = await (await service([plain])).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a', text: 'you are an idiot' }] })
  t.match(res.decisions[0]!.reasons, [{ type: 'category', category: 'toxicity' }])
  t.notOk('spans' in res.decisions[0]!.reasons[0]!)
})

t.test('spans are asked for once per model, for the items with its reasons, and never when overloaded', async (t) => {
  const asked: SpanRequest[][] = []
  const counting: Classifier = {
    id: classifier.id,
    categories: classifier.categories,
    classify: (items) => classifier.classify(items),
    explainSpans: (requests) => {
      asked.push([...requests])
      return classifier.explainSpans(requests)
    }
  }
  const scoring = await service([counting])
  const items = [
    { id: 'a', text: 'you are an idiot' },
    { id: 'b', text: 'Sunday pancakes' },
    { id: 'c', text: 'this is fucking amazing' }
  ]
  const res = await scoring.score({ userId: 'u', surface: 'for_you', explain: true, items })
  t.same(
    asked.map((requests) => requests.map((r) => r.text)),
    [['you are an idiot', 'this is fucking amazing']]
  )
  t.ok(res.decisions[2]!.reasons.every((r) => r.type !== 'category' || (r.spans?.length ?? 0) > 0))
  const overloaded = await scoring.score({ userId: 'u', surface: 'for_you', explain: true, overloaded: true, items })
  t.match(overloaded.decisions[0]!.reasons, [{ type: 'category', category: 'toxicity' }], 'decided from the cached scores')
  await scoring.score({ userId: 'u', surface: 'for_you', explain: false, items })
  await scoring.score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'd', text: 'a walk by the sea' }] })
  t.equal(asked.length, 1, 'no explanation overloaded, without explain, or without a model reason')
})

t.test('an explanation that fails leaves the decisions whole, without spans', async (t) => {
  const failing: Classifier = {
    id: classifier.id,
    categories: classifier.categories,
    classify: (items) => classifier.classify(items),
    explainSpans: async () => {
      throw new Error('session lost')
    }
  }
  const res = await (await service([failing])).score({ userId: 'u', surface: 'for_you', explain: true, items: [{ id: 'a', text: 'you are an idiot' }] })
  t.equal(res.decisions[0]!.action, 'hide')
  t.notOk('spans' in res.decisions[0]!.reasons[0]!)
  t.equal(res.meta.degraded, false)
})
