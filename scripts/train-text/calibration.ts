import { confusionAt } from './metrics.js'
import { sigmoid } from './model.js'
import { ACTION_SEVERITY, SENSITIVITIES, type Action, type Sensitivity } from '../../src/policy/vocabulary.js'
import { TEXT_HEADS, type TextHead } from '../../src/text/heads.js'

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

/** Precision wanted before an action is taken, per sensitivity (at the head's feed prevalence, see FEED_PREVALENCE). */
export type PrecisionTargets = Record<Sensitivity, { blur: number; hide: number }>

export const PRECISION_TARGETS: PrecisionTargets = {
  strict: { blur: 0.6, hide: 0.9 },
  standard: { blur: 0.8, hide: 0.95 },
  relaxed: { blur: 0.9, hide: 0.98 }
}

/**
 * The share of feed texts that each head's label is assumed to apply to: the one place these are stated.
 * The validation splits that thresholds are derived on are far richer in abuse and spam than a feed
 * (toxicity 38 %, insult 27 %, profanity 12 %, spam 18 % of the texts labelled), and precision depends on
 * that share, so thresholds are derived from the precision each head would have at these shares instead.
 *
 * No sample of feed text is labelled, so these are stated assumptions. The nearest natural sample is the
 * Kaggle Jigsaw training file the Jigsaw pools were drawn from (159,571 Wikipedia talk-page comments):
 * toxic 9.6 %, obscene 5.3 %, insult 4.9 %, identity hate 0.9 %, threat 0.3 %. Captions and on-screen text
 * are written by creators for an audience rather than in an argument, so toxicity and insult are put at
 * about half to two thirds of those rates. Profanity keeps the corpus rate: casual swearing is common in
 * social media text (roughly 1 tweet in 13 contains a curse word). Hate and threat are rounded up from the
 * corpus rates, leaning towards acting on the rare, severe categories. Spam is acted on in comments and
 * live chat only (the policy's surfaces for it), taken at a few percent. Each figure leans high rather
 * than low: a lower one would raise that head's thresholds further.
 */
export const FEED_PREVALENCE: Readonly<Record<TextHead, number>> = {
  toxicity: 0.05,
  insult: 0.03,
  threat: 0.005,
  hate: 0.01,
  profanity: 0.05,
  spam: 0.05
}

/**
 * Precision of a flagged set on data with the given prevalence, from its true-positive rate (recall) and
 * false-positive rate: TPR·π / (TPR·π + FPR·(1−π)). Both rates are properties of the scores alone, so
 * they carry over from the validation mix to the feed; precision does not. NaN when nothing is flagged.
 */
export function precisionAtPrevalence(truePositiveRate: number, falsePositiveRate: number, prevalence: number): number {
  const hits = truePositiveRate * prevalence
  return hits / (hits + falsePositiveRate * (1 - prevalence))
}

function checkPrevalence(prevalence: number | undefined) {
  if (prevalence !== undefined && !(prevalence > 0 && prevalence < 1)) {
    throw new RangeError(`prevalence must be strictly between 0 and 1, got ${prevalence}`)
  }
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
 *
 * With a `prevalence`, precision is the one the flagged set would have where that share of texts is
 * positive: positives and negatives are reweighted to π / positives and (1 − π) / negatives each, which
 * gives TPR·π / (TPR·π + FPR·(1−π)). Without one it is the precision on the data as it is. `minFlagged`
 * counts texts, unweighted, either way. A prevalence with no positive in the data gives no threshold.
 */
export function thresholdForPrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  target: number,
  minFlagged = MIN_FLAGGED,
  prevalence?: number
): number | undefined {
  checkPrevalence(prevalence)
  let positiveWeight = 1
  let negativeWeight = 1
  if (prevalence !== undefined) {
    let positives = 0
    for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0
    if (positives === 0) return undefined
    positiveWeight = prevalence / positives
    // with no negatives at all, nothing can be a false positive: precision is 1 wherever a positive is flagged
    negativeWeight = labels.length > positives ? (1 - prevalence) / (labels.length - positives) : 0
  }
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((x, y) => (scores[y] as number) - (scores[x] as number))
  let hits = 0
  let misses = 0
  let flagged = 0
  let best: number | undefined
  let i = 0
  while (i < order.length) {
    const score = scores[order[i] as number] as number
    while (i < order.length && scores[order[i] as number] === score) {
      if (labels[order[i] as number] === 1) hits += positiveWeight
      else misses += negativeWeight
      flagged++
      i++
    }
    if (flagged < minFlagged) continue
    if (hits / (hits + misses) < target) break
    best = score
  }
  return best === undefined ? undefined : Math.min(1, Math.ceil(best * 1000) / 1000)
}

