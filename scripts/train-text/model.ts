import type { TextFeatures } from '../../src/text/featurize.js'
// Training is deterministic for a seed: the benchmarks' seeded PRNG initialises the weights.
import { createRandom } from '../../bench/random.js'

/**
 * The text model and its training: a multi-head logistic regression over the hashed features. A text's
 * logit for head k is the sum, over its features, of the feature's weight times `embedding[bucket, k]`,
 * plus `bias[k]`; calibration (Platt scaling per head) maps the logit to a probability.
 *
 * (A shared hidden layer over a wider embedding was tried in model selection; it overfitted these few
 * thousand examples per dataset within two epochs and scored lower on validation than this linear
 * model, which also runs faster.)
 *
 * `predict` is the reference the exported ONNX graph is tested against.
 */

export interface TextModelWeights {
  buckets: number
  heads: number
  /** `[buckets, heads]`, row-major. */
  embedding: Float32Array
  bias: Float32Array
  /** Platt scaling per head: p = sigmoid(scale · logit + shift). */
  scale: Float32Array
  shift: Float32Array
}

export interface TrainingExample {
  features: TextFeatures
  /** Per head: 1, 0, or -1 when the example's dataset does not label that head (masked from the loss). */
  labels: Int8Array
  /** Loss weight of the example. */
  weight: number
  /**
   * The example's source (dataset) index. Each source gets its own per-head logit offset during training,
   * which absorbs the sources' very different base rates so that the shared weights need not learn to
   * recognise the source; the offsets are not part of the exported model.
   */
  source: number
}

export interface TrainOptions {
  buckets: number
  heads: number
  /** Number of distinct `source` values. */
  sources: number
  seed: number
  epochs: number
  /** AdaGrad's base step. */
  learningRate: number
  /**
   * Per bucket and head, a fixed factor on the feature (`[buckets, heads]`), e.g. naive-Bayes log-count
   * ratios; absent = 1. It is folded into the returned weights.
   */
  featureScale?: Float32Array
  /**
   * Start each source's per-head offset at the log-odds of its (weighted) positive rate instead of 0, so that
   * the offsets hold the sources' base rates from the first step and features common to one source (e.g. the
   * `@user` of tweets) are not pushed to carry it.
   */
  baseRateOffsets?: boolean
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))
}

/** Raw logits of one text into `out` (before calibration). */
function logitsInto(weights: TextModelWeights, features: TextFeatures, out: Float64Array, scale?: Float32Array): void {
  const { heads, embedding, bias } = weights
  for (let k = 0; k < heads; k++) out[k] = bias[k] as number
  const { indices, weights: values } = features
  for (let i = 0; i < indices.length; i++) {
    const row = (indices[i] as number) * heads
    const v = values[i] as number
    for (let k = 0; k < heads; k++) {
      const w = (embedding[row + k] as number) * (scale ? (scale[row + k] as number) : 1)
      out[k] = (out[k] as number) + v * w
    }
  }
}

/** Raw logits per head for each text (calibration is fitted on these). */
export function predictLogits(weights: TextModelWeights, rows: readonly TextFeatures[]): Float64Array[] {
  return rows.map((features) => {
    const out = new Float64Array(weights.heads)
    logitsInto(weights, features, out)
    return out
  })
}

/** Calibrated probabilities per head for each text: what the served model must reproduce. */
export function predict(weights: TextModelWeights, rows: readonly TextFeatures[]): Float64Array[] {
  return predictLogits(weights, rows).map((logits) =>
    logits.map((logit, k) => sigmoid((weights.scale[k] as number) * logit + (weights.shift[k] as number)))
  )
}

/**
 * Trains with per-example AdaGrad on a masked binary cross-entropy: each example contributes only the
 * heads its dataset labels. Examples are visited in a seeded random order, so a seed fixes the result.
 */
