import type { TextFeatures } from '../../src/text/featurize.js'
import { TEXT_HEADS, type TextHead } from '../../src/text/heads.js'
import { NgramCounts, baselineScores, fitBaseline } from './baseline.js'
import type { DatasetName, Example } from './datasets.js'
import { rocAuc } from './metrics.js'
import { naiveBayesScale, predictLogits, trainModel, type TextModelWeights, type TrainingExample } from './model.js'

/**
 * The model judged beside the reference baseline (see baseline.ts): on every test split, and leaving each
 * abuse source out of training in turn and testing on all of it, which is what a feed's text from an
 * unseen platform looks like to the model.
 */

/**
 * The head each abuse dataset is judged on, beside the baseline's one "abusive" score: toxicity, except
 * GermEval 2026, which labels violence only (its "nothing" leaves other abuse unlabelled), judged on threat.
 */
export const ABUSE_HEAD: Readonly<Partial<Record<DatasetName, TextHead>>> = {
  jigsaw: 'toxicity',
  olid: 'toxicity',
  germeval: 'toxicity',
  mlma: 'toxicity',
  davidson: 'toxicity',
  edos: 'toxicity',
  toxic_spans: 'toxicity',
  convabuse: 'toxicity',
  implicit_hate: 'toxicity',
  stormfront: 'toxicity',
  toxigen: 'toxicity',
  germeval2026: 'threat'
}

/** The "abusive" label of an example: its dataset's abuse head, when the example labels it. */
export function abuseLabel(example: Example): 0 | 1 | undefined {
  const head = ABUSE_HEAD[example.dataset]
  return head === undefined ? undefined : example.labels[head]
}

export interface ModelFitOptions {
  sources: readonly DatasetName[]
  datasetWeights: Partial<Record<DatasetName, number>>
  nbHeads: readonly TextHead[]
  nbSmoothing: number
  buckets: number
  seed: number
  epochs: number
  learningRate: number
}

/** Trains the model (uncalibrated) on the training rows that `keep` accepts. */
export function fitModel(examples: readonly Example[], features: readonly TextFeatures[], options: ModelFitOptions, keep: (e: Example) => boolean = () => true): TextModelWeights {
  const training: TrainingExample[] = []
  examples.forEach((e, i) => {
    const weight = options.datasetWeights[e.dataset] ?? 1
    if (e.split !== 'train' || weight === 0 || !keep(e)) return
    training.push({
      features: features[i] as TextFeatures,
      labels: Int8Array.from(TEXT_HEADS, (head) => e.labels[head] ?? -1),
      weight,
      source: options.sources.indexOf(e.dataset)
    })
  })
  const heads = TEXT_HEADS.length
  const featureScale = naiveBayesScale(training, {
    buckets: options.buckets,
    heads,
    sources: options.sources.length,
    scaledHeads: options.nbHeads.map((h) => TEXT_HEADS.indexOf(h)),
    smoothing: options.nbSmoothing
  })
  return trainModel(training, {
    buckets: options.buckets,
    heads,
    sources: options.sources.length,
    seed: options.seed,
    epochs: options.epochs,
    learningRate: options.learningRate,
    featureScale
  })
}

/** The baseline's inputs: every example with an abuse label, counted once into one n-gram vocabulary. */
export class BaselineData {
  readonly counts = new NgramCounts()
  /** Row of `counts` per example index, -1 when the example has no abuse label. */
  readonly rowOf: Int32Array

  constructor(readonly examples: readonly Example[]) {
    this.rowOf = Int32Array.from(examples, (e) => (abuseLabel(e) === undefined ? -1 : this.counts.add(e.text)))
  }

  /** Fits on the training rows `keep` accepts (datasets of weight 0 left out, as for the model); returns a scorer of example indexes. */
  fit(datasetWeights: Partial<Record<DatasetName, number>>, keep: (e: Example) => boolean = () => true) {
    const rows: number[] = []
    const labels: number[] = []
    this.examples.forEach((e, i) => {
      if (e.split !== 'train' || this.rowOf[i] === -1 || datasetWeights[e.dataset] === 0 || !keep(e)) return
      rows.push(this.rowOf[i] as number)
      labels.push(abuseLabel(e) as number)
    })
    const model = fitBaseline(this.counts, rows, labels)
    return {
      iterations: model.iterations,
      score: (indices: readonly number[]) =>
        baselineScores(
          model,
          this.counts,
          indices.map((i) => this.rowOf[i] as number)
        )
    }
  }
}

export interface Comparison {
  dataset: DatasetName
  /** `test` = the dataset's test split, model and baseline trained on every source; `left out` = all of it, neither trained on it. */
  split: 'test' | 'left out'
  head: TextHead
  count: number
  positives: number
  model: number
  baseline: number
}

const round = (x: number) => Number(x.toFixed(4))

/** ROC-AUC of the model's head and of the baseline on the examples (by index) that carry an abuse label. */
export function compare(
  examples: readonly Example[],
  indices: readonly number[],
  modelScores: readonly ArrayLike<number>[],
  baselineScore: (indices: readonly number[]) => ArrayLike<number>,
  split: Comparison['split']
): Comparison | undefined {
  const first = examples[indices[0] as number]
  const head = first && ABUSE_HEAD[first.dataset]
  if (!first || !head) return undefined
  const k = TEXT_HEADS.indexOf(head)
  const kept: number[] = []
  const model: number[] = []
  const labels: number[] = []
  indices.forEach((index, j) => {
    const label = abuseLabel(examples[index] as Example)
    if (label === undefined) return
    kept.push(index)
    model.push((modelScores[j] as ArrayLike<number>)[k] as number)
    labels.push(label)
  })
  const positives = labels.reduce((a, b) => a + b, 0)
  if (positives === 0 || positives === labels.length) return undefined
  return {
    dataset: first.dataset,
    split,
    head,
    count: labels.length,
    positives,
    model: round(rocAuc(model, labels)),
    baseline: round(rocAuc(baselineScore(kept), labels))
  }
}

/**
 * Leave-one-source-out: for each abuse source (or each of `only`), trains the model (with
 * `options.epochs`) and the baseline without it, and compares them on all of its examples. Each fold
 * costs a training and a baseline fit, hence `only`.
 */
export function leaveOneSourceOut(
  examples: readonly Example[],
  features: readonly TextFeatures[],
  baseline: BaselineData,
  options: ModelFitOptions,
  log: (line: string) => void,
  only: readonly DatasetName[] = options.sources
): Comparison[] {
  const out: Comparison[] = []
  for (const source of only) {
    if (ABUSE_HEAD[source] === undefined || !options.sources.includes(source)) continue
    const indices = examples.flatMap((e, i) => (e.dataset === source ? [i] : []))
    const without = (e: Example) => e.dataset !== source
    const weights = fitModel(examples, features, options, without)
    const scores = predictLogits(
      weights,
      indices.map((i) => features[i] as TextFeatures)
    )
    const row = compare(examples, indices, scores, baseline.fit(options.datasetWeights, without).score, 'left out')
    if (!row) continue
    out.push(row)
    log(`left out ${source}: ${row.head} ROC-AUC model ${row.model.toFixed(4)}, baseline ${row.baseline.toFixed(4)} (${row.count} texts)`)
  }
  return out
}
