import t from 'tap'
import { BASELINE_MAX_ITERATIONS, NgramCounts, baselineScores, charWbNgrams, fitBaseline, lbfgs } from '../../../scripts/train-text/baseline.js'
import { rocAuc } from '../../../scripts/train-text/metrics.js'

t.test("char_wb n-grams: each word padded with spaces, n-grams within it, as scikit-learn's analyzer", async (t) => {
  t.same(charWbNgrams('ab'), [' a', 'ab', 'b ', ' ab', 'ab ', ' ab '], 'a word shorter than n yields itself once')
  t.same(charWbNgrams('a'), [' a', 'a ', ' a '])
  t.same(charWbNgrams('Hi  Yo\n'), [' h', 'hi', 'i ', ' hi', 'hi ', ' hi ', ' y', 'yo', 'o ', ' yo', 'yo ', ' yo '], 'lower-cased, split on whitespace runs')
  t.same(charWbNgrams('abcdef', 5, 5), [' abcd', 'abcde', 'bcdef', 'cdef '])
  t.same(charWbNgrams('  '), [])
})

const RUDE = ['you stupid idiot', 'shut up moron', 'what a pathetic loser', 'dumb idiot troll', 'you are a moron', 'stupid loser']
const NICE = ['thanks for sharing', 'what a lovely day', 'great video thanks', 'have a nice day', 'lovely recipe', 'nice work friend']

t.test('the baseline learns a tiny abuse set and scores unseen texts', async (t) => {
  const counts = new NgramCounts()
  const train = [...RUDE, ...NICE].map((text) => counts.add(text))
  const labels = [...RUDE.map(() => 1), ...NICE.map(() => 0)]
  const heldOut = counts.add('zzzz')
  const model = fitBaseline(counts, train, labels)
  t.equal(model.index[(counts.rows[heldOut] as { ids: Int32Array }).ids[0] as number], -1, 'a text counted but not trained on adds no vocabulary')
  t.ok(model.iterations > 0 && model.iterations <= BASELINE_MAX_ITERATIONS)
  const test = ['such an idiot', 'a stupid moron', 'thanks, lovely', 'nice day'].map((text) => counts.add(text))
  const scores = baselineScores(model, counts, test)
  t.equal(rocAuc(scores, [1, 1, 0, 0]), 1)
  const unseen = counts.add('qqq zzz')
  t.equal(baselineScores(model, counts, [unseen])[0], model.intercept, 'n-grams outside the training vocabulary are ignored')
  const ghostly = counts.add('xq')
  t.equal(model.index[counts.size - 1], undefined, 'vocabulary added after fitting is not in the model')
  t.equal(baselineScores(model, counts, [ghostly])[0], model.intercept)
  const idiot = train[0] as number
  t.ok((baselineScores(model, counts, [idiot])[0] as number) > 0)
})

t.test('idf is smoothed: ln((1 + n) / (1 + df)) + 1', async (t) => {
  const counts = new NgramCounts()
  const rows = ['aa', 'ab', 'bb'].map((text) => counts.add(text))
  const model = fitBaseline(counts, rows, [1, 0, 0])
  // ' a' is in 2 of the 3 texts; 'aa' in 1
  const idf = [...model.idf]
  t.ok(idf.some((v) => Math.abs(v - (Math.log(4 / 3) + 1)) < 1e-12))
  t.ok(idf.some((v) => Math.abs(v - (Math.log(4 / 2) + 1)) < 1e-12))
})

t.test('the baseline refuses a single class', async (t) => {
  const counts = new NgramCounts()
  const rows = ['a', 'b'].map((text) => counts.add(text))
  t.throws(() => fitBaseline(counts, rows, [1, 1]), RangeError)
})

t.test('lbfgs finds the minimum of a convex quadratic and stops at a flat gradient', async (t) => {
  const target = [3, -2, 0.5]
  const quadratic = (x: Float64Array, g: Float64Array) => {
    let f = 0
    for (let i = 0; i < 3; i++) {
      const d = (x[i] as number) - (target[i] as number)
      f += (i + 1) * d * d
      g[i] = 2 * (i + 1) * d
    }
    return f
  }
  for (const memory of [10, 1]) {
    const { w, iterations } = lbfgs(quadratic, 3, 100, memory)
    for (let i = 0; i < 3; i++) t.ok(Math.abs((w[i] as number) - (target[i] as number)) < 1e-4, `memory ${memory}: w[${i}] = ${w[i]}`)
    t.ok(iterations < 100)
  }
  const flat = lbfgs((_, g) => (g.fill(0), 1), 2, 10)
  t.equal(flat.iterations, 0)
  const rising = lbfgs(
    (x, g) => {
      // a linear function: no step lowers it far enough once the line search runs out
      g.fill(1)
      return Math.abs(x[0] as number) < 1e-30 ? 0 : 1
    },
    1,
    10
  )
  t.equal(rising.iterations, 0)
})
