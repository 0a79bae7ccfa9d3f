import type { DecisionStore, DecisionStoreOptions, SampledItem } from '../../src/decisions/decision-store.js'
import { HOUR_MS, hourOf } from '../../src/decisions/decision-store.js'

type Tap = import('tap').Test

/** A clock that follows real time (so Redis expiries and the store agree) plus an offset a test can move. */
export function testClock() {
  const clock = { offset: 0, now: () => Date.now() + clock.offset }
  return clock
}

export type MakeStore = (t: Tap, options?: Partial<DecisionStoreOptions>) => Promise<{ store: DecisionStore; clock: ReturnType<typeof testClock> }>

export const defaultOptions = (): DecisionStoreOptions => ({ maxSamplesPerHour: 100, sampleTtlMs: 24 * HOUR_MS, countsTtlMs: 48 * HOUR_MS })

export const sample = (itemId: string, at: number, extra: Partial<SampledItem> = {}): SampledItem => ({
  itemId,
  at,
  surface: 'for_you',
  sensitivity: 'standard',
  ageBand: 'adult',
  restrictedMode: false,
  choices: {},
  evidence: { sexual: { score: 0.5, source: 'model:test@1' } },
  ...extra
})

/** The behaviour every DecisionStore must have: run against Redis and the in-memory store alike. */
export function decisionStoreContract(t: Tap, makeStore: MakeStore) {
  t.test('samples come back as written, newest first, at most the limit', async (t) => {
    const { store, clock } = await makeStore(t)
    const at = clock.now()
    const a = sample('a', at - 2, { choices: { sexual: 'hide' }, ageBand: '13-15', restrictedMode: true })
    const b = sample('b', at - 1, { surface: 'comments', sensitivity: 'strict' })
    const c = sample('c', at)
    await store.addSamples([a, b])
    await store.addSamples([c])
    await store.addSamples([])
    t.same(await store.readSamples(10), [c, b, a])
    t.same(await store.readSamples(2), [c, b])
  })

  t.test('samples from earlier hours follow the current hour\'s', async (t) => {
    const { store, clock } = await makeStore(t)
    const now = clock.now()
    const old = sample('old', hourOf(now) - 2 * HOUR_MS + 5)
    const recent = sample('recent', now)
    await store.addSamples([recent, old])
    t.same((await store.readSamples(10)).map((s) => s.itemId), ['recent', 'old'])
    t.same((await store.readSamples(1)).map((s) => s.itemId), ['recent'])
  })

  t.test('an hour keeps at most its cap of samples: the oldest go first', async (t) => {
    const { store, clock } = await makeStore(t, { maxSamplesPerHour: 3 })
    const at = hourOf(clock.now()) + 10
    await store.addSamples([1, 2, 3, 4, 5].map((n) => sample(`i${n}`, at + n)))
    t.same((await store.readSamples(10)).map((s) => s.itemId), ['i5', 'i4', 'i3'])
  })

  t.test('samples older than their time to live are not read', async (t) => {
    const { store, clock } = await makeStore(t, { sampleTtlMs: 3 * HOUR_MS })
    const now = clock.now()
    await store.addSamples([sample('stale', now - 3 * HOUR_MS - 1000), sample('fresh', now - 2 * HOUR_MS)])
    t.same((await store.readSamples(10)).map((s) => s.itemId), ['fresh'])
    clock.offset += 2 * HOUR_MS
    t.same(await store.readSamples(10), [])
  })

  t.test('counts add up per hour and come back for every hour asked, oldest first', async (t) => {
    const { store, clock } = await makeStore(t)
    const current = hourOf(clock.now())
    await store.addCounts([
      { hour: current, counts: { 'blur|category': 2, 'allow|none': 5 } },
      { hour: current - HOUR_MS, counts: { 'hide|keyword': 1 } }
    ])
    await store.addCounts([{ hour: current, counts: { 'blur|category': 3 } }])
    await store.addCounts([])
    t.same(await store.readCounts(3), [
      { hour: current - 2 * HOUR_MS, counts: {} },
      { hour: current - HOUR_MS, counts: { 'hide|keyword': 1 } },
      { hour: current, counts: { 'blur|category': 5, 'allow|none': 5 } }
    ])
  })
}