export interface HeadThresholds {
  blurAt?: number
  hideAt?: number
}

/**
 * blurAt / hideAt per sensitivity for one head, from its validation scores and the precision targets,
 * the precision taken at `prevalence` when one is given (see thresholdForPrecision).
 */
export function deriveThresholds(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  targets: PrecisionTargets = PRECISION_TARGETS,
  prevalence?: number
): Record<Sensitivity, HeadThresholds> {
  const out = {} as Record<Sensitivity, HeadThresholds>
  for (const sensitivity of SENSITIVITIES) {
    // a higher precision target stops the scan no later, so hideAt is never below blurAt
    const blurAt = thresholdForPrecision(scores, labels, targets[sensitivity].blur, MIN_FLAGGED, prevalence)
    const hideAt = thresholdForPrecision(scores, labels, targets[sensitivity].hide, MIN_FLAGGED, prevalence)
    out[sensitivity] = {
      ...(blurAt === undefined ? {} : { blurAt }),
      ...(hideAt === undefined ? {} : { hideAt })
    }
  }
  return out
}

/**
 * The policy's default action for a text from its scores and one sensitivity's thresholds per head
 * (hide at or above hideAt, else blur at or above blurAt), with the heads that call for that action.
 * Surfaces, user choices and floors are not applied.
 */
export function defaultAction(
  scores: Readonly<Record<TextHead, number>>,
  thresholds: Readonly<Record<TextHead, Record<Sensitivity, HeadThresholds>>>,
  sensitivity: Sensitivity
): { action: Action; heads: TextHead[] } {
  let action: Action = 'allow'
  let heads: TextHead[] = []
  for (const head of TEXT_HEADS) {
    const { blurAt, hideAt } = thresholds[head][sensitivity]
    const score = scores[head]
    const wanted: Action = hideAt !== undefined && score >= hideAt ? 'hide' : blurAt !== undefined && score >= blurAt ? 'blur' : 'allow'
    if (wanted === 'allow') continue
    if (ACTION_SEVERITY[wanted] > ACTION_SEVERITY[action]) {
      action = wanted
      heads = []
    }
    if (wanted === action) heads.push(head)
  }
  return { action, heads }
}

/**
 * Precision, recall and false-positive rate reached on the given data by a threshold (for the model card).
 * The false-positive rate does not depend on the data's base rate, so it shows what a threshold costs on
 * a feed where abuse is much rarer than in the evaluation data; with a `prevalence`, `feedPrecision` is
 * the precision the same threshold would have where that share of texts is positive.
 */
export function thresholdReport(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number | undefined, prevalence?: number) {
  if (threshold === undefined) return undefined
  checkPrevalence(prevalence)
  const { precision, recall, tp, fp } = confusionAt(scores, labels, threshold)
  let negatives = 0
  for (let i = 0; i < labels.length; i++) negatives += labels[i] === 1 ? 0 : 1
  const falsePositiveRate = negatives > 0 ? fp / negatives : 0
  return {
    threshold,
    precision,
    recall,
    falsePositiveRate,
    flagged: tp + fp,
    ...(prevalence === undefined ? {} : { feedPrecision: precisionAtPrevalence(recall, falsePositiveRate, prevalence) })
  }
}
