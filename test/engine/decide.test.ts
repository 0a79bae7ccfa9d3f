import t from 'tap'
import { decide, Decider } from '../../src/engine/decide.js'
import type { CategoryEvidence, DecisionContext, FeedItem } from '../../src/engine/types.js'
import { compilePolicy, PolicySchema } from '../../src/policy/policy.js'
import { compileRules } from '../../src/rules/compiled-rules.js'
import { defaultRules, type KeywordRule, type RulesDocument } from '../../src/rules/schema.js'

const policy = compilePolicy(
  PolicySchema.parse({
    version: 'test-1',
    categories: {
      sexual: { strict: { blurAt: 0.3, hideAt: 0.6 }, standard: { blurAt: 0.7, hideAt: 0.9 }, relaxed: { blurAt: 0.85 } },
      profanity: { strict: { blurAt: 0.5 }, standard: { blurAt: 0.8 }, relaxed: {} },
      hate: { strict: {}, standard: {}, relaxed: {} },
      spam: { strict: {}, standard: { hideAt: 0.9 }, relaxed: {}, surfaces: ['for_you'] }
    },
    platform: { hideAt: { sexual: 0.99 } },
    floors: {
      minors: { '13-15': { minSensitivity: 'strict', categories: { sexual: { hideAt: 0.5 } } } },
      restrictedMode: { categories: { profanity: { blurAt: 0.2, hideAt: 0.6 } } }
    },
    labelAliases: {}
  })
)

const NOW = Date.parse('2026-11-27T12:00:00Z')
const ctx: DecisionContext = { userId: 'me', surface: 'for_you', now: NOW }

function keyword(value: string, extra: Partial<KeywordRule> = {}): KeywordRule {
  return {
    id: `k-${value}`,
    value,
    mode: 'word',
    targets: value.startsWith('#') ? ['hashtags'] : ['content', 'hashtags'],
    action: 'hide',
    expiresAt: null,
    exceptFollowing: false,
    ...extra
  }
}

function rules(doc: Partial<RulesDocument> = {}) {
  return compileRules({ ...defaultRules(), version: 1, ...doc })
}

const ev = (scores: Record<string, number>): CategoryEvidence =>
  Object.fromEntries(Object.entries(scores).map(([c, score]) => [c, { score, source: 'model:test@1' }]))

t.test('an item no signal fires on is allowed, with no reasons', async (t) => {
  const d = decide(policy, rules(), { id: 'i', text: 'hello' }, {}, ctx)
  t.same(d, { id: 'i', action: 'allow', reasons: [], scores: {} })
  t.notOk('scores' in decide(policy, rules(), { id: 'i' }, {}, ctx, false))
})

t.test('keyword reasons carry the rule, the field and the matched span of the original text', async (t) => {
  const item: FeedItem = {
    id: 'i',
    text: 'nothing',
    overlayText: 'a Spoiler!',
    hashtags: ['x', 'Cats'],
    author: { id: 'a', handle: 'dog_lover', name: 'Dog Person' }
  }
  const r = rules({
    keywords: [keyword('spoiler'), keyword('cat', { action: 'blur' }), keyword('dog', { targets: ['author'] })]
  })
  const d = decide(policy, r, item, {}, ctx)
  t.equal(d.action, 'hide')
  t.same(d.reasons, [
    { type: 'keyword', action: 'hide', ruleId: 'k-spoiler', value: 'spoiler', field: 'overlayText', match: 'Spoiler', start: 2, end: 9 },
    { type: 'keyword', action: 'hide', ruleId: 'k-dog', value: 'dog', field: 'author.handle', match: 'dog', start: 0, end: 3 },
    { type: 'keyword', action: 'blur', ruleId: 'k-cat', value: 'cat', field: 'hashtags[1]', match: 'Cats', start: 0, end: 4 }
  ])
})

t.test('one reason per rule: its first match in field order', async (t) => {
  const d = decide(policy, rules({ keywords: [keyword('cat')] }), { id: 'i', text: 'cat', transcript: 'cat again' }, {}, ctx)
  t.equal(d.reasons.length, 1)
  t.match(d.reasons[0], { field: 'text' })
  const transcript = decide(policy, rules({ keywords: [keyword('cat')] }), { id: 'i', transcript: 'my cat' }, {}, ctx)
  t.match(transcript.reasons[0], { field: 'transcript', start: 3, end: 6 })
  const name = decide(policy, rules({ keywords: [keyword('cat', { targets: ['author'] })] }), { id: 'i', author: { name: 'Cat Fan' } }, {}, ctx)
  t.match(name.reasons[0], { field: 'author.name' })
})

