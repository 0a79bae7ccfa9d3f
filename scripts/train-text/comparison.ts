import type { TextFeatures } from '../../src/text/featurize.js'
import { TEXT_HEADS, type TextHead } from '../../src/text/heads.js'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BASELINE_C, BASELINE_MAX_ITERATIONS, BASELINE_NGRAMS, NgramCounts, baselineScores, fitBaseline } from './baseline.js'
import { DATASETS, stableHash, type DatasetName, type Example } from './datasets.js'
import { rocAuc } from './metrics.js'
import { naiveBayesScale, predictLogits, trainModel, type TextModelWeights, type TrainingExample } from './model.js'

/**
 * The model judged beside the reference baseline (see baseline.ts): on every test split, and leaving each
 * abuse source out of training in turn and testing on all of it, which is what a feed's text from an
 * unseen platform looks like to the model.
 */

/** The datasets that label abuse (all but the spam sets), each compared with the baseline on the model's toxicity score. */
export const ABUSE_DATASETS: readonly DatasetName[] = DATASETS.filter((name) => name !== 'sms_spam' && name !== 'youtube_spam')

/** The model head judged beside the baseline's one "abusive" score, on every abuse dataset. */
export const ABUSE_HEAD: TextHead = 'toxicity'

/**
 * The "abusive" label of an example (the baseline's label, and what the toxicity score is judged on): its
 * toxicity label. On GermEval 2026, which labels violent statements only, that is any of its five kinds of
 * them against "nothing" (see GERMEVAL2026_LABELS).
 */
export function abuseLabel(example: Example): 0 | 1 | undefined {
  return ABUSE_DATASETS.includes(example.dataset) ? example.labels.toxicity : undefined
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
  /** See TrainOptions.baseRateOffsets. */
  baseRateOffsets?: boolean
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
    ...(options.baseRateOffsets ? { baseRateOffsets: true } : {}),
    featureScale
  })
}

/** The baseline's inputs: every example with an abuse label, counted once into one n-gram vocabulary. */
export class BaselineData {
  readonly counts = new NgramCounts()
  /** Row of `counts` per example index, -1 when the example has no abuse label. */
  readonly rowOf: Int32Array
  /** Hash of every row's text and abuse label, in order: the rows a cached fit's scores belong to. */
  private readonly rowsKey: number

  /**
   * `cacheDir`, when given, keeps each fit's scores of every row there, keyed by the rows and the training
   * rows: a later run with the same data and the same training rows (e.g. another candidate model's
   * leave-one-source-out) reads them instead of fitting again.
   */
  constructor(
    readonly examples: readonly Example[],
    readonly cacheDir?: string
  ) {
    this.rowOf = Int32Array.from(examples, (e) => (abuseLabel(e) === undefined ? -1 : this.counts.add(e.text)))
    let key = stableHash(`${BASELINE_C} ${BASELINE_NGRAMS.min}-${BASELINE_NGRAMS.max} ${BASELINE_MAX_ITERATIONS}`)
    examples.forEach((e, i) => {
      if (this.rowOf[i] !== -1) key = mixInto(key, stableHash(e.text) ^ (abuseLabel(e) as number))
    })
    this.rowsKey = key
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
    const all = this.cachedScores(rows) ?? this.fitAndScore(rows, labels)
    return {
      iterations: all.iterations,
      cached: all.cached,
      score: (indices: readonly number[]) => Float64Array.from(indices, (i) => all.scores[this.rowOf[i] as number] as number)
    }
  }

  private cacheFile(rows: readonly number[]): string | undefined {
    if (this.cacheDir === undefined) return undefined
    const key = rows.reduce((h, r) => mixInto(h, r), this.rowsKey)
    return join(this.cacheDir, `baseline-${this.rowsKey.toString(16)}-${key.toString(16)}-${rows.length}.f64`)
  }

  /** Scores of every row from the cache (the file's first value is the fit's iterations), when there. */
  private cachedScores(rows: readonly number[]) {
    const file = this.cacheFile(rows)
    if (file === undefined || !existsSync(file)) return undefined
    const buffer = readFileSync(file)
    const values = new Float64Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 8)
    return { iterations: values[0] as number, cached: true, scores: values.subarray(1) }
  }

  private fitAndScore(rows: readonly number[], labels: readonly number[]) {
    const model = fitBaseline(this.counts, rows, labels)
    const scores = baselineScores(
      model,
      this.counts,
      this.counts.rows.map((_, r) => r)
    )
    const file = this.cacheFile(rows)
    if (file !== undefined) {
      mkdirSync(dirname(file), { recursive: true })
      const values = new Float64Array(scores.length + 1)
      values[0] = model.iterations
      values.set(scores, 1)
      writeFileSync(file, new Uint8Array(values.buffer))
    }
    return { iterations: model.iterations, cached: false, scores }
  }
}

/** Folds a 32-bit value into a running FNV-style hash. */
function mixInto(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193) >>> 0
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
  if (!first || !ABUSE_DATASETS.includes(first.dataset)) return undefined
  const k = TEXT_HEADS.indexOf(ABUSE_HEAD)
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
    head: ABUSE_HEAD,
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
    if (!ABUSE_DATASETS.includes(source) || !options.sources.includes(source)) continue
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
