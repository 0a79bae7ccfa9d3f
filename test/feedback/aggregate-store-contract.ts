import { defaultAggregateOptions, HOUR_MS, type AggregateEvent, type AggregateOptions, type AggregateStore } from '../../src/feedback/aggregate-store.js'
import type { ReadBatch } from '../../src/redis/read-batch.js'

type Tap = import('tap').Test

/** A clock that follows real time (so Redis TTLs and the store agree) plus an offset a test can move. */
export function testClock() {
  const clock = { offset: 0, now: () => Date.now() + clock.offset }
  return clock
}

export interface Harness {
  store: AggregateStore
  clock: ReturnType<typeof testClock>
  /** A batch like the scoring path's, and how to send it. */
  batch(): ReadBatch
}

export type MakeStore = (t: Tap, options?: Partial<AggregateOptions>) => Promise<Harness>

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const report = (userId: string, itemId: string, extra: Partial<AggregateEvent> = {}): AggregateEvent => ({
  userId,
  kind: 'report',
  itemId,
  hashtags: [],
  at: Date.now(),
  ...extra
})

/** The behaviour every AggregateStore must have: run against Redis and the in-memory store alike. */
export function aggregateStoreContract(t: Tap, makeStore: MakeStore) {
  const options = (overrides: Partial<AggregateOptions> = {}) => ({ ...defaultAggregateOptions(), ...overrides })

  async function statuses(h: Harness, itemIds: string[]) {
    const batch = h.batch()
    const read = h.store.readStatuses(itemIds, batch)
    await batch.run(1000)
    return read
  }

  t.test('an event with a key counts once; without a key, every time', async (t) => {
    const h = await makeStore(t)
    const event: AggregateEvent = { dedupeKey: 'k1', userId: 'u', kind: 'not_interested', itemId: 'i', hashtags: [], at: h.clock.now() }
    t.same(await h.store.record([event, event]), [
      { applied: true, flagged: false },
      { applied: false, flagged: false }
    ])
    const { dedupeKey: _key, ...keyless } = event
    await h.store.record([keyless, keyless, { ...keyless, kind: 'hide_author' }])
    const insights = await h.store.insights({ hours: 1, limit: 10, minUsers: 2 })
    t.same(insights.byHour[0]!.counts, { not_interested: 3, hide_author: 1, see_less_hashtag: 0, report: 0 })
    t.same(await h.store.record([]), [])
  })

  t.test('a key is remembered for the dedupe window, then forgotten', async (t) => {
    const h = await makeStore(t, options({ dedupeMs: 150 }))
    const event = report('u', 'i', { dedupeKey: 'k', at: h.clock.now() })
    t.match(await h.store.record([event]), [{ applied: true }])
    t.match(await h.store.record([event]), [{ applied: false }])
    await sleep(250)
    t.match(await h.store.record([{ ...event, at: h.clock.now() }]), [{ applied: true }])
  })

  t.test('distinct reporters, weighted by trust, put an item under review at the threshold', async (t) => {
    const h = await makeStore(t, options({ reviewThreshold: 3 }))
    const at = h.clock.now()
    const outcomes = await h.store.record([
      report('u1', 'item', { category: 'spam', at, authorId: 'a1', hashtags: ['cats'] }),
      report('u1', 'item', { category: 'spam', at }),
      report('u2', 'item', { category: 'hate', at }),
      report('u3', 'other', { at })
    ])
    t.same(outcomes.map((o) => o.flagged), [false, false, false, false], 'two distinct reporters: not yet')
    t.same(await statuses(h, ['item', 'other']), new Map())
    t.match(await h.store.record([report('u3', 'item', { category: 'spam', at })]), [{ applied: true, flagged: true }])
    t.match(await h.store.item('item'), {
      itemId: 'item',
      status: 'under_review',
      category: 'spam',
      reporters: 3,
      weighted: 3,
      byCategory: { spam: 2, hate: 1 }
    })
    t.same(await statuses(h, ['item', 'other', 'item']), new Map([['item', { status: 'under_review', category: 'spam' }]]))
    t.match(await h.store.record([report('u4', 'item', { at })]), [{ flagged: false }], 'already under review')
    const quiet = await h.store.item('never-reported')
    t.same(quiet, { itemId: 'never-reported', status: 'none', reporters: 0, weighted: 0, byCategory: {} })
  })

  t.test('without reasons an item goes under review with no category; ties pick the first reason alphabetically', async (t) => {
    const h = await makeStore(t, options({ reviewThreshold: 2 }))
    const at = h.clock.now()
    await h.store.record([report('u1', 'plain', { at }), report('u2', 'plain', { at })])
    t.same(await statuses(h, ['plain']), new Map([['plain', { status: 'under_review' }]]))
    await h.store.record([report('u1', 'tied', { at, category: 'violence' }), report('u2', 'tied', { at, category: 'hate' })])
    t.match(await h.store.item('tied'), { status: 'under_review', category: 'hate' })
  })

  t.test('reports leave the sliding window as it moves', async (t) => {
    const h = await makeStore(t, options({ reportWindowMs: HOUR_MS, reviewThreshold: 2 }))
    await h.store.record([report('u1', 'item', { at: h.clock.now(), category: 'spam', authorId: 'a' })])
    h.clock.offset += 2 * HOUR_MS
    await h.store.record([report('u2', 'item', { at: h.clock.now(), authorId: 'a' })])
    t.match(await h.store.item('item'), { status: 'none', reporters: 1, weighted: 1, byCategory: {} }, 'u1 aged out: one reporter left')
    t.same(await h.store.creator('a'), { authorId: 'a', reporters: 1, byCategory: {} })
    const late = await h.store.record([report('u3', 'item', { at: h.clock.now() - 2 * HOUR_MS })])
    t.match(late, [{ applied: true, flagged: false }], 'a report dated before the window counts in volumes only')
    t.match(await h.store.item('item'), { reporters: 1 })
  })

  t.test('creators: distinct reporters within the window, by reason', async (t) => {
    const h = await makeStore(t)
    const at = h.clock.now()
    await h.store.record([
      report('u1', 'i1', { at, authorId: 'a', category: 'spam' }),
      report('u1', 'i2', { at, authorId: 'a', category: 'spam' }),
      report('u2', 'i1', { at, authorId: 'a', category: 'hate' }),
      report('u3', 'i3', { at, authorId: 'a' }),
      report('u4', 'i4', { at, authorId: 'b', category: 'spam' })
    ])
    t.same(await h.store.creator('a'), { authorId: 'a', reporters: 3, byCategory: { spam: 1, hate: 1 } })
    t.same(await h.store.creator('nobody'), { authorId: 'nobody', reporters: 0, byCategory: {} })
  })

  t.test('a violating verdict removes the item and raises its reporters\' trust, once, up to the maximum', async (t) => {
    const trust = { initial: 1, min: 0.5, max: 1.5, stepUp: 0.25, stepDown: 0.5, ttlMs: HOUR_MS }
    const h = await makeStore(t, options({ reviewThreshold: 10, trust }))
    const at = h.clock.now()
    await h.store.record([report('u1', 'bad', { at, category: 'violence' }), report('u2', 'bad', { at })])
    const verdict = await h.store.verdict('bad', true)
    t.match(verdict, { itemId: 'bad', status: 'removed', category: 'violence', reportersAdjusted: 2 })
    t.ok(verdict.expiresAt > at)
    t.equal(await h.store.trust('u1'), 1.25)
    t.same(await statuses(h, ['bad']), new Map([['bad', { status: 'removed', category: 'violence' }]]))
    t.match(await h.store.verdict('bad', true), { reportersAdjusted: 0, category: 'violence' }, 'a repeated verdict moves nobody again')
    t.equal(await h.store.trust('u1'), 1.25)
    t.match(await h.store.verdict('bad', true, 'hate'), { category: 'hate' }, 'a verdict may name the category')

    await h.store.record([report('u1', 'worse', { at }), report('u1', 'worst', { at })])
    await h.store.verdict('worse', true)
    await h.store.verdict('worst', true)
    t.equal(await h.store.trust('u1'), 1.5, 'bounded above')
    await h.store.record([report('u1', 'next', { at })])
    t.match(await h.store.item('next'), { weighted: 1.5 }, 'a report weighs its reporter\'s trust at the time')
    t.equal(await h.store.trust('stranger'), 1)
  })

  t.test('a clearing verdict lowers trust to the minimum and keeps reports from flagging the item for a while', async (t) => {
    const trust = { initial: 1, min: 0.25, max: 3, stepUp: 0.25, stepDown: 0.5, ttlMs: HOUR_MS }
    const h = await makeStore(t, options({ reviewThreshold: 1, trust, clearedTtlMs: 200 }))
    const at = h.clock.now()
    t.match(await h.store.record([report('u1', 'fine', { at, category: 'spam' })]), [{ flagged: true }])
    t.match(await h.store.verdict('fine', false), { status: 'cleared', category: 'spam', reportersAdjusted: 1 })
    t.equal(await h.store.trust('u1'), 0.5)
    t.same(await statuses(h, ['fine']), new Map(), 'cleared is no status for scoring')
    t.match(await h.store.record([report('u2', 'fine', { at })]), [{ flagged: false }], 'cleared: not flagged again')
    t.match(await h.store.item('fine'), { status: 'cleared', reporters: 1 })
    await h.store.record([report('u1', 'fine2', { at })])
    await h.store.verdict('fine2', false)
    t.equal(await h.store.trust('u1'), 0.25, 'bounded below')
    await sleep(250)
    t.match(await h.store.record([report('u3', 'fine', { at: h.clock.now() })]), [{ flagged: true }], 'once cleared expired, reports count again')
    const unreported = await h.store.verdict('unreported', false)
    t.same({ ...unreported, expiresAt: 0 }, { itemId: 'unreported', status: 'cleared', reportersAdjusted: 0, expiresAt: 0 })
  })

  t.test('statuses and trust expire', async (t) => {
    const trust = { ...defaultAggregateOptions().trust, ttlMs: 150 }
    const h = await makeStore(t, options({ reviewThreshold: 1, reviewTtlMs: 150, trust }))
    await h.store.record([report('u1', 'item', { at: h.clock.now() })])
    await h.store.verdict('other', true)
    t.equal((await statuses(h, ['item'])).size, 1)
    await h.store.record([report('u1', 'x', { at: h.clock.now() })])
    await h.store.verdict('x', true)
    t.equal(await h.store.trust('u1'), 1.25)
    await sleep(250)
    t.same(await statuses(h, ['item']), new Map())
    t.match(await h.store.item('item'), { status: 'none' })
    t.equal(await h.store.trust('u1'), 1, 'unused trust returns to the default')
  })

  t.test('insights: first reports rank items, creators, hashtags and reasons; volumes by hour', async (t) => {
    const h = await makeStore(t)
    const now = h.clock.now()
    const earlier = now - HOUR_MS
    await h.store.record([
      report('u1', 'i1', { at: now, authorId: 'a1', hashtags: ['cats', 'fyp'], category: 'spam' }),
      report('u1', 'i1', { at: now, authorId: 'a1', hashtags: ['cats', 'fyp'], category: 'spam' }),
      report('u2', 'i1', { at: earlier, authorId: 'a1', hashtags: ['cats'], category: 'hate' }),
      report('u3', 'i2', { at: now, authorId: 'a2', hashtags: ['dogs'], category: 'spam' }),
      { userId: 'u4', kind: 'not_interested', itemId: 'i3', hashtags: [], at: earlier }
    ])
    const insights = await h.store.insights({ hours: 2, limit: 10, minUsers: 2 })
    t.same(insights.items, [{ value: 'i1', count: 2 }, { value: 'i2', count: 1 }], 'a repeated report is not a first report')
    t.same(insights.creators, [{ value: 'a1', count: 2 }, { value: 'a2', count: 1 }])
    t.same(insights.hashtags, [{ value: 'cats', count: 2 }, { value: 'fyp', count: 1 }, { value: 'dogs', count: 1 }])
    t.same(insights.categories, [{ value: 'spam', count: 2 }, { value: 'hate', count: 1 }])
    t.same(
      insights.byHour.map(({ hour, counts }) => [hour, counts.report, counts.not_interested]),
      [
        [Math.floor(earlier / HOUR_MS) * HOUR_MS, 1, 1],
        [Math.floor(now / HOUR_MS) * HOUR_MS, 3, 0]
      ]
    )
    const lastHour = await h.store.insights({ hours: 1, limit: 1, minUsers: 2 })
    t.same(lastHour.items, [{ value: 'i2', count: 1 }], 'ties: as Redis ranks them, the later name first')
    t.equal(lastHour.byHour.length, 1)
  })

  t.test('insights: a muted keyword is named only once k distinct users muted it in the window', async (t) => {
    const h = await makeStore(t)
    for (const user of ['u1', 'u2', 'u3']) await h.store.recordMutedTerms(user, ['spoiler'])
    await h.store.recordMutedTerms('u1', ['cats', 'spoiler'])
    await h.store.recordMutedTerms('u1', ['cats'])
    await h.store.recordMutedTerms('u2', ['cats'])
    await h.store.recordMutedTerms('u4', [])
    const atThree = await h.store.insights({ hours: 1, limit: 10, minUsers: 3 })
    t.same(atThree.mutedKeywords, [{ value: 'spoiler', count: 3 }], 'cats: muted three times, by two users only')
    const atTwo = await h.store.insights({ hours: 1, limit: 10, minUsers: 2 })
    t.same(atTwo.mutedKeywords, [{ value: 'spoiler', count: 3 }, { value: 'cats', count: 2 }])
    h.clock.offset += 3 * HOUR_MS
    t.same((await h.store.insights({ hours: 2, limit: 10, minUsers: 2 })).mutedKeywords, [], 'outside the window')
    t.same((await h.store.insights({ hours: 4, limit: 10, minUsers: 2 })).mutedKeywords.length, 2)
  })

  t.test('the review queue lists items under review, longest waiting first, with their reports, until a verdict or expiry', async (t) => {
    const h = await makeStore(t, options({ reviewThreshold: 1, reviewTtlMs: 10 * HOUR_MS }))
    t.same(await h.store.underReview(10), { total: 0, items: [] })
    await h.store.record([report('u1', 'first', { category: 'spam', at: h.clock.now() })])
    h.clock.offset += 1000
    // flagged at the same time: by id
    await h.store.record(['zeta', 'second', 'judged', 'another'].map((itemId, n) => report(`u${n + 10}`, itemId, { at: h.clock.now() })))
    h.clock.offset += 1000
    await h.store.record([report('u4', 'third', { category: 'hate', at: h.clock.now() }), report('u5', 'third', { category: 'hate', at: h.clock.now() })])
    await h.store.record([{ userId: 'u6', kind: 'not_interested', itemId: 'other', hashtags: [], at: h.clock.now() }])
    await h.store.verdict('judged', false)
    const queue = await h.store.underReview(10)
    t.equal(queue.total, 5)
    t.same(queue.items.map((item) => item.itemId), ['first', 'another', 'second', 'zeta', 'third'])
    t.match(queue.items[0], { status: 'under_review', category: 'spam', reporters: 1, weighted: 1, byCategory: { spam: 1 } })
    t.match(queue.items[4], { status: 'under_review', category: 'hate', reporters: 2, weighted: 2, byCategory: { hate: 2 } })
    t.same((await h.store.underReview(1)).items.map((item) => item.itemId), ['first'])
    await h.store.verdict('first', true)
    t.same((await h.store.underReview(10)).items.map((item) => item.itemId), ['another', 'second', 'zeta', 'third'])
    h.clock.offset += 11 * HOUR_MS
    t.same(await h.store.underReview(10), { total: 0, items: [] })
  })
}
