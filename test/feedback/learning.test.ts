import t from 'tap'
import { defaultLearningOptions, learnedId, learnFromFeedback, type LearningOptions, type UserEvent } from '../../src/feedback/learning.js'
import { keepLearned, publicRules, withoutLearned, forgettableAt } from '../../src/rules/document.js'
import { defaultRules, type RulesDocument } from '../../src/rules/schema.js'

const DAY = 86_400_000
const T0 = Date.parse('2026-06-01T00:00:00Z')

/** Applies events one call at a time, as separate requests would, and returns the document. */
function apply(doc: RulesDocument, events: UserEvent[], now = T0, options: Partial<LearningOptions> = {}) {
  const { content, outcomes } = learnFromFeedback(doc, events, now, { ...defaultLearningOptions(), ...options })
  return { doc: { version: doc.version + 1, ...content }, outcomes }
}

const ni = (itemId: string, extra: Partial<UserEvent> = {}): UserEvent => ({ kind: 'not_interested', itemId, hashtags: [], at: T0, ...extra })
const kinds = (doc: RulesDocument) => doc.learned.map((rule) => `${rule.kind}:${rule.value}:${rule.signal}`)

t.test('not interested hides the item for 90 days', async (t) => {
  const { doc, outcomes } = apply(defaultRules(), [ni('v1')])
  t.same(doc.learned, [
    {
      id: learnedId('item', 'v1'),
      kind: 'item',
      value: 'v1',
      signal: 'not_interested',
      createdAt: '2026-06-01T00:00:00.000Z',
      expiresAt: '2026-08-30T00:00:00.000Z'
    }
  ])
  t.same(outcomes, [{ duplicate: false, learned: doc.learned }])
  t.match(learnedId('item', 'v1'), /^li_/)
})

t.test('two not-interested on one creator within 30 days mute the creator for 30 days', async (t) => {
  let { doc } = apply(defaultRules(), [ni('v1', { authorId: 'a1' })])
  t.same(kinds(doc), ['item:v1:not_interested'])
  ;({ doc } = apply(doc, [ni('v1', { authorId: 'a1', at: T0 + 1000 })], T0 + 1000))
  t.same(kinds(doc), ['item:v1:not_interested'], 'the same item twice is one signal')
  const second = apply(doc, [ni('v2', { authorId: 'a1', at: T0 + DAY })], T0 + DAY)
  t.same(kinds(second.doc), ['item:v1:not_interested', 'item:v2:not_interested', 'author:a1:not_interested'])
  t.equal(second.doc.learned[2]!.expiresAt, new Date(T0 + 31 * DAY).toISOString())
  t.same(second.outcomes[0]!.learned.map((rule) => rule.kind), ['item', 'author'])

  const late = apply(doc, [ni('v3', { authorId: 'a1', at: T0 + 31 * DAY })], T0 + 31 * DAY)
  t.notOk(kinds(late.doc).some((k) => k.startsWith('author')), 'the first signal aged out of the window')
})

