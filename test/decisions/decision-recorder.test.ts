import t from 'tap'
import { DecisionRecorder } from '../../src/decisions/decision-recorder.js'
import { hourOf } from '../../src/decisions/decision-store.js'
import { MemoryDecisionStore } from '../../src/decisions/memory-decision-store.js'
import type { Decision } from '../../src/engine/types.js'
import { defaultRules } from '../../src/rules/schema.js'
import { defaultOptions } from './decision-store-contract.js'

const blur: Decision = {
  id: 'a',
  action: 'blur',
  reasons: [{ type: 'category', action: 'blur', category: 'sexual', score: 0.8, threshold: 0.7, source: 'model:t@1', basis: 'policy' }]
}
const allow: Decision = { id: 'b', action: 'allow', reasons: [] }
const scored = { sexual: { score: 0.8, source: 'model:t@1' } }

function setup(sampleRate: number, maxBuffered = 100) {
  const now = hourOf(Date.now()) + 1000
  const store = new MemoryDecisionStore({ ...defaultOptions(), now: () => now })
  const draws = [0.2, 0.6, 0.1, 0.9]
  let draw = 0
  const recorder = new DecisionRecorder(store, { sampleRate, maxBuffered, now: () => now, random: () => draws[draw++ % draws.length]! })
  return { store, recorder, now }
}

t.test('counts every decision by action and headline reason; samples scored items at the rate, without the user id', async (t) => {
  const { store, recorder, now } = setup(0.5)
  const rules = { ...defaultRules(), sensitivity: 'strict' as const, ageBand: '13-15' as const, categories: { spam: 'allow' as const } }
  recorder.record('comments', rules, [blur, allow, { ...blur, id: 'c' }, { ...blur, id: 'd' }], [scored, {}, scored, scored])
  t.same(await store.readSamples(10), [], 'nothing written before a flush')
  await recorder.flush()
  t.same((await store.readCounts(1))[0], { hour: hourOf(now), counts: { 'blur|category': 3, 'allow|none': 1 } })
  // draws: a 0.2 (kept), b has no scores (no draw), c 0.6 (not kept), d 0.1 (kept)
  t.same(await store.readSamples(10), [
    { itemId: 'd', at: now, surface: 'comments', sensitivity: 'strict', ageBand: '13-15', restrictedMode: false, choices: { spam: 'allow' }, evidence: scored },
    { itemId: 'a', at: now, surface: 'comments', sensitivity: 'strict', ageBand: '13-15', restrictedMode: false, choices: { spam: 'allow' }, evidence: scored }
  ])
  t.notMatch(JSON.stringify(await store.readSamples(10)), /userId/)
  await recorder.flush()
  t.same((await store.readCounts(1))[0]!.counts, { 'blur|category': 3, 'allow|none': 1 }, 'an empty flush writes nothing')
})

t.test('a zero rate samples nothing; the buffer holds at most its bound between flushes', async (t) => {
  const none = setup(0)
  none.recorder.record('for_you', defaultRules(), [blur], [scored])
  await none.recorder.flush()
  t.same(await none.store.readSamples(10), [])
  const bounded = setup(1, 2)
  bounded.recorder.record('for_you', defaultRules(), [blur, blur, blur, blur], [scored, scored, scored, scored])
  await bounded.recorder.flush()
  t.equal((await bounded.store.readSamples(10)).length, 2)
  t.equal((await bounded.store.readCounts(1))[0]!.counts['blur|category'], 4, 'counts are never dropped')
})
