import t from 'tap'
import type { TextFeatures } from '../../../src/text/featurize.js'
import { createRandom } from '../../../bench/random.js'
import { baseRateLogits, naiveBayesScale, predict, predictLogits, sigmoid, trainModel, type TrainingExample } from '../../../scripts/train-text/model.js'

const BUCKETS = 64
const HEADS = 3

/** Feature 1 means head 0, feature 2 means head 1; features 10+ are noise. Head 2 is never labelled. */
function examples(n: number, seed: number): TrainingExample[] {
  const random = createRandom(seed)
  return Array.from({ length: n }, (_, i) => {
    const a = random() < 0.5 ? 1 : 0
    const b = random() < 0.3 ? 1 : 0
    const indices = [10 + Math.floor(random() * 50)]
    if (a) indices.push(1)
    if (b) indices.push(2)
    indices.sort((x, y) => x - y)
    const features: TextFeatures = { indices: Int32Array.from(indices), weights: new Float32Array(indices.length).fill(1 / Math.sqrt(indices.length)) }
    // the second source labels only head 0
    const source = i % 2
    return { features, labels: Int8Array.of(a, source === 0 ? b : -1, -1), weight: 1, source }
  })
}

const options = { buckets: BUCKETS, heads: HEADS, sources: 2, seed: 3, epochs: 4, learningRate: 0.3 }

t.test('learns each labelled head; an unlabelled head stays at zero', async (t) => {
  const data = examples(400, 1)
  const weights = trainModel(data, options)
  const logits = predictLogits(weights, data.map((e) => e.features))
  data.forEach((e, i) => {
    const row = logits[i] as Float64Array
    t.equal((row[0] as number) > 0, e.labels[0] === 1)
  })
  t.ok((weights.embedding[1 * HEADS + 0] as number) > 1, 'feature 1 drives head 0')
  t.ok((weights.embedding[2 * HEADS + 1] as number) > 1, 'feature 2 drives head 1')
  for (let b = 0; b < BUCKETS; b++) t.equal(weights.embedding[b * HEADS + 2], 0)
  t.equal(weights.bias[2], 0)
})

t.test('deterministic for a seed', async (t) => {
  const data = examples(200, 2)
  const a = trainModel(data, options)
  const b = trainModel(data, options)
  const c = trainModel(data, { ...options, seed: 4 })
  t.same(a.embedding, b.embedding)
  t.same(a.bias, b.bias)
  t.notSame(a.embedding, c.embedding, 'another seed visits examples in another order')
})

t.test('a feature scale multiplies each feature per head and is folded into the returned weights', async (t) => {
  const data = examples(200, 5)
  const plain = trainModel(data, options)
  const ones = trainModel(data, { ...options, featureScale: new Float32Array(BUCKETS * HEADS).fill(1) })
  t.same(ones.embedding, plain.embedding, 'a scale of 1 changes nothing')
  const scale = new Float32Array(BUCKETS * HEADS).fill(1)
  for (let b = 0; b < BUCKETS; b++) scale[b * HEADS] = 0
  const muted = trainModel(data, { ...options, featureScale: scale })
  for (let b = 0; b < BUCKETS; b++) t.equal(muted.embedding[b * HEADS], 0, 'a scale of 0 silences the feature for that head')
  t.ok((muted.embedding[2 * HEADS + 1] as number) > 1, 'other heads unaffected')
})

t.test('predict applies the Platt calibration to the logits', async (t) => {
  const weights = trainModel(examples(100, 6), options)
  weights.scale.set([2, 0.5, 1])
  weights.shift.set([-1, 0.25, 0])
  const features = examples(3, 9).map((e) => e.features)
  const logits = predictLogits(weights, features)
  const probs = predict(weights, features)
  probs.forEach((row, i) => {
    row.forEach((p, k) => t.ok(Math.abs(p - sigmoid(weights.scale[k]! * logits[i]![k]! + weights.shift[k]!)) < 1e-12))
  })
})

t.test('naive-Bayes ratios: positive for features of positives, 1 for heads not scaled', async (t) => {
  const data = examples(400, 8)
  const scale = naiveBayesScale(data, { buckets: BUCKETS, heads: HEADS, sources: 2, scaledHeads: [0, 1], smoothing: 0.01 })
  t.ok((scale[1 * HEADS + 0] as number) > 1, 'feature 1 is a strong head-0 feature')
  t.ok(Math.abs(scale[20 * HEADS + 0] as number) < 1, 'noise features are weak')
  t.equal(scale[1 * HEADS + 2], 1)
})

t.test('sigmoid is stable at extremes', async (t) => {
  t.equal(sigmoid(0), 0.5)
  t.ok(sigmoid(-1000) >= 0 && sigmoid(-1000) < 1e-300)
  t.equal(sigmoid(1000), 1)
})

t.test('base-rate logits: the weighted log-odds of each source and head, smoothed, 0 where unlabelled', async (t) => {
  const features: TextFeatures = { indices: Int32Array.of(1), weights: Float32Array.of(1) }
  const data: TrainingExample[] = [
    { features, labels: Int8Array.of(1, -1), weight: 2, source: 0 },
    { features, labels: Int8Array.of(0, -1), weight: 1, source: 0 },
    { features, labels: Int8Array.of(0, 1), weight: 1, source: 1 }
  ]
  const logits = baseRateLogits(data, 2, 2)
  t.ok(Math.abs((logits[0] as number) - Math.log(3 / 2)) < 1e-12, 'source 0, head 0: (2 + 1) / (1 + 1)')
  t.equal(logits[1], 0, 'source 0 does not label head 1')
  t.ok(Math.abs((logits[2] as number) - Math.log(1 / 2)) < 1e-12, 'source 1, head 0: (0 + 1) / (1 + 1)')
  t.ok(Math.abs((logits[3] as number) - Math.log(2)) < 1e-12, 'source 1, head 1: (1 + 1) / (0 + 1)')
})

t.test('offsets started at the base rates leave less of the base rate to a feature only one source has', async (t) => {
  const random = createRandom(11)
  // feature 1 is the signal; feature 5 is in every text of source 0, whose base rate is far above source 1's
  const data: TrainingExample[] = Array.from({ length: 600 }, (_, i) => {
    const source = i % 2
    const y = random() < (source === 0 ? 0.85 : 0.15) ? 1 : 0
    const indices = [10 + Math.floor(random() * 50)]
    if (y === 1 && random() < 0.7) indices.push(1)
    if (source === 0) indices.push(5)
    indices.sort((a, b) => a - b)
    const features: TextFeatures = { indices: Int32Array.from(indices), weights: new Float32Array(indices.length).fill(1 / Math.sqrt(indices.length)) }
    return { features, labels: Int8Array.of(y, -1, -1), weight: 1, source }
  })
  const plain = trainModel(data, options)
  const started = trainModel(data, { ...options, baseRateOffsets: true })
  const indicator = (w: typeof plain) => Math.abs(w.embedding[5 * HEADS] as number)
  t.ok(indicator(started) < indicator(plain) * 0.6, `source feature ${indicator(started)} vs ${indicator(plain)}`)
  t.ok((started.embedding[1 * HEADS] as number) > 1, 'the signal is still learned')
})