t.test('three not-interested on one hashtag mute it; ubiquitous hashtags never; creators explain their own hashtags', async (t) => {
  const options = { hashtagStoplist: new Set(['fyp']) }
  let { doc } = apply(defaultRules(), [ni('v1', { hashtags: ['cats', 'fyp'], authorId: 'a1' }), ni('v2', { hashtags: ['cats', 'fyp'], authorId: 'a2' })], T0, options)
  t.notOk(kinds(doc).some((k) => k.startsWith('hashtag')))
  ;({ doc } = apply(doc, [ni('v3', { hashtags: ['cats', 'fyp'], authorId: 'a3' })], T0, options))
  t.ok(kinds(doc).includes('hashtag:cats:not_interested'))
  t.notOk(kinds(doc).includes('hashtag:fyp:not_interested'), 'fyp is on the stoplist')
  t.equal(doc.learned.find((rule) => rule.kind === 'hashtag')!.expiresAt, new Date(T0 + 30 * DAY).toISOString())

  // One creator's two items with #dogs mute the creator; they do not count towards #dogs.
  let explained = apply(defaultRules(), [ni('d1', { hashtags: ['dogs'], authorId: 'x' }), ni('d2', { hashtags: ['dogs'], authorId: 'x' })]).doc
  explained = apply(explained, [ni('d3', { hashtags: ['dogs'], authorId: 'y' })]).doc
  t.same(kinds(explained).filter((k) => !k.startsWith('item')), ['author:x:not_interested'])
  explained = apply(explained, [ni('d4', { hashtags: ['dogs'] }), ni('d5', { hashtags: ['dogs'], authorId: 'z' })]).doc
  t.ok(kinds(explained).includes('hashtag:dogs:not_interested'), 'three items not explained by a muted creator')

  // #b rides along with the disliked #a: on every item with both, #a was marked more often.
  const along = apply(
    defaultRules(),
    [ni('i1', { hashtags: ['a', 'b'], authorId: 'c1' }), ni('i2', { hashtags: ['a'], authorId: 'c2' }), ni('i3', { hashtags: ['a', 'b'], authorId: 'c3' }), ni('i5', { hashtags: ['a'], authorId: 'c5' }), ni('i4', { hashtags: ['b'], authorId: 'c4' })]
  ).doc
  t.same(kinds(along).filter((k) => k.startsWith('hashtag')), ['hashtag:a:not_interested'], '#b is marked on three items, but only one it explains best')
  const tied = apply(defaultRules(), ['j1', 'j2', 'j3'].map((id, i) => ni(id, { hashtags: ['p', 'q'], authorId: `k${i}` }))).doc
  t.same(kinds(tied).filter((k) => k.startsWith('hashtag')), ['hashtag:p:not_interested', 'hashtag:q:not_interested'], 'always together: both')

  const byOwnRule = { ...defaultRules(), authors: [{ id: 'm', action: 'hide' as const, expiresAt: null }] }
  const muted = apply(byOwnRule, ['e1', 'e2', 'e3'].map((id) => ni(id, { hashtags: ['birds'], authorId: 'm' }))).doc
  t.notOk(kinds(muted).includes('hashtag:birds:not_interested'), "a creator the user muted explains the creator's hashtags too")
})

t.test('hide author and see less of a hashtag act at once; a report hides the item for its reporter', async (t) => {
  const { doc, outcomes } = apply(defaultRules(), [
    { kind: 'hide_author', itemId: 'v1', authorId: 'a1', hashtags: [], at: T0 },
    { kind: 'see_less_hashtag', itemId: 'v2', hashtags: ['cats', 'dogs'], at: T0 },
    { kind: 'report', itemId: 'v3', hashtags: [], at: T0 }
  ])
  t.same(kinds(doc), ['author:a1:hide_author', 'hashtag:cats:see_less_hashtag', 'hashtag:dogs:see_less_hashtag', 'item:v3:report'])
  t.same(outcomes.map((o) => o.learned.length), [1, 2, 1])
})

t.test('learning the same thing again extends the rule, never shortens it, and keeps its id', async (t) => {
  let { doc } = apply(defaultRules(), [ni('v1')])
  const id = doc.learned[0]!.id
  ;({ doc } = apply(doc, [ni('v1', { at: T0 + DAY })], T0 + DAY))
  t.same(doc.learned.map((r) => [r.id, r.expiresAt]), [[id, new Date(T0 + 91 * DAY).toISOString()]])
  const older = apply(doc, [{ kind: 'report', itemId: 'v1', hashtags: [], at: T0 }], T0 + DAY)
  t.same(older.outcomes[0]!.learned, [], 'an older signal teaches nothing new')
  t.equal(older.doc.learned[0]!.signal, 'not_interested')
  const stale = apply(defaultRules(), [ni('old', { at: T0 - 100 * DAY })])
  t.same(stale.doc.learned, [], 'a rule that would already have expired is not learned')
})

t.test('an event id is applied once; ids are remembered for the dedupe window, at most the configured number', async (t) => {
  const first = apply(defaultRules(), [ni('v1', { id: 'e1' }), ni('v2', { id: 'e1' })])
  t.same(first.outcomes.map((o) => o.duplicate), [false, true])
  t.same(kinds(first.doc), ['item:v1:not_interested'])
  const again = apply(first.doc, [ni('v1', { id: 'e1' })], T0 + 1000)
  t.same(again.outcomes, [{ duplicate: true, learned: [] }])
  const afterWindow = apply(first.doc, [ni('v9', { id: 'e1', at: T0 + 8 * DAY })], T0 + 8 * DAY)
  t.same(afterWindow.outcomes[0]!.duplicate, false, 'forgotten after the dedupe window')

  const many = apply(defaultRules(), ['a', 'b', 'c', 'd'].map((id) => ni(id, { id })), T0, { maxEventIds: 2 }).doc
  t.same(many.learning!.events.map(([id]) => id), ['c', 'd'], 'oldest ids go first')
})

