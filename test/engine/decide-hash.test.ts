import t from 'tap'
import { decide } from '../../src/engine/decide.js'
import type { DecisionContext, HashReason } from '../../src/engine/types.js'
import { compilePolicy, PolicySchema } from '../../src/policy/policy.js'
import { compileRules } from '../../src/rules/compiled-rules.js'
import { defaultRules } from '../../src/rules/schema.js'

const policy = compilePolicy(
  PolicySchema.parse({ version: 'test-1', categories: {}, platform: { hideAt: {} }, floors: { minors: {}, restrictedMode: { categories: {} } }, labelAliases: {} })
)
const NOW = Date.parse('2026-11-27T12:00:00Z')

const hash = (action: HashReason['action'], bank: string, distance: number): HashReason => ({ type: 'hash', action, bank, distance, entryId: `e-${bank}` })

t.test('hash reasons found before deciding apply to every user, their own items included; the most severe wins', async (t) => {
  const platformReasons = new Map([['v1', [hash('blur', 'lookalikes', 3), hash('hide', 'known', 12)]]])
  const keywordRule = { id: 'k1', value: 'cat', mode: 'word' as const, targets: ['content' as const], action: 'blur' as const, expiresAt: null, exceptFollowing: false }
  for (const userId of ['anyone', 'author']) {
    const ctx: DecisionContext = { userId, surface: 'for_you', now: NOW, platformReasons }
    const rules = compileRules({ ...defaultRules(), version: 1, sensitivity: 'relaxed', keywords: [keywordRule] })
    const decision = decide(policy, rules, { id: 'v1', text: 'a cat', author: { id: 'author' } }, {}, ctx)
    t.equal(decision.action, 'hide', userId)
    t.same(
      decision.reasons.map((r) => r.type + ':' + r.action),
      userId === 'author' ? ['hash:hide', 'hash:blur'] : ['hash:hide', 'keyword:blur', 'hash:blur'],
      'most severe first'
    )
    t.same(decide(policy, rules, { id: 'v2' }, {}, ctx).reasons, [], 'other items are not touched')
  }
  t.same(decide(policy, compileRules({ ...defaultRules(), version: 1 }), { id: 'v1' }, {}, { userId: 'u', surface: 'for_you', now: NOW }).reasons, [], 'none given')
})
