import t from 'tap'
import { identityFalsePositives, mentionsIdentity } from '../../../scripts/train-text/bias.js'

t.test('identity terms are whole words of the folded text', async (t) => {
  t.ok(mentionsIdentity('I am GAY and proud'))
  t.ok(mentionsIdentity('muslims, christians and jews'))
  t.ok(mentionsIdentity('a bl@ck cat'), 'leetspeak folded')
  t.notOk(mentionsIdentity('Gaylord went to Transylvania'))
  t.notOk(mentionsIdentity('nothing here'))
})

t.test('false-positive rates with and without identity terms, negatives only', async (t) => {
  const texts = ['gay pride parade', 'muslim bakery', 'sunny day', 'rainy day', 'you idiot']
  const scores = [0.9, 0.1, 0.8, 0.2, 0.99]
  const labels = [0, 0, 0, 0, 1]
  t.same(identityFalsePositives(texts, scores, labels, 0.5), {
    withTerm: { texts: 2, flagged: 1, rate: 0.5 },
    withoutTerm: { texts: 2, flagged: 1, rate: 0.5 }
  })
  t.same(identityFalsePositives(['sunny day'], [0.1], [0], 0.5).withTerm, { texts: 0, flagged: 0, rate: 0 })
})
