import t from 'tap'
import {
  FEED_PREVALENCE,
  PRECISION_TARGETS,
  defaultAction,
  deriveThresholds,
  fitPlatt,
  precisionAtPrevalence,
  reliability,
  thresholdForPrecision,
  thresholdReport,
  wilsonInterval,
  type HeadThresholds
} from '../../../scripts/train-text/calibration.js'
import type { Sensitivity } from '../../../src/policy/vocabulary.js'
import { TEXT_HEADS, type TextHead } from '../../../src/text/heads.js'
import { createRandom } from '../../../bench/random.js'
import { sigmoid } from '../../../scripts/train-text/model.js'

t.test('fitPlatt recovers the scale and shift that generated the labels', async (t) => {
  const random = createRandom(7)
  const logits: number[] = []
  const labels: number[] = []
  for (let i = 0; i < 20000; i++) {
    const x = random() * 8 - 4
    logits.push(x)
    labels.push(random() < sigmoid(2 * x - 1) ? 1 : 0)
  }
  const { scale, shift } = fitPlatt(logits, labels)
  t.ok(Math.abs(scale - 2) < 0.1, `scale ${scale}`)
  t.ok(Math.abs(shift + 1) < 0.1, `shift ${shift}`)
})

t.test('fitPlatt stays finite on separable or degenerate data', async (t) => {
  const separable = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1])
  t.ok(Number.isFinite(separable.scale) && separable.scale > 0 && separable.scale < 100)
  const constant = fitPlatt([0, 0, 0, 0], [0, 1, 0, 0])
  t.ok(Number.isFinite(constant.scale) && Number.isFinite(constant.shift))
  const lone = fitPlatt([5, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0])
  t.ok(Number.isFinite(lone.scale) && Math.abs(lone.scale) < 1e6, `no runaway scale: ${lone.scale}`)
})

t.test('reliability bins scores and measures calibration error', async (t) => {
  const { bins, ece } = reliability([0.05, 0.05, 0.95, 0.95, 1], [0, 0, 1, 1, 1])
  t.equal(bins.length, 2, 'empty bins left out; a score of 1 is in the last bin')
  t.same(bins[0], { from: 0, to: 0.1, count: 2, meanScore: 0.05, positiveRate: 0 })
  t.equal(bins[1]?.count, 3)
  t.ok(ece > 0 && ece < 0.06)
})

t.test('thresholdForPrecision: lowest threshold keeping the target at every higher one', async (t) => {
  // scores 1.00 .. 0.01; positives are the top 60 and every other one below
  const scores = Array.from({ length: 100 }, (_, i) => (100 - i) / 100)
  const labels = scores.map((_, i) => (i < 60 || i % 2 === 0 ? 1 : 0))
  const plain = { z: 0, minPositives: 1 }
  t.equal(thresholdForPrecision(scores, labels, 0.99, plain), 0.4, 'precision 1 down to the 61st (0.40)')
  const p80 = thresholdForPrecision(scores, labels, 0.8, plain)
  t.ok(p80 !== undefined && p80 < 0.4)
  t.equal(thresholdForPrecision(scores, labels, 1, { minPositives: 200 }), undefined, 'too few flagged positives to trust')
  t.equal(thresholdForPrecision([0.9, 0.8], [0, 0], 0.5, plain), undefined, 'target never reached')
  t.equal(thresholdForPrecision([0.5, 0.5, 0.5], [1, 1, 1], 0.9, plain), 0.5, 'ties are one threshold')
})

t.test('deriveThresholds: blur and hide per sensitivity, hide never below blur, missing when unreachable', async (t) => {
  const scores = Array.from({ length: 200 }, (_, i) => i / 200)
  const labels = scores.map((s, i) => (s > 0.7 || (s > 0.4 && i % 3 === 0) ? 1 : 0))
  const out = deriveThresholds(scores, labels, PRECISION_TARGETS)
  for (const s of ['strict', 'standard', 'relaxed'] as const) {
    const { blurAt, hideAt } = out[s]
    t.ok(blurAt !== undefined, `${s} blurAt`)
    if (hideAt !== undefined && blurAt !== undefined) t.ok(hideAt >= blurAt, `${s} hide ≥ blur`)
  }
  t.ok((out.strict.blurAt as number) <= (out.relaxed.blurAt as number))
  t.same(deriveThresholds([0.9, 0.8, 0.7], [0, 0, 0]).standard, {}, 'never')
})

