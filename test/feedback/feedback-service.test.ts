import t from 'tap'
import { defaultAggregateOptions, HOUR_MS, type AggregateStore } from '../../src/feedback/aggregate-store.js'
import { FeedbackService, type FeedbackOptions } from '../../src/feedback/feedback-service.js'
import { defaultLearningOptions } from '../../src/feedback/learning.js'
import { MemoryAggregateStore } from '../../src/feedback/memory-aggregate-store.js'
import { storeUnavailable } from '../../src/errors.js'
import { MemoryRulesStore } from '../../src/rules/memory-rules-store.js'
import { RulesService } from '../../src/rules/rules-service.js'
import type { RulesStore } from '../../src/rules/rules-store.js'
import { defaultRules } from '../../src/rules/schema.js'

const options = (): FeedbackOptions => ({
  learning: defaultLearningOptions(),
  maxSkewMs: 60_000,
  insightsMinUsers: 2,
  reportWindowMs: 72 * HOUR_MS
})

function setup(overrides: { rules?: RulesStore; aggregates?: AggregateStore } = {}) {
  const rules = overrides.rules ?? new MemoryRulesStore()
  const aggregates = overrides.aggregates ?? new MemoryAggregateStore(defaultAggregateOptions())
  const warnings: string[] = []
  const feedback = new FeedbackService({ rules, aggregates, options: options(), log: { warn: (_obj, msg) => warnings.push(msg) } })
  return { rules, aggregates, feedback, warnings }
}

/** A rules store whose next `failures` updates fail as an unreachable Redis would. */
function flakyRules(failures: number, error = () => storeUnavailable('connection lost')) {
  const inner = new MemoryRulesStore()
  let left = failures
  const store: RulesStore = {
    kind: 'memory',
    get: (userId) => inner.get(userId),
    read: (userId) => inner.read(userId),
    update: (userId, change, expected) => (left-- > 0 ? Promise.reject(error()) : inner.update(userId, change, expected)),
    delete: (userId) => inner.delete(userId),
    onChange: (listener) => inner.onChange(listener),
    onResync: () => {},
    ping: () => inner.ping(),
    close: () => inner.close()
  }
  return { store, inner }
}

t.test('invalid events are refused with every problem\'s path, and nothing is recorded', async (t) => {
  const { feedback, aggregates, rules } = setup()
  const now = Date.now()
  const err = await feedback
    .record([
      { userId: 'u', kind: 'hide_author', itemId: 'i' },
      { userId: 'u', kind: 'see_less_hashtag', itemId: 'i', hashtags: ['#', ' '] },
      { userId: 'u', kind: 'not_interested', itemId: 'i', category: 'spam', at: new Date(now + 3_600_000).toISOString() },
      { userId: 'u', kind: 'report', itemId: 'i', at: new Date(now - 8 * 24 * HOUR_MS).toISOString() }
    ])
    .catch((e: unknown) => e)
  t.match(err, { code: 'FG_VALIDATION', statusCode: 400 })
  t.same(
    (err as { details: Array<{ path: string }> }).details.map((d) => d.path),
    ['events.0.authorId', 'events.1.hashtags', 'events.2.at', 'events.2.category', 'events.3.at']
  )
  t.equal((await rules.get('u')).version, 0)
  t.same((await aggregates.insights({ hours: 1, limit: 5, minUsers: 2 })).byHour[0]!.counts.report, 0)
})

t.test('results per event; one rules write per user; a batch of several users', async (t) => {
  const { feedback, rules } = setup()
  const results = await feedback.record([
    { id: 'a1', userId: 'ann', kind: 'not_interested', itemId: 'v1', authorId: 'c1', hashtags: ['#Cats'] },
    { userId: 'bob', kind: 'report', itemId: 'v2', category: 'spam' },
    { id: 'a2', userId: 'ann', kind: 'not_interested', itemId: 'v3', authorId: 'c1' }
  ])
  t.match(results, [
    { id: 'a1', status: 'applied', learned: [{ kind: 'item', value: 'v1' }] },
    { status: 'applied', learned: [{ kind: 'item', value: 'v2', signal: 'report' }] },
    { id: 'a2', status: 'applied', learned: [{ kind: 'item' }, { kind: 'author', value: 'c1' }] }
  ])
  t.notOk('id' in results[1]!)
  t.equal((await rules.get('ann')).version, 1, "both of ann's events in one write")
  t.same((await rules.get('ann')).learning!.signals['h:cats']!.map(([item]) => item), ['v1'], 'hashtags are normalised')
})

