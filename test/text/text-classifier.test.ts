import onnxProto from 'onnx-proto'
import ort from 'onnxruntime-node'
import t from 'tap'
import type { LoadedModel } from '../../src/classifiers/manifest.js'
import { readFileSync } from 'node:fs'
import { featurize, FEATURIZER_VERSION, packFeatures } from '../../src/text/featurize.js'
import { readOnnxWeights } from '../../scripts/train-text/onnx-export.js'
import { TEXT_HEADS } from '../../src/text/heads.js'
import { CONTRIBUTIONS_OUTPUT, SCORES_OUTPUT, TEXT_MODEL_NAME, TEXT_MODEL_VERSION } from '../../src/text/model-spec.js'
import { TextClassifier } from '../../src/text/text-classifier.js'
import { modelsDir, textModelPath, verifiedModels } from '../helpers/text-model.js'

const classifier = await TextClassifier.create({ model: textModelPath, intraOpNumThreads: 1 })
t.teardown(() => classifier.release())

t.test('identity and categories', async (t) => {
  t.equal(classifier.id, `${TEXT_MODEL_NAME}@${TEXT_MODEL_VERSION}`)
  t.same(classifier.categories, [...TEXT_HEADS])
})

t.test('classify: evidence for every head, model source, nothing for items without text', async (t) => {
  const evidence = await classifier.classify([
    { id: 'a', text: 'You are a worthless idiot, shut up' },
    { id: 'b', text: '   ' },
    { id: 'c', text: 'Sunday pancakes with the family' },
    { id: 'd', text: 'Subscribe to my channel for free gift cards!!! link in bio' }
  ])
  t.equal(evidence.length, 4)
  t.same(evidence[1], {})
  for (const i of [0, 2, 3]) {
    t.same(Object.keys(evidence[i]!), [...TEXT_HEADS])
    for (const head of TEXT_HEADS) {
      const scored = evidence[i]![head]!
      t.equal(scored.source, `model:${classifier.id}`)
      t.ok(scored.score >= 0 && scored.score <= 1)
    }
  }
  t.ok(evidence[0]!.insult!.score > 0.8, 'an insult scores high')
  t.ok(evidence[2]!.toxicity!.score < 0.5, 'a harmless caption scores low')
  t.ok(evidence[3]!.spam!.score > 0.8, 'spam scores high on spam')
  t.same(await classifier.classify([]), [])
  t.same(await classifier.score([]), [])
  t.same(await classifier.explainSpans([]), [])
  t.same(await classifier.classify([{ id: 'e', text: '' }]), [{}])
})

t.test('one session.run per classify call, whatever the batch size', async (t) => {
  // the factory's declared type hides that it is a class; its prototype's run is what every session calls
  const proto = (ort.InferenceSession as unknown as { prototype: Pick<ort.InferenceSession, 'run'> }).prototype
  const run = proto.run
  let calls = 0
  proto.run = function (this: ort.InferenceSession, ...args: Parameters<typeof run>) {
    calls++
    return run.apply(this, args)
  } as typeof run
  t.teardown(() => {
    proto.run = run
  })
  const items = Array.from({ length: 50 }, (_, i) => ({ id: String(i), text: `caption number ${i} with some words` }))
  await classifier.classify(items)
  t.equal(calls, 1)
  await classifier.classify([{ id: 'x', text: '' }])
  t.equal(calls, 1, 'no run when no item has text')
})

t.test('batched scores equal one-by-one scores', async (t) => {
  const texts = ['short', 'a somewhat longer caption with more words in it', 'you idiot']
  const batch = await classifier.score(texts)
  for (const [i, text] of texts.entries()) {
    const [single] = await classifier.score([text])
    single!.forEach((p, k) => t.ok(Math.abs(p - batch[i]![k]!) < 1e-6))
  }
})

t.test('fromManifest: a verified entry, refusing another featuriser', async (t) => {
  const entry = (await verifiedModels(modelsDir)).find((m) => m.kind === 'text') as LoadedModel
  const fromManifest = await TextClassifier.fromManifest(entry, { intraOpNumThreads: 2 })
  t.teardown(() => fromManifest.release())
  t.equal(fromManifest.id, entry.id)
  t.equal(entry.featuriser, FEATURIZER_VERSION)
  await t.rejects(TextClassifier.fromManifest({ ...entry, featuriser: 'fg-text-hash-0' }), /built for featuriser fg-text-hash-0/)
})

t.test('a model with other inputs is refused', async (t) => {
  const { onnx } = onnxProto
  const value = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } })
  const model = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'g', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], input: [value('x')], output: [value('y')] }
    })
  ).finish()
  await t.rejects(TextClassifier.create({ model }), /not a text model: .*found x,y/)
})

t.test('contributions: per feature and head, they add up (with bias and calibration) to the scores', async (t) => {
  t.equal(classifier.explains, true)
  const weights = readOnnxWeights(readFileSync(textModelPath))
  const texts = ['you are a stupid idiot', 'Sunday pancakes with the family 🥞', 'x']
  const batch = packFeatures(texts.map((text) => featurize(text)))
  const terms = await classifier.runContributions(batch)
  const scores = await classifier.runFeatures(batch)
  const heads = TEXT_HEADS.length
  t.equal(terms.length, batch.batch * batch.width * heads)
  let worst = 0
  for (let r = 0; r < batch.batch; r++) {
    for (let k = 0; k < heads; k++) {
      let logit = weights.bias[k]!
      for (let j = 0; j < batch.width; j++) logit += terms[(r * batch.width + j) * heads + k]!
      const p = 1 / (1 + Math.exp(-(logit * weights.scale[k]! + weights.shift[k]!)))
      worst = Math.max(worst, Math.abs(p - scores[r]![k]!))
    }
  }
  t.ok(worst < 1e-5, `scores rebuilt from the contributions differ by at most ${worst}`)
})

t.test('a model without the contributions output scores all the same and explains nothing', async (t) => {
  const { onnx } = onnxProto
  const model = onnx.ModelProto.decode(readFileSync(textModelPath))
  model.graph!.output = model.graph!.output!.filter((o) => o.name !== CONTRIBUTIONS_OUTPUT)
  t.equal(model.graph!.output.length, 1)
  t.equal(model.graph!.output[0]!.name, SCORES_OUTPUT)
  const plain = await TextClassifier.create({ model: onnx.ModelProto.encode(model).finish() })
  t.teardown(() => plain.release())
  t.equal(plain.explains, false)
  const texts = ['you are a stupid idiot', 'Sunday pancakes with the family']
  t.same(await plain.score(texts), await classifier.score(texts), 'bit for bit')
})