t.test('thresholdReport', async (t) => {
  t.equal(thresholdReport([0.9], [1], undefined), undefined)
  t.same(thresholdReport([0.9, 0.6, 0.2, 0.1], [1, 0, 0, 0], 0.5), { threshold: 0.5, precision: 0.5, recall: 1, falsePositiveRate: 1 / 3, flagged: 2 })
  t.equal(thresholdReport([0.9], [1], 0.5)?.falsePositiveRate, 0, 'no negatives, no false positives')
  // TPR 1, FPR 1/3 at a prevalence of 0.1: 0.1 / (0.1 + 0.9 / 3) = 0.25
  const feed = thresholdReport([0.9, 0.6, 0.2, 0.1], [1, 0, 0, 0], 0.5, 0.1)
  t.equal(feed?.precision, 0.5, 'precision on the data as it is')
  t.ok(Math.abs((feed?.feedPrecision as number) - 0.25) < 1e-12, `precision at feed prevalence ${feed?.feedPrecision}`)
  t.throws(() => thresholdReport([0.9], [1], 0.5, 1.5), RangeError)
})

t.test('precisionAtPrevalence: TPR·π / (TPR·π + FPR·(1−π))', async (t) => {
  const close = (a: number, b: number, msg: string) => t.ok(Math.abs(a - b) < 1e-12, `${msg}: ${a} vs ${b}`)
  close(precisionAtPrevalence(0.5, 0.01, 0.05), 0.025 / 0.0345, 'half the positives, 1 % of the negatives, 5 % positive')
  close(precisionAtPrevalence(0.5, 0.5, 0.2), 0.2, 'a score that does not rank is as precise as the base rate')
  t.equal(precisionAtPrevalence(0.3, 0, 0.01), 1, 'no false positives')
  t.ok(Number.isNaN(precisionAtPrevalence(0, 0, 0.05)), 'nothing flagged')
})

// Six texts flagged in score order P P N P N P, then four negatives tied at 0.3: 4 positives, 6 negatives.
const SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.3, 0.3]
const LABELS = [1, 1, 0, 1, 0, 1, 0, 0, 0, 0]

t.test('thresholdForPrecision at a prevalence reweights positives and negatives to it', async (t) => {
  // unweighted precision going down: 1, 1, 2/3, 3/4, 3/5, 4/6, 4/10
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.6, { z: 0, minPositives: 1 }), 0.4)
  // at π = 0.2 each positive weighs 0.2/4 = 0.05 and each negative 0.8/6: precision going down is
  // 1, 1, 0.1/0.2333 = 0.429, 0.15/0.2833 = 0.529, 0.15/0.4167 = 0.36, 0.2/0.4667 = 0.429, 0.2/1 = 0.2
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.6, { z: 0, minPositives: 1, prevalence: 0.2 }), 0.8, 'the third text (a negative) breaks 0.6')
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.4, { z: 0, minPositives: 1, prevalence: 0.2 }), 0.6, 'the fifth text breaks 0.4 (0.36)')
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.2, { z: 0, minPositives: 1, prevalence: 0.2 }), 0.3, 'flagging everything gives the prevalence itself')
  // at π = 0.8 positives weigh 0.2 and negatives 0.2/6: 1, 1, 0.923, 0.947, 0.9, 0.923, 0.8
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.85, { z: 0, minPositives: 1, prevalence: 0.8 }), 0.4, 'a richer feed allows a lower threshold than the data')
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.85, { z: 0, minPositives: 1 }), 0.8, 'unweighted, 0.85 stops at the first negative')
  for (const target of [0.3, 0.5, 0.6, 0.7, 0.9]) {
    t.equal(thresholdForPrecision(SCORES, LABELS, target, { z: 0, minPositives: 1, prevalence: 0.4 }), thresholdForPrecision(SCORES, LABELS, target, { z: 0, minPositives: 1 }), `the data's own share (0.4) changes nothing at ${target}`)
  }
})

t.test('thresholdForPrecision at a prevalence: minPositives counts flagged positives', async (t) => {
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.9, { z: 0, minPositives: 2, prevalence: 0.2 }), 0.8, 'two flagged positives, no negative')
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.9, { z: 0, minPositives: 3, prevalence: 0.2 }), undefined, 'the third positive comes after a negative: 0.53')
  t.equal(thresholdForPrecision(SCORES, LABELS, 0.5, { z: 0, minPositives: 20, prevalence: 0.2 }), undefined, 'fewer positives than minPositives')
})

t.test('thresholdForPrecision at a prevalence: one-class data and invalid prevalences', async (t) => {
  t.equal(thresholdForPrecision([0.9, 0.8], [0, 0], 0.1, { minPositives: 1, prevalence: 0.5 }), undefined, 'no positive: nothing to find')
  t.equal(thresholdForPrecision([0.9, 0.8], [1, 1], 0.99, { minPositives: 1, prevalence: 0.01 }), 0.8, 'no negative: nothing can be a false positive')
  for (const bad of [0, 1, -0.1, Number.NaN]) t.throws(() => thresholdForPrecision(SCORES, LABELS, 0.5, { z: 0, minPositives: 1, prevalence: bad }), RangeError, `prevalence ${bad}`)
})

