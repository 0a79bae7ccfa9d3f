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
 * Positives a threshold must flag before its precision is trusted either way: a threshold that only a
 * handful of validation positives cross says nothing, and neither the choice nor the stop below looks at it.
 * Counted in positives, not in texts: at a feed prevalence of 0.5–1 % one negative weighs as much as
 * dozens of positives, so a count of flagged texts let the first negative among the top scores decide.
 */
export const MIN_POSITIVES = 10

/**
 * z of the one-sided Wilson score bounds put on the true- and false-positive rates (z = 1: each bound
 * holds about 84 % of the time; both together, pessimistic on both rates at once, more often).
 */
export const CONFIDENCE_Z = 1

/**
 * z of the bounds that end the search. Wider than CONFIDENCE_Z on purpose: ending it is final for every
 * lower threshold, so it waits for stronger evidence. At 0.5 % prevalence with 10,000 validation negatives,
 * one negative above the first 10 of 200 positives leaves the z = 1 upper bound at 0.90, which would end
 * the search for any target above that; at z = 2 it is 0.96.
 */
export const STOP_Z = 2

/** Wilson score interval of a binomial proportion of `k` in `n` (n > 0); z = 0 gives k / n both ways. */
export function wilsonInterval(k: number, n: number, z: number): { low: number; high: number } {
  const z2 = z * z
  const center = (k + z2 / 2) / (n + z2)
  const half = (z * Math.sqrt((k * (n - k)) / n + z2 / 4)) / (n + z2)
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) }
}

export interface ThresholdOptions {
  /** Share of positives where the threshold is used (see below); default: the data's own share. */
  prevalence?: number
  /** Flagged positives needed before a threshold counts, for the choice and for the stop (MIN_POSITIVES). */
  minPositives?: number
  /** z of the Wilson bounds a chosen threshold must meet the target with (CONFIDENCE_Z); 0 takes the observed rates as they are. */
  z?: number
  /** z of the bounds that end the search (STOP_Z, or `z` when that is given); 0 takes the observed rates. */
  stopZ?: number
}

/**
 * The lowest score threshold, rounded up to 0.001, whose flagged set is confidently at least `target`
 * precise, with no higher threshold confidently below it. Undefined when no threshold qualifies: the
 * action is then never taken on this score.
 *
 * Precision is taken where a share π of texts is positive: TPR·π / (TPR·π + FPR·(1−π)), from the
 * threshold's true- and false-positive rates (properties of the scores alone, unlike precision). Without a
 * `prevalence` π is the data's own share, which gives the plain tp / (tp + fp). Each rate carries a Wilson
 * interval, so precision has a lower bound (TPR low, FPR high) and an upper one (TPR high, FPR low).
 * Scanning from the top score down, over thresholds flagging at least `minPositives` positives:
 * - a threshold is a candidate when the lower bound reaches the target;
 * - the scan stops at the first threshold whose upper bound (at `stopZ`, wider) is below the target:
 *   precision there is confidently too low, so no lower threshold may be used even if more positives below would average it
 *   back up. One negative among the top scores widens the bounds instead of stopping everything, which
 *   the raw ratio did at low prevalence.
 * With z = 0 (and so stopZ = 0) and minPositives = 1 this is the plain rule: the lowest threshold keeping the target at
 * every higher one. A prevalence with no positive in the data gives no threshold; with no negative,
 * nothing can be a false positive.
 */
export function thresholdForPrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  target: number,
  options: ThresholdOptions = {}
): number | undefined {
  const { prevalence, minPositives = MIN_POSITIVES, z = CONFIDENCE_Z } = options
  const stopZ = options.stopZ ?? (options.z === undefined ? STOP_Z : z)
  checkPrevalence(prevalence)
  let positives = 0
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0
  const negatives = labels.length - positives
  if (positives === 0) return undefined
  const share = prevalence ?? positives / labels.length
  const falsePositiveRate = (fp: number, width: number) => (negatives === 0 ? { low: 0, high: 0 } : wilsonInterval(fp, negatives, width))
  const precision = (tpr: number, fpr: number) => precisionAtPrevalence(tpr, fpr, share)
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((x, y) => (scores[y] as number) - (scores[x] as number))
  let tp = 0
  let fp = 0
  let best: number | undefined
  let i = 0
  while (i < order.length) {
    const score = scores[order[i] as number] as number
    while (i < order.length && scores[order[i] as number] === score) {
      if (labels[order[i] as number] === 1) tp++
      else fp++
      i++
    }
    if (tp < minPositives) continue
    if (precision(wilsonInterval(tp, positives, stopZ).high, falsePositiveRate(fp, stopZ).low) < target) break
    if (precision(wilsonInterval(tp, positives, z).low, falsePositiveRate(fp, z).high) >= target) best = score
  }
  return best === undefined ? undefined : Math.min(1, Math.ceil(best * 1000) / 1000)
}

export interface HeadThresholds {
  blurAt?: number
  hideAt?: number
}

/**
 * blurAt / hideAt per sensitivity for one head, from its validation scores and the precision targets
 * (see thresholdForPrecision for the options).
 */
export function deriveThresholds(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  targets: PrecisionTargets = PRECISION_TARGETS,
  options: ThresholdOptions = {}
): Record<Sensitivity, HeadThresholds> {
  const out = {} as Record<Sensitivity, HeadThresholds>
  for (const sensitivity of SENSITIVITIES) {
    // a higher precision target stops the scan no later and qualifies no lower threshold, so hideAt is never below blurAt
    const blurAt = thresholdForPrecision(scores, labels, targets[sensitivity].blur, options)
    const hideAt = thresholdForPrecision(scores, labels, targets[sensitivity].hide, options)
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