t.test('hashtag rules give hashtag reasons', async (t) => {
  const d = decide(policy, rules({ keywords: [keyword('#spoiler')] }), { id: 'i', hashtags: ['Spoiler'] }, {}, ctx)
  t.match(d.reasons, [{ type: 'hashtag', field: 'hashtags[0]' }])
})

t.test("the items of one batch share hashtags: each item's own reasons, fields and spans, for the same rules", async (t) => {
  const compiled = rules({ keywords: [keyword('#spoiler'), keyword('cat', { action: 'blur', exceptFollowing: true })] })
  const decider = new Decider(policy, compiled, ctx)
  const items: FeedItem[] = [
    { id: 'a', hashtags: ['fyp', 'Spoiler'] },
    { id: 'b', hashtags: ['Spoiler', 'fyp', 'cats'], author: { id: 'x', followed: true } },
    { id: 'c', text: 'a spoiler', hashtags: ['cats', 'Spoiler', 'Spoiler'] }
  ]
  const decided = items.map((item) => decider.decide(item, {}))
  t.same(decided, items.map((item) => decide(policy, compiled, item, {}, ctx)), 'as each is decided on its own')
  t.match(decided[0]!.reasons, [{ type: 'hashtag', field: 'hashtags[1]', match: 'Spoiler' }])
  t.same(decided[1]!.reasons.map((r) => r.type === 'hashtag' && r.field), ['hashtags[0]'], 'a followed creator: the rule excepting them does not fire')
  t.same(decided[2]!.reasons.map((r) => 'field' in r && r.field), ['hashtags[1]', 'hashtags[0]'], 'each rule once, at its first match; most severe first')
})

t.test('surfaces, expiry and exceptFollowing limit where a rule applies', async (t) => {
  const r = rules({
    keywords: [
      keyword('search', { surfaces: ['search'] }),
      keyword('expired', { expiresAt: '2026-11-27T11:59:59.000Z' }),
      keyword('later', { expiresAt: '2026-11-27T12:00:01.000Z' }),
      keyword('friend', { exceptFollowing: true })
    ]
  })
  const text = 'search expired later friend'
  const actions = (item: FeedItem, surface: typeof ctx.surface = 'for_you') =>
    decide(policy, r, item, {}, { ...ctx, surface }).reasons.map((reason) => (reason as { value: string }).value)
  t.same(actions({ id: 'i', text }), ['later', 'friend'])
  t.same(actions({ id: 'i', text }, 'search'), ['search', 'later', 'friend'])
  t.same(actions({ id: 'i', text, author: { id: 'f', followed: true } }), ['later'])
})

t.test('muted creators, with expiry; own items are never filtered by own rules', async (t) => {
  const r = rules({
    keywords: [keyword('spoiler')],
    authors: [
      { id: 'a1', action: 'blur', expiresAt: null },
      { id: 'a2', action: 'hide', expiresAt: '2026-01-01T00:00:00.000Z' }
    ]
  })
  t.same(decide(policy, r, { id: 'i', author: { id: 'a1' } }, {}, ctx).reasons, [{ type: 'author', action: 'blur', authorId: 'a1' }])
  t.equal(decide(policy, r, { id: 'i', author: { id: 'a2' } }, {}, ctx).action, 'allow', 'expired mute')
  t.equal(decide(policy, r, { id: 'i', author: { handle: 'nobody' } }, {}, ctx).action, 'allow')
  const own = decide(policy, r, { id: 'i', text: 'spoiler', author: { id: 'me' } }, ev({ sexual: 0.95 }), ctx)
  t.same(own.reasons.map((reason) => reason.type), ['category'], 'categories still apply to own items')
})

t.test('category defaults follow the sensitivity level', async (t) => {
  const at = (sensitivity: RulesDocument['sensitivity'], score: number) =>
    decide(policy, rules({ sensitivity }), { id: 'i' }, ev({ sexual: score }), ctx).action
  t.same([at('strict', 0.29), at('strict', 0.3), at('strict', 0.6)], ['allow', 'blur', 'hide'])
  t.same([at('standard', 0.5), at('standard', 0.7), at('standard', 0.95)], ['allow', 'blur', 'hide'])
  t.same([at('relaxed', 0.8), at('relaxed', 0.95)], ['allow', 'blur'])
  const reason = decide(policy, rules(), { id: 'i' }, ev({ sexual: 0.75 }), ctx).reasons[0]
  t.same(reason, { type: 'category', action: 'blur', category: 'sexual', score: 0.75, threshold: 0.7, source: 'model:test@1', basis: 'policy' })
})

