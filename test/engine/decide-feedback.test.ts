import t from 'tap'
import { decide } from '../../src/engine/decide.js'
import type { DecisionContext, ItemStatus } from '../../src/engine/types.js'
import { compilePolicy, PolicySchema } from '../../src/policy/policy.js'
import { compileRules } from '../../src/rules/compiled-rules.js'
import { defaultRules, type LearnedRule, type RulesDocument } from '../../src/rules/schema.js'

const policy = compilePolicy(
  PolicySchema.parse({ version: 'test-1', categories: {}, platform: { hideAt: {} }, floors: { minors: {}, restrictedMode: { categories: {} } }, labelAliases: {} })
)
const NOW = Date.parse('2026-11-27T12:00:00Z')
const ctx: DecisionContext = { userId: 'me', surface: 'for_you', now: NOW }

const learned = (kind: LearnedRule['kind'], value: string, extra: Partial<LearnedRule> = {}): LearnedRule => ({
  id: `l-${kind}-${value}`,
  kind,
  value,
  signal: kind === 'item' ? 'not_interested' : kind === 'author' ? 'hide_author' : 'see_less_hashtag',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-12-31T00:00:00.000Z',
  ...extra
})

const rules = (doc: Partial<RulesDocument>) => compileRules({ ...defaultRules(), version: 1, ...doc })

t.test('learned items, creators and hashtags hide, with a feedback reason naming the signal', async (t) => {
  const compiled = rules({
    keywords: [{ id: 'k1', value: 'spoiler', mode: 'word', targets: ['content'], action: 'blur', expiresAt: null, exceptFollowing: false }],
    learned: [learned('item', 'v1'), learned('author', 'a1'), learned('hashtag', 'cats')]
  })
  t.same(decide(policy, compiled, { id: 'v1' }, {}, ctx).reasons, [
    { type: 'feedback', action: 'hide', signal: 'not_interested', kind: 'item', value: 'v1', learnedId: 'l-item-v1' }
  ])
  t.match(decide(policy, compiled, { id: 'v2', author: { id: 'a1' } }, {}, ctx), {
    action: 'hide',
    reasons: [{ type: 'feedback', signal: 'hide_author', kind: 'author', value: 'a1' }]
  })
  const tagged = decide(policy, compiled, { id: 'v3', text: 'a spoiler here #Cats' }, {}, ctx)
  t.match(tagged, {
    action: 'hide',
    reasons: [
      { type: 'feedback', kind: 'hashtag', value: 'cats', learnedId: 'l-hashtag-cats' },
      { type: 'keyword', action: 'blur', ruleId: 'k1' }
    ]
  })
  t.equal(decide(policy, compiled, { id: 'v4', hashtags: ['cats'] }, {}, ctx).action, 'hide', 'an entry of hashtags[] too')
  t.equal(decide(policy, compiled, { id: 'v5', text: 'cats are great' }, {}, ctx).action, 'allow', 'a learned hashtag matches hashtags only')
})

t.test('learned rules do not apply once expired, on a creator profile, or to the user\'s own items', async (t) => {
  const expired = '2026-11-01T00:00:00.000Z'
  const stale = rules({ learned: [learned('item', 'v1', { expiresAt: expired }), learned('author', 'a1', { expiresAt: expired }), learned('hashtag', 'cats', { expiresAt: expired })] })
  t.equal(decide(policy, stale, { id: 'v1', author: { id: 'a1' }, hashtags: ['cats'] }, {}, ctx).action, 'allow')
  const live = rules({ learned: [learned('item', 'v1'), learned('author', 'a1'), learned('hashtag', 'cats')] })
  const profile = { ...ctx, surface: 'profile' as const }
  t.equal(decide(policy, live, { id: 'v1', author: { id: 'a1' }, hashtags: ['cats'] }, {}, profile).action, 'allow')
  t.equal(decide(policy, live, { id: 'v1', author: { id: 'me' }, hashtags: ['cats'] }, {}, ctx).action, 'allow')
  t.equal(decide(policy, live, { id: 'v9', author: { handle: 'no id' } }, {}, ctx).action, 'allow')
})

t.test('platform item statuses: under review blurs, removed hides, for everyone (own items included)', async (t) => {
  const statuses = new Map<string, ItemStatus>([
    ['r', { status: 'under_review', category: 'spam' }],
    ['x', { status: 'removed' }]
  ])
  const context = { ...ctx, itemStatuses: statuses }
  t.same(decide(policy, rules({}), { id: 'r' }, {}, context).reasons, [{ type: 'item', action: 'blur', status: 'under_review', category: 'spam' }])
  t.same(decide(policy, rules({}), { id: 'x', author: { id: 'me' } }, {}, context), {
    id: 'x',
    action: 'hide',
    reasons: [{ type: 'item', action: 'hide', status: 'removed' }],
    scores: {}
  })
  t.equal(decide(policy, rules({}), { id: 'ok' }, {}, context).action, 'allow')
})
