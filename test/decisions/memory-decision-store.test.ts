import t from 'tap'
import { HOUR_MS, hourOf } from '../../src/decisions/decision-store.js'
import { MemoryDecisionStore } from '../../src/decisions/memory-decision-store.js'
import { decisionStoreContract, defaultOptions, sample, testClock } from './decision-store-contract.js'

decisionStoreContract(t, async (t, options = {}) => {
  const clock = testClock()
  const store = new MemoryDecisionStore({ ...defaultOptions(), ...options, now: clock.now })
  t.teardown(() => store.close())
  return { store, clock }
})

t.test('what has expired is swept, so memory stays bounded by the times to live', async (t) => {
  const clock = testClock()
  const store = new MemoryDecisionStore({ ...defaultOptions(), sampleTtlMs: HOUR_MS, countsTtlMs: 2 * HOUR_MS, now: clock.now })
  const hour = hourOf(clock.now())
  await store.addSamples([sample('a', clock.now())])
  await store.addCounts([{ hour, counts: { 'allow|none': 1 } }])
  clock.offset += 5 * HOUR_MS
  await store.addCounts([{ hour: hourOf(clock.now()), counts: { 'allow|none': 1 } }])
  t.same(await store.readSamples(10), [])
  t.same((await store.readCounts(6))[0], { hour, counts: {} })
})
