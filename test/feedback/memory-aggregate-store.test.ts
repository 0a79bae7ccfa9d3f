import t from 'tap'
import { defaultAggregateOptions, HOUR_MS } from '../../src/feedback/aggregate-store.js'
import { MemoryAggregateStore } from '../../src/feedback/memory-aggregate-store.js'
import { ReadBatch } from '../../src/redis/read-batch.js'
import { aggregateStoreContract, testClock } from './aggregate-store-contract.js'

aggregateStoreContract(t, async (t, options = {}) => {
  const clock = testClock()
  const store = new MemoryAggregateStore({ ...defaultAggregateOptions(), ...options, now: clock.now })
  t.teardown(() => store.close())
  return { store, clock, batch: () => new ReadBatch(null) }
})

t.test('what has expired is swept, so memory stays bounded by the windows', async (t) => {
  const clock = testClock()
  const store = new MemoryAggregateStore({ ...defaultAggregateOptions(), reviewThreshold: 1, now: clock.now })
  const at = clock.now()
  await store.record([
    { dedupeKey: 'k', userId: 'u1', kind: 'report', itemId: 'i', authorId: 'a', hashtags: ['x'], at },
    { userId: 'u1', kind: 'report', itemId: 'j', hashtags: [], at }
  ])
  await store.verdict('i', true)
  await store.recordMutedTerms('u1', ['cats'])
  clock.offset += 400 * 24 * HOUR_MS
  await store.record([{ userId: 'u2', kind: 'not_interested', itemId: 'z', hashtags: [], at: clock.now() }])
  t.match(await store.item('i'), { status: 'none', reporters: 0 })
  t.match(await store.creator('a'), { reporters: 0 })
  t.equal(await store.trust('u1'), 1)
  const insights = await store.insights({ hours: 720, limit: 10, minUsers: 1 })
  t.same([insights.items, insights.mutedKeywords], [[], []])
  t.match(await store.record([{ dedupeKey: 'k', userId: 'u1', kind: 'report', itemId: 'i', hashtags: [], at: clock.now() }]), [{ applied: true }])
  await store.record([{ userId: 'u3', kind: 'not_interested', itemId: 'z', hashtags: [], at: clock.now() }])
})