t.test("a user's category choice replaces the default once the category fires", async (t) => {
  const at = (choice: 'hide' | 'blur' | 'allow', score: number, sensitivity: RulesDocument['sensitivity'] = 'standard') =>
    decide(policy, rules({ sensitivity, categories: { sexual: choice, profanity: choice } }), { id: 'i' }, ev({ sexual: score }), ctx)
  t.equal(at('hide', 0.69).action, 'allow', 'below the lower threshold the choice does not fire')
  t.match(at('hide', 0.7).reasons[0], { action: 'hide', threshold: 0.7, basis: 'user' })
  t.equal(at('blur', 0.95).action, 'blur')
  t.equal(at('allow', 0.95).action, 'allow')
  const profanity = (choice: 'hide' | 'allow', sensitivity: RulesDocument['sensitivity']) =>
    decide(policy, rules({ sensitivity, categories: { profanity: choice } }), { id: 'i' }, ev({ profanity: 0.85 }), ctx).action
  t.equal(profanity('hide', 'relaxed'), 'hide', 'a level without thresholds fires at the next stricter level')
  t.equal(profanity('allow', 'relaxed'), 'allow')
  t.equal(decide(policy, rules({ categories: { violence: 'hide' } }), { id: 'i' }, ev({ violence: 1 }), ctx).action, 'allow', 'no policy entry, nothing fires')
  t.equal(decide(policy, rules({ categories: { hate: 'hide' } }), { id: 'i' }, ev({ hate: 1 }), ctx).action, 'allow', 'no threshold at any level, nothing fires')
})

t.test('floors for minors and restricted mode: stricter only, not overridable', async (t) => {
  const teen = rules({ ageBand: '13-15', sensitivity: 'relaxed', categories: { sexual: 'allow' } })
  const d = decide(policy, teen, { id: 'i' }, ev({ sexual: 0.55 }), ctx)
  t.same(d.reasons, [{ type: 'category', action: 'hide', category: 'sexual', score: 0.55, threshold: 0.5, source: 'model:test@1', basis: 'floor', floor: 'minor:13-15' }])
  t.match(decide(policy, rules({ ageBand: '13-15', sensitivity: 'relaxed' }), { id: 'i' }, ev({ sexual: 0.35 }), ctx).reasons[0], {
    action: 'blur',
    basis: 'policy',
    threshold: 0.3
  }, 'a minor is held to the floor sensitivity (strict)')
  t.equal(decide(policy, rules({ ageBand: '16-17' }), { id: 'i' }, ev({ sexual: 0.55 }), ctx).action, 'allow', 'no floor configured for that band')

  const restricted = rules({ restrictedMode: true, categories: { profanity: 'allow' } })
  t.match(decide(policy, restricted, { id: 'i' }, ev({ profanity: 0.65 }), ctx).reasons[0], { action: 'hide', floor: 'restricted_mode' })
  t.equal(decide(policy, rules({ categories: { profanity: 'allow' } }), { id: 'i' }, ev({ profanity: 0.65 }), ctx).action, 'allow')
  t.match(decide(policy, rules({ restrictedMode: true, sensitivity: 'strict' }), { id: 'i' }, ev({ profanity: 0.55 }), ctx).reasons[0], {
    basis: 'policy',
    action: 'blur'
  }, 'ties keep the user-level reason')
})

t.test('the platform-wide threshold hides for everyone', async (t) => {
  const d = decide(policy, rules({ sensitivity: 'relaxed', categories: { sexual: 'allow' } }), { id: 'i' }, ev({ sexual: 0.995 }), ctx)
  t.match(d.reasons[0], { action: 'hide', basis: 'platform', threshold: 0.99 })
})

t.test('surface-limited policy entries', async (t) => {
  t.equal(decide(policy, rules(), { id: 'i' }, ev({ spam: 0.95 }), ctx).action, 'hide')
  t.equal(decide(policy, rules(), { id: 'i' }, ev({ spam: 0.95 }), { ...ctx, surface: 'profile' }).action, 'allow')
})

t.test('reasons are ordered most severe first', async (t) => {
  const r = rules({ keywords: [keyword('cat', { action: 'blur' })], authors: [{ id: 'a', action: 'blur', expiresAt: null }] })
  const d = decide(policy, r, { id: 'i', text: 'cat', author: { id: 'a' } }, ev({ sexual: 0.95 }), ctx)
  t.same(d.reasons.map((reason) => [reason.type, reason.action]), [['category', 'hide'], ['keyword', 'blur'], ['author', 'blur']])
  t.equal(d.action, 'hide')
  t.same(d.scores, { sexual: 0.95 })
})