t.test('deriveThresholds at a prevalence: hand-computed', async (t) => {
  // 40 positives: 20 at 0.95, 20 at 0.5; 160 negatives: 2 at 0.9, 18 at 0.6, 140 at 0.1
  const scores = [...Array(20).fill(0.95), ...Array(20).fill(0.5), ...Array(2).fill(0.9), ...Array(18).fill(0.6), ...Array(140).fill(0.1)]
  const labels = scores.map((_, i) => (i < 40 ? 1 : 0))
  // at 0.9: TPR 0.5, FPR 2/160; unweighted precision 20/22 = 0.909, at π = 0.05 0.025 / (0.025 + 0.011875) = 0.678
  // at 0.6: unweighted 0.5, at π = 0.05 0.174; at 0.5: 0.667 and 0.296; at 0.95: 1 at any prevalence
  t.same(deriveThresholds(scores, labels, PRECISION_TARGETS, { z: 0, minPositives: 1 }), {
    strict: { blurAt: 0.9, hideAt: 0.9 },
    standard: { blurAt: 0.9, hideAt: 0.95 },
    relaxed: { blurAt: 0.9, hideAt: 0.95 }
  })
  t.same(deriveThresholds(scores, labels, PRECISION_TARGETS, { z: 0, minPositives: 1, prevalence: 0.05 }), {
    strict: { blurAt: 0.9, hideAt: 0.95 },
    standard: { blurAt: 0.95, hideAt: 0.95 },
    relaxed: { blurAt: 0.95, hideAt: 0.95 }
  })
})

t.test('deriveThresholds at a prevalence below the data\'s never lowers a threshold', async (t) => {
  const scores = Array.from({ length: 400 }, (_, i) => i / 400)
  const labels = scores.map((s, i) => (s > 0.8 || (s > 0.3 && i % 3 === 0) ? 1 : 0))
  const plain = deriveThresholds(scores, labels)
  const feed = deriveThresholds(scores, labels, PRECISION_TARGETS, { prevalence: 0.02 })
  for (const s of ['strict', 'standard', 'relaxed'] as const) {
    for (const action of ['blurAt', 'hideAt'] as const) {
      const before = plain[s][action]
      const after = feed[s][action]
      if (after !== undefined) t.ok(before !== undefined && after >= before, `${s} ${action}: ${before} → ${after}`)
    }
    if (feed[s].hideAt !== undefined) t.ok(feed[s].hideAt >= (feed[s].blurAt as number), `${s} hide ≥ blur`)
  }
})

t.test('FEED_PREVALENCE states a share for every head', async (t) => {
  t.same(Object.keys(FEED_PREVALENCE), [...TEXT_HEADS])
  for (const head of TEXT_HEADS) t.ok(FEED_PREVALENCE[head] > 0 && FEED_PREVALENCE[head] < 0.2, head)
})

t.test('defaultAction: the most severe action over the heads, and the heads that call for it', async (t) => {
  const none = { strict: {}, standard: {}, relaxed: {} }
  const thresholds = Object.fromEntries(TEXT_HEADS.map((h) => [h, none])) as Record<TextHead, Record<Sensitivity, HeadThresholds>>
  thresholds.toxicity = { ...none, standard: { blurAt: 0.5, hideAt: 0.9 } }
  thresholds.insult = { ...none, standard: { blurAt: 0.6 } }
  thresholds.profanity = { ...none, standard: { hideAt: 0.7 } }
  const scores = (s: Partial<Record<TextHead, number>>) => ({ ...(Object.fromEntries(TEXT_HEADS.map((h) => [h, 0])) as Record<TextHead, number>), ...s })
  t.same(defaultAction(scores({}), thresholds, 'standard'), { action: 'allow', heads: [] })
  t.same(defaultAction(scores({ toxicity: 0.6, insult: 0.6 }), thresholds, 'standard'), { action: 'blur', heads: ['toxicity', 'insult'] })
  t.same(defaultAction(scores({ toxicity: 0.95, insult: 0.7 }), thresholds, 'standard'), { action: 'hide', heads: ['toxicity'] })
  t.same(defaultAction(scores({ toxicity: 0.6, profanity: 0.7 }), thresholds, 'standard'), { action: 'hide', heads: ['profanity'] }, 'a later head outranks')
  t.same(defaultAction(scores({ toxicity: 0.95 }), thresholds, 'strict'), { action: 'allow', heads: [] }, 'no thresholds at that sensitivity')
})

