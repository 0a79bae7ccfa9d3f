import { confusionAt } from './metrics.js'
import { sigmoid } from './model.js'
import { SENSITIVITIES, type Sensitivity } from '../policy/categories.js'

/** Platt scaling: p = sigmoid(scale · logit + shift). */
export interface Platt {
  scale: number
  shift: number
}

/**
 * Fits Platt scaling by Newton's method with backtracking on the log-loss (Lin, Lin & Weng, "A note on
 * Platt's probabilistic outputs for support vector machines"), with Platt's smoothed targets
 * ((N₊ + 1) / (N₊ + 2) for positives, 1 / (N₋ + 2) for negatives) so that a separable validation set
 * does not drive the scale to infinity.
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): Platt {
  const n = logits.length
  let positives = 0
  for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0
  const hi = (positives + 1) / (positives + 2)
  const lo = 1 / (n - positives + 2)
  const target = (i: number) => (labels[i] === 1 ? hi : lo)
  const loss = (a: number, b: number) => {
    let sum = 0
    for (let i = 0; i < n; i++) {
      const z = a * (logits[i] as number) + b
      // log(1 + e^z) - t·z, computed without overflow
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - target(i) * z
    }
    return sum
  }
  let a = 1
  let b = 0
  let current = loss(a, b)
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0
    let gb = 0
    let haa = 1e-12
    let hab = 0
    let hbb = 1e-12
    for (let i = 0; i < n; i++) {
      const x = logits[i] as number
      const p = sigmoid(a * x + b)
      const d = p - target(i)
      const w = p * (1 - p)
      ga += d * x
      gb += d
      haa += w * x * x
      hab += w * x
      hbb += w
    }
    if (Math.abs(ga) < 1e-9 && Math.abs(gb) < 1e-9) break
    const det = haa * hbb - hab * hab
    const da = -(hbb * ga - hab * gb) / det
    const db = -(haa * gb - hab * ga) / det
    let step = 1
    while (step > 1e-10) {
      const next = loss(a + step * da, b + step * db)
      if (next < current + 1e-4 * step * (ga * da + gb * db)) {
        a += step * da
        b += step * db
        current = next
        break
      }
      step /= 2
    }
    if (step <= 1e-10) break
  }
  return { scale: a, shift: b }
}

export interface ReliabilityBin {
  from: number
  to: number
  count: number
  meanScore: number
  positiveRate: number
}

/** Reliability table: scores bucketed into `bins` equal-width bins, with the observed positive rate of each. */
export function reliability(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10) {
  const table: ReliabilityBin[] = Array.from({ length: bins }, (_, i) => ({
    from: i / bins,
    to: (i + 1) / bins,
    count: 0,
    meanScore: 0,
    positiveRate: 0
  }))
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number
    const bin = table[Math.min(bins - 1, Math.floor(s * bins))] as ReliabilityBin
    bin.count++
    bin.meanScore += s
    bin.positiveRate += labels[i] === 1 ? 1 : 0
  }
  let ece = 0
  for (const bin of table) {
    if (bin.count === 0) continue
    bin.meanScore /= bin.count
    bin.positiveRate /= bin.count
    ece += (bin.count / scores.length) * Math.abs(bin.meanScore - bin.positiveRate)
  }
  return { bins: table.filter((bin) => bin.count > 0), ece }
}

/** Precision wanted on validation data before an action is taken, per sensitivity. */
export type PrecisionTargets = Record<Sensitivity, { blur: number; hide: number }>

export const PRECISION_TARGETS: PrecisionTargets = {
  strict: { blur: 0.6, hide: 0.9 },
  standard: { blur: 0.8, hide: 0.95 },
  relaxed: { blur: 0.9, hide: 0.98 }
}

/**
 * Flags at or above a threshold must number at least this many before their precision is trusted: a
 * threshold that only a handful of validation texts cross says nothing.
 */
export const MIN_FLAGGED = 20

/**
 * The lowest score threshold whose flagged set keeps at least `target` precision at that threshold and at
 * every higher one (ignoring thresholds flagging fewer than `minFlagged` texts), rounded up to 0.001.
 * Undefined when no threshold reaches the target: the action is then never taken on this score.
 */
export function thresholdForPrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  target: number,
  minFlagged = MIN_FLAGGED
): number | undefined {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((x, y) => (scores[y] as number) - (scores[x] as number))
  let tp = 0
  let flagged = 0
  let best: number | undefined
  let i = 0
  while (i < order.length) {
    const score = scores[order[i] as number] as number
    while (i < order.length && scores[order[i] as number] === score) {
      tp += labels[order[i] as number] === 1 ? 1 : 0
      flagged++
      i++
    }
    if (flagged < minFlagged) continue
    if (tp / flagged < target) break
    best = score
  }
  return best === undefined ? undefined : Math.min(1, Math.ceil(best * 1000) / 1000)
}

export interface HeadThresholds {
  blurAt?: number
  hideAt?: number
}

/** blurAt / hideAt per sensitivity for one head, from its validation scores and the precision targets. */
export function deriveThresholds(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  targets: PrecisionTargets = PRECISION_TARGETS
): Record<Sensitivity, HeadThresholds> {
  const out = {} as Record<Sensitivity, HeadThresholds>
  for (const sensitivity of SENSITIVITIES) {
    // a higher precision target stops the scan no later, so hideAt is never below blurAt
    const blurAt = thresholdForPrecision(scores, labels, targets[sensitivity].blur)
    const hideAt = thresholdForPrecision(scores, labels, targets[sensitivity].hide)
    out[sensitivity] = {
      ...(blurAt === undefined ? {} : { blurAt }),
      ...(hideAt === undefined ? {} : { hideAt })
    }
  }
  return out
}

/**
 * Precision, recall and false-positive rate reached on the given data by a threshold (for the model card).
 * The false-positive rate does not depend on the data's base rate, so it shows what a threshold costs on
 * a feed where abuse is much rarer than in the evaluation data.
 */
export function thresholdReport(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number | undefined) {
  if (threshold === undefined) return undefined
  const { precision, recall, tp, fp } = confusionAt(scores, labels, threshold)
  let negatives = 0
  for (let i = 0; i < labels.length; i++) negatives += labels[i] === 1 ? 0 : 1
  return { threshold, precision, recall, falsePositiveRate: negatives > 0 ? fp / negatives : 0, flagged: tp + fp }
}