t.test('a retry after a failure completes the work without counting anything twice', async (t) => {
  const { store, inner } = flakyRules(1)
  const { feedback, aggregates } = setup({ rules: store })
  const event = { id: 'e1', userId: 'u', kind: 'report' as const, itemId: 'v', category: 'spam' as const }
  await t.rejects(feedback.record([event]), {
    code: 'FG_STORE_UNAVAILABLE',
    statusCode: 503,
    message: /connection lost.*retry the same events with their ids/
  })
  t.equal((await inner.get('u')).version, 0, 'the user part failed')
  t.match(await aggregates.item('v'), { reporters: 1 }, 'the platform part was stored')

  t.match(await feedback.record([event]), [{ id: 'e1', status: 'applied', learned: [{ kind: 'item', value: 'v' }] }])
  t.match(await aggregates.item('v'), { reporters: 1 })
  t.equal((await aggregates.insights({ hours: 1, limit: 5, minUsers: 2 })).byHour[0]!.counts.report, 1, 'counted once')
  t.equal((await inner.get('u')).version, 1)

  t.match(await feedback.record([event]), [{ status: 'duplicate', learned: [] }])
  t.equal((await inner.get('u')).version, 1, 'a pure repeat writes nothing')
})

t.test('other failures pass through unchanged', async (t) => {
  const { store } = flakyRules(1, () => new Error('bug') as never)
  const { feedback } = setup({ rules: store })
  await t.rejects(feedback.record([{ userId: 'u', kind: 'report', itemId: 'v' }]), { message: 'bug' })
})

t.test('keywords users start muting are counted for insights; a failure there never fails the write', async (t) => {
  const store = new MemoryRulesStore()
  const { feedback, aggregates, warnings } = setup({ rules: store })
  const limits = { maxKeywordRules: 10, maxAuthorRules: 10, maxKeywordLength: 100 }
  const service = new RulesService(store, limits, feedback.onRulesChanged)
  const word = { mode: 'word' as const, targets: ['content' as const], action: 'hide' as const, exceptFollowing: false }
  await service.addKeyword('u1', { value: 'Café', ...word })
  await service.addKeyword('u1', { value: 'CAFE', ...word })
  await service.addKeyword('u2', { value: ' cafe ', ...word })
  await service.addAuthor('u2', { id: 'a', action: 'hide' })
  await service.addKeyword('u3', { value: '#Spoiler', ...word })
  const insights = await aggregates.insights({ hours: 1, limit: 5, minUsers: 2 })
  t.same(insights.mutedKeywords, [{ value: 'cafe', count: 2 }])

  const broken = new MemoryAggregateStore(defaultAggregateOptions())
  broken.recordMutedTerms = async () => {
    throw new Error('insights store down')
  }
  const failing = setup({ rules: store, aggregates: broken })
  const resilient = new RulesService(store, limits, failing.feedback.onRulesChanged)
  t.match(await resilient.addKeyword('u4', { value: 'spoiler', ...word }), { value: 'spoiler' })
  t.same(failing.warnings, ['muted keywords not counted for insights'])
  await failing.feedback.onRulesChanged('u5', defaultRules(), defaultRules())
  t.same(warnings, [])
})

t.test('insights windows: 1h to 30d', async (t) => {
  const { feedback } = setup()
  const day = await feedback.insights('24h', 5)
  t.equal(day.feedbackByHour.length, 24)
  t.match(day, { window: '24h', minUsers: 2, reports: { items: [], creators: [], hashtags: [], categories: [] }, mutedKeywords: [] })
  t.equal(Date.parse(day.to) - Date.parse(day.from) < 24 * HOUR_MS, true)
  t.equal((await feedback.insights('30d', 5)).feedbackByHour.length, 720)
  for (const bad of ['0h', '31d', '721h', 'abc', '1w']) {
    await t.rejects(feedback.insights(bad, 5), { code: 'FG_VALIDATION', details: [{ path: 'querystring.window' }] }, bad)
  }
})

t.test('verdicts and signals pass through', async (t) => {
  const { feedback } = setup()
  await feedback.record([{ userId: 'u', kind: 'report', itemId: 'v', authorId: 'a', category: 'hate' }])
  t.match(await feedback.item('v'), { reporters: 1 })
  t.match(await feedback.creator('a'), { reporters: 1, byCategory: { hate: 1 } })
  t.match(await feedback.verdict('v', true), { status: 'removed', category: 'hate' })
  t.equal(feedback.reportWindowHours, 72)
})
