import t from 'tap'
import { PRECISION_TARGETS, deriveThresholds, fitPlatt, reliability, thresholdForPrecision, thresholdReport } from '../../src/training/calibration.js'
import { createRandom, sigmoid } from '../../src/training/model.js'

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
  t.equal(thresholdForPrecision(scores, labels, 0.99), 0.4, 'precision 1 down to the 61st (0.40)')
  const p80 = thresholdForPrecision(scores, labels, 0.8)
  t.ok(p80 !== undefined && p80 < 0.4)
  t.equal(thresholdForPrecision(scores, labels, 1, 200), undefined, 'too few flagged texts to trust')
  t.equal(thresholdForPrecision([0.9, 0.8], [0, 0], 0.5, 1), undefined, 'target never reached')
  t.equal(thresholdForPrecision([0.5, 0.5, 0.5], [1, 1, 1], 0.9, 1), 0.5, 'ties are one threshold')
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
})
