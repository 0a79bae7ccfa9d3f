import t from 'tap'
import { averagePrecision, confusionAt, logLoss, rocAuc } from '../../../scripts/train-text/metrics.js'

t.test('rocAuc: perfect, reversed, ties and one-class input', async (t) => {
  t.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1)
  t.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0)
  t.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5, 'ties count half')
  t.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75)
  t.ok(Number.isNaN(rocAuc([0.1, 0.2], [1, 1])))
})

t.test('averagePrecision', async (t) => {
  t.equal(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0]), 1)
  t.equal(averagePrecision([0.9, 0.8, 0.1], [0, 1, 1]), (1 / 2 + 2 / 3) / 2)
  t.ok(Number.isNaN(averagePrecision([0.3], [0])))
})

t.test('confusionAt and logLoss', async (t) => {
  t.same(confusionAt([0.9, 0.6, 0.4, 0.1], [1, 0, 1, 0], 0.5), { tp: 1, fp: 1, fn: 1, precision: 0.5, recall: 0.5, f1: 0.5 })
  const none = confusionAt([0.1], [0], 0.5)
  t.ok(Number.isNaN(none.precision) && Number.isNaN(none.recall))
  t.equal(none.f1, 0)
  t.equal(confusionAt([0.9], [0], 0.5).f1, 0)
  t.ok(Math.abs(logLoss([0.5, 0.5], [1, 0]) - Math.log(2)) < 1e-12)
  t.ok(logLoss([0, 1], [1, 0]) < 20, 'clipped, never infinite')
})