t.test('wilsonInterval: the score interval, the plain ratio at z = 0', async (t) => {
  const close = (a: number, b: number, msg: string) => t.ok(Math.abs(a - b) < 1e-9, `${msg}: ${a} vs ${b}`)
  t.same(wilsonInterval(3, 10, 0), { low: 0.3, high: 0.3 })
  // z = 1.96, 3 of 10: the textbook 0.1078 .. 0.6032
  const { low, high } = wilsonInterval(3, 10, 1.96)
  t.ok(Math.abs(low - 0.1078) < 1e-4, `low ${low}`)
  t.ok(Math.abs(high - 0.6032) < 1e-4, `high ${high}`)
  t.equal(wilsonInterval(0, 50, 1).low, 0, 'none seen: the bound starts at 0')
  close(wilsonInterval(0, 50, 1).high, 1 / 51, 'and ends at z² / (n + z²)')
  t.equal(wilsonInterval(50, 50, 1).high, 1)
})

// A feed-like validation set for one rare head: 200 positives scored 0.5–1.0, 10,000 negatives scored 0–0.7.
function rareHead(extra: Array<[score: number, label: number]> = []) {
  const random = createRandom(11)
  const scores: number[] = []
  const labels: number[] = []
  for (let i = 0; i < 200; i++) {
    scores.push(0.5 + 0.5 * random())
    labels.push(1)
  }
  for (let i = 0; i < 10000; i++) {
    scores.push(0.7 * random())
    labels.push(0)
  }
  for (const [score, label] of extra) {
    scores.push(score)
    labels.push(label)
  }
  return { scores, labels }
}

t.test('thresholdForPrecision at a low prevalence: one mislabelled top negative does not block every threshold', async (t) => {
  const clean = rareHead()
  const noisy = rareHead([[0.9999, 0]])
  const prevalence = 0.005
  const raw = { z: 0, minPositives: 1, prevalence }
  t.ok(thresholdForPrecision(clean.scores, clean.labels, 0.8, raw) !== undefined, 'the raw rule finds a threshold on clean data')
  t.equal(thresholdForPrecision(noisy.scores, noisy.labels, 0.8, raw), undefined, 'the raw rule: the one negative above every positive blocks all')
  // (95 % is out of reach here: one false positive in 10,000 cannot show it at 0.5 % with 200 positives)
  for (const target of [0.6, 0.8, 0.9]) {
    const withOutlier = thresholdForPrecision(noisy.scores, noisy.labels, target, { prevalence })
    const without = thresholdForPrecision(clean.scores, clean.labels, target, { prevalence })
    t.ok(withOutlier !== undefined && withOutlier >= 0.7 && withOutlier < 1, `target ${target}: ${withOutlier}`)
    t.ok(without !== undefined && (withOutlier as number) >= without, `no lower than without the outlier (${without})`)
  }
})

t.test('thresholdForPrecision: a confidently imprecise band above the positives ends the search', async (t) => {
  // 300 negatives scored 0.8–0.9 sit above most positives: below 0.8 no threshold is precise enough at 1 %
  const { scores, labels } = rareHead(Array.from({ length: 300 }, (_, i) => [0.8 + i / 3000, 0]))
  const threshold = thresholdForPrecision(scores, labels, 0.8, { prevalence: 0.01 })
  t.ok(threshold === undefined || threshold >= 0.9, `${threshold}`)
  // the same positives without the band do get a threshold below it
  const clean = rareHead()
  const below = thresholdForPrecision(clean.scores, clean.labels, 0.8, { prevalence: 0.01 })
  t.ok(below !== undefined && below < 0.8, `${below}`)
})

t.test('thresholdForPrecision: bounds ask for evidence the raw ratio does not', async (t) => {
  // 12 positives on top, then 100 negatives: the raw ratio is 1 at the top at any prevalence, but 100
  // negatives cannot show a false-positive rate low enough for 90 % precision at 0.5 %
  const scores = [...Array.from({ length: 12 }, (_, i) => 0.9 + i / 1000), ...Array.from({ length: 100 }, (_, i) => i / 200)]
  const labels = scores.map((_, i) => (i < 12 ? 1 : 0))
  t.equal(thresholdForPrecision(scores, labels, 0.9, { z: 0, minPositives: 1, prevalence: 0.005 }), 0.9)
  t.equal(thresholdForPrecision(scores, labels, 0.9, { prevalence: 0.005 }), undefined)
  t.equal(thresholdForPrecision(scores, labels, 0.9, { z: 0, minPositives: 13, prevalence: 0.005 }), undefined, 'fewer positives than minPositives')
  t.equal(thresholdForPrecision(scores, labels, 0.9), 0.9, 'at the data\'s own share (11 %) they do')
})
