import t from 'tap'
import { simulate } from '../../src/decisions/simulate.js'
import { compilePolicy, loadPolicy, type PolicyDocument } from '../../src/policy/policy.js'
import { sample } from './decision-store-contract.js'

const live = await loadPolicy('models/policy.json')
const withSexualStandard = (thresholds: { blurAt?: number; hideAt?: number }) => {
  const doc = structuredClone(live.document) as PolicyDocument
  doc.version = 'candidate'
  doc.categories.sexual!.standard = thresholds
  return compilePolicy(doc)
}

/** Scores spread over 0..1 for adult standard users, strict users and 16–17-year-olds, on two surfaces. */
function spreadSamples() {
  const samples = []
  for (let n = 0; n < 300; n++) {
    const score = ((n * 37) % 300) / 300
    const who = n % 3 === 0 ? { sensitivity: 'strict' as const } : n % 3 === 1 ? { ageBand: '16-17' as const } : {}
    samples.push(sample(`i${n}`, 0, { ...who, surface: n % 2 ? 'for_you' : 'search', evidence: { sexual: { score, source: 'model:t@1' } } }))
  }
  return samples
}

t.test('the live policy again moves nothing', async (t) => {
  const samples = spreadSamples()
  const result = simulate(live, compilePolicy(structuredClone(live.document)), samples)
  t.equal(result.sampled, 300)
  t.same(result.moved, { total: 0, byCategory: {}, bySurface: {}, byAgeBand: {}, transitions: {} })
  t.same(result.examples, [])
  t.same(result.decisions.before, result.decisions.after)
  t.equal(result.decisions.before.allow + result.decisions.before.blur + result.decisions.before.hide, 300)
})

t.test('a lowered blur threshold moves exactly the items scored between the two thresholds, allow→blur', async (t) => {
  const samples = spreadSamples()
  const result = simulate(live, withSexualStandard({ blurAt: 0.5, hideAt: 0.9 }), samples, 1000)
  const expected = samples
    .filter((s) => s.sensitivity === 'standard' && s.ageBand === 'adult')
    .filter((s) => s.evidence.sexual!.score >= 0.5 && s.evidence.sexual!.score < 0.7)
    .map((s) => s.itemId)
    .sort()
  t.ok(expected.length >= 20, `${expected.length} items between the thresholds`)
  t.same(result.examples.map((e) => e.itemId).sort(), expected)
  t.equal(result.moved.total, expected.length)
  t.same(result.moved.transitions, { 'allow→blur': expected.length })
  t.same(result.moved.byCategory, { sexual: expected.length })
  t.same(result.moved.byAgeBand, { adult: expected.length })
  t.equal((result.moved.bySurface.for_you ?? 0) + (result.moved.bySurface.search ?? 0), expected.length)
  t.equal(result.decisions.after.blur - result.decisions.before.blur, expected.length)
  t.match(result.examples[0], { before: 'allow', after: 'blur', categories: ['sexual'], scores: { sexual: Number } })
})

t.test('raised thresholds move blur→allow and hide→blur; examples are capped', async (t) => {
  const samples = spreadSamples()
  const result = simulate(live, withSexualStandard({ blurAt: 0.8, hideAt: 0.95 }), samples, 3)
  const adults = samples.filter((s) => s.sensitivity === 'standard' && s.ageBand === 'adult').map((s) => s.evidence.sexual!.score)
  const unblurred = adults.filter((score) => score >= 0.7 && score < 0.8).length
  const unhidden = adults.filter((score) => score >= 0.9 && score < 0.95).length
  t.ok(unblurred > 0 && unhidden > 0)
  t.equal(result.moved.total, unblurred + unhidden)
  t.same(result.moved.transitions, { 'blur→allow': unblurred, 'hide→blur': unhidden })
  t.equal(result.examples.length, 3)
})

t.test('a user\'s own choice for a category keeps its action; items without a sample are not counted', async (t) => {
  const chose = sample('c', 0, { choices: { sexual: 'hide' }, evidence: { sexual: { score: 0.6, source: 'model:t@1' } } })
  const result = simulate(live, withSexualStandard({ blurAt: 0.5, hideAt: 0.9 }), [chose])
  // fires at the policy's firing point (now 0.5) with the user's action
  t.same(result.moved.transitions, { 'allow→hide': 1 })
  t.same(simulate(live, live, []).sampled, 0)
})