t.test('learned state is bounded: oldest learned rules and signals are evicted first', async (t) => {
  const events = Array.from({ length: 6 }, (_, i) => ni(`v${i}`, { authorId: `a${i}`, hashtags: [`t${i}`], at: T0 + i }))
  const { doc } = apply(defaultRules(), events, T0 + 10, { maxLearned: 3, maxSignals: 4 })
  t.same(doc.learned.map((r) => r.value), ['v3', 'v4', 'v5'])
  const signals = Object.entries(doc.learning!.signals).map(([key, entries]) => [key, entries.map(([item]) => item)])
  t.same(signals, [
    ['a:a4', ['v4']],
    ['h:t4', ['v4']],
    ['a:a5', ['v5']],
    ['h:t5', ['v5']]
  ])
  const refreshed = apply(doc, [ni('v3', { at: T0 + 20 })], T0 + 20, { maxLearned: 3 }).doc
  t.same(refreshed.learned.map((r) => r.value), ['v4', 'v5', 'v3'], 'a refreshed rule counts as the newest')
})

t.test('expired learned rules are dropped on the next write; signals age out of the window', async (t) => {
  const { doc } = apply(defaultRules(), [ni('v1', { authorId: 'a' })])
  const later = apply(doc, [{ kind: 'report', itemId: 'v2', hashtags: [], at: T0 + 100 * DAY }], T0 + 100 * DAY).doc
  t.same(kinds(later), ['item:v2:report'])
  t.same(later.learning!.signals, {})
})

t.test('the API never shows learning bookkeeping', async (t) => {
  const { doc } = apply(defaultRules(), [ni('v1', { id: 'e', authorId: 'a' })])
  t.ok(doc.learning)
  t.notOk('learning' in publicRules(doc))
  t.same(publicRules(doc).learned, doc.learned)
})

t.test('a replaced document keeps learned rules unless the client lists the ones to keep', async (t) => {
  const now = Date.now()
  const { doc } = apply(defaultRules(), [ni('v1', { authorId: 'a', at: now }), ni('v2', { authorId: 'a', at: now })], now)
  const content = { ...defaultRules(), sensitivity: 'strict' as const }
  t.same(keepLearned(doc, content, undefined).learned, doc.learned)
  t.same(keepLearned(doc, content, undefined).learning, doc.learning)
  const authorRule = doc.learned.find((rule) => rule.kind === 'author')!
  const kept = keepLearned(doc, content, [{ id: doc.learned[0]!.id }, { id: 'not-a-learned-rule' }])
  t.same(kept.learned, [doc.learned[0]], 'only listed rules stay; unknown ids create nothing')
  t.same(Object.keys(kept.learning!.signals), [], "a dropped creator mute forgets the creator's signals")
  t.notOk('learning' in keepLearned(defaultRules(), content, []))

  const removed = withoutLearned(doc, authorRule.id)!
  t.notOk(removed.learned.some((rule) => rule.id === authorRule.id))
  t.same(removed.learning!.signals, {})
  t.equal(withoutLearned(doc, 'nope'), null)
  const itemOnly = withoutLearned(doc, doc.learned[0]!.id)!
  t.same(Object.keys(itemOnly.learning!.signals), ['a:a'], 'removing an item rule keeps the signals')
  const { learning: _learning, ...bare } = doc
  t.notOk('learning' in withoutLearned(bare, doc.learned[0]!.id)!)
})

t.test('a document holding only learned state expires with it; one with the user\'s own settings never does', async (t) => {
  const { doc } = apply(defaultRules(), [ni('v1', { id: 'e' })])
  t.equal(forgettableAt(doc), T0 + 90 * DAY)
  t.equal(forgettableAt(defaultRules()), null)
  t.equal(forgettableAt({ ...doc, sensitivity: 'strict' }), null)
  t.equal(forgettableAt({ ...doc, keywords: [{ id: 'k', value: 'x', mode: 'word', targets: ['content'], action: 'hide', expiresAt: null, exceptFollowing: false }] }), null)
  for (const own of [{ ageBand: '13-15' }, { restrictedMode: true }, { categories: { spam: 'hide' } }, { authors: [{ id: 'a', action: 'hide', expiresAt: null }] }]) {
    t.equal(forgettableAt({ ...doc, ...own } as RulesDocument), null)
  }
  const { learning: _learning, ...learnedOnly } = doc
  t.equal(forgettableAt(learnedOnly), T0 + 90 * DAY)
  const bookkeepingOnly = { ...doc, learned: [] }
  t.equal(forgettableAt(bookkeepingOnly), T0 + 7 * DAY, 'event ids are kept for the dedupe window')
})