export function trainModel(examples: readonly TrainingExample[], options: TrainOptions): TextModelWeights {
  const { buckets, heads, featureScale: scale } = options
  const random = createRandom(options.seed)
  const weights: TextModelWeights = {
    buckets,
    heads,
    embedding: new Float32Array(buckets * heads),
    bias: new Float32Array(heads),
    scale: new Float32Array(heads).fill(1),
    shift: new Float32Array(heads)
  }
  const { embedding, bias } = weights
  const gEmbedding = new Float32Array(embedding.length)
  const gBias = new Float64Array(heads)
  const offsets = new Float64Array(options.sources * heads)
  const gOffsets = new Float64Array(offsets.length)
  if (options.baseRateOffsets) offsets.set(baseRateLogits(examples, options.sources, heads))
  const logits = new Float64Array(heads)
  const dLogits = new Float64Array(heads)
  const lr = options.learningRate
  const eps = 1e-8
  const order = Array.from(examples.keys())

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = order[i] as number
      order[i] = order[j] as number
      order[j] = t
    }
    for (const index of order) {
      const example = examples[index] as TrainingExample
      logitsInto(weights, example.features, logits, scale)
      const source = example.source * heads
      for (let k = 0; k < heads; k++) {
        const y = example.labels[k] as number
        dLogits[k] = y < 0 ? 0 : (sigmoid((logits[k] as number) + (offsets[source + k] as number)) - y) * example.weight
      }
      for (let k = 0; k < heads; k++) {
        const g = dLogits[k] as number
        if (g === 0) continue
        gBias[k] = (gBias[k] as number) + g * g
        bias[k] = (bias[k] as number) - (lr * g) / (Math.sqrt(gBias[k] as number) + eps)
        gOffsets[source + k] = (gOffsets[source + k] as number) + g * g
        offsets[source + k] = (offsets[source + k] as number) - (lr * g) / (Math.sqrt(gOffsets[source + k] as number) + eps)
      }
      const { indices, weights: values } = example.features
      for (let i = 0; i < indices.length; i++) {
        const row = (indices[i] as number) * heads
        const v = values[i] as number
        for (let k = 0; k < heads; k++) {
          const d = dLogits[k] as number
          if (d === 0) continue
          const at = row + k
          const g = v * d * (scale ? (scale[at] as number) : 1)
          const acc = (gEmbedding[at] as number) + g * g
          gEmbedding[at] = acc
          embedding[at] = (embedding[at] as number) - (lr * g) / (Math.sqrt(acc) + eps)
        }
      }
    }
  }
  if (scale) for (let i = 0; i < embedding.length; i++) embedding[i] = (embedding[i] as number) * (scale[i] as number)
  return weights
}

/** Per source and head (`[sources, heads]`), the log-odds of the examples' weighted positive rate, smoothed by one of each class; 0 where unlabelled. */
export function baseRateLogits(examples: readonly TrainingExample[], sources: number, heads: number): Float64Array {
  const positives = new Float64Array(sources * heads)
  const totals = new Float64Array(sources * heads)
  for (const example of examples) {
    for (let k = 0; k < heads; k++) {
      const y = example.labels[k] as number
      if (y < 0) continue
      const at = example.source * heads + k
      totals[at] = (totals[at] as number) + example.weight
      positives[at] = (positives[at] as number) + y * example.weight
    }
  }
  return positives.map((p, at) => ((totals[at] as number) === 0 ? 0 : Math.log((p + 1) / ((totals[at] as number) - p + 1))))
}

/**
 * Naive-Bayes log-count ratios per bucket and head (Wang & Manning's NBSVM), used as `featureScale`: a
 * feature's step size grows with how strongly it separates the classes, which regularises towards the
 * naive-Bayes solution. Feature mass is normalised per source and class before pooling, so a large
 * dataset with a skewed base rate does not dictate the ratios of features it shares with the others.
 * Heads not in `heads` get a factor of 1.
 */
export function naiveBayesScale(
  examples: readonly TrainingExample[],
  options: { buckets: number; heads: number; sources: number; scaledHeads: readonly number[]; smoothing: number }
): Float32Array {
  const { buckets, heads, sources, scaledHeads, smoothing } = options
  const totals = new Float64Array(sources * heads * 2)
  for (const example of examples) {
    for (const k of scaledHeads) {
      const y = example.labels[k] as number
      if (y < 0) continue
      const at = (example.source * heads + k) * 2 + y
      for (const v of example.features.weights) totals[at] = (totals[at] as number) + v
    }
  }
  const mass = new Float64Array(buckets * heads * 2)
  for (const example of examples) {
    for (const k of scaledHeads) {
      const y = example.labels[k] as number
      if (y < 0) continue
      const total = totals[(example.source * heads + k) * 2 + y] as number
      const { indices, weights: values } = example.features
      for (let i = 0; i < indices.length; i++) {
        const at = ((indices[i] as number) * heads + k) * 2 + y
        mass[at] = (mass[at] as number) + (values[i] as number) / total
      }
    }
  }
  const classTotals = new Float64Array(heads * 2)
  for (let b = 0; b < buckets; b++) {
    for (let k = 0; k < heads * 2; k++) classTotals[k] = (classTotals[k] as number) + (mass[b * heads * 2 + k] as number)
  }
  const scale = new Float32Array(buckets * heads).fill(1)
  for (const k of scaledHeads) {
    const negatives = (classTotals[k * 2] as number) + smoothing * buckets
    const positives = (classTotals[k * 2 + 1] as number) + smoothing * buckets
    for (let b = 0; b < buckets; b++) {
      const at = (b * heads + k) * 2
      const p = ((mass[at + 1] as number) + smoothing) / positives
      const q = ((mass[at] as number) + smoothing) / negatives
      scale[b * heads + k] = Math.log(p / q)
    }
  }
  return scale
}
