import t from 'tap'
import { serializeScoreResponse } from '../../src/api/score-serializer.js'
import { scoresOf, shareEvidence } from '../../src/classifiers/shared-scores.js'
import type { ScoreResponse } from '../../src/scoring/scoring-service.js'
import { decide } from '../../src/engine/decide.js'
import type { FeedItem } from '../../src/engine/types.js'
import { compilePolicy, PolicySchema } from '../../src/policy/policy.js'
import { compileRules } from '../../src/rules/compiled-rules.js'
import { defaultRules, type KeywordRule } from '../../src/rules/schema.js'
import { build } from '../helpers/app.js'

t.test('shared evidence: frozen, its scores made once, invisible to for…in and JSON', async (t) => {
  const evidence = shareEvidence({ toxicity: { score: 0.3225, source: 'model:m' }, spam: { score: 0.0008, source: 'model:m' } })
  t.ok(Object.isFrozen(evidence))
  t.equal(scoresOf(evidence), scoresOf(evidence), 'the same scores object every time')
  t.ok(Object.isFrozen(scoresOf(evidence)))
  t.same(Object.keys(evidence), ['toxicity', 'spam'])
  t.equal(JSON.stringify(scoresOf(evidence)), '{"toxicity":0.3225,"spam":0.0008}')
  const plain = { sexual: { score: 0.97, source: 'label:nudity' } }
  t.not(scoresOf(plain), scoresOf(plain), 'evidence made for one request gets scores made for it')
  t.same(scoresOf(plain), { sexual: 0.97 })
})

t.test('writes exactly what JSON.stringify writes, for every shape of answer', async (t) => {
  const shared = scoresOf(shareEvidence({ toxicity: { score: 0.5, source: 'model:m' } }))
  const responses: ScoreResponse[] = [
    {
      userId: 'u "quoted" \\ \u2028',
      decisions: [
        { id: 'a', action: 'allow', reasons: [], scores: shared },
        { id: 'b\n', action: 'allow', reasons: [] },
        { id: 'c', action: 'allow', reasons: [], scores: {} },
        {
          id: 'd',
          action: 'hide',
          reasons: [
            { type: 'keyword', action: 'hide', ruleId: 'k1', value: 'spoiler', field: 'text', match: 'Spöiler "x"', start: 0, end: 7 },
            { type: 'category', action: 'blur', category: 'sexual', score: 0.97, threshold: 0.7, source: 'label:nudity', basis: 'policy' }
          ],
          scores: { sexual: 0.97, toxicity: 1e-7 }
        }
      ],
      meta: { policyVersion: 'p', rulesVersion: 3, degraded: true, degradedReasons: ['store_unavailable: x'], models: ['m@1'], pendingImages: ['a'], skippedImages: [{ id: 'b', reason: 'too_large' }] }
    },
    { userId: 'u', decisions: [], meta: { policyVersion: 'p', rulesVersion: 0, degraded: false, models: [] } }
  ]
  for (const response of responses) t.equal(serializeScoreResponse(response), JSON.stringify(response))
})

t.test("keyword and hashtag reasons as the decision engine makes them: JSON.stringify's bytes", async (t) => {
  const policy = compilePolicy(
    PolicySchema.parse({
      version: 'p',
      categories: { sexual: { strict: {}, standard: { blurAt: 0.5 }, relaxed: {} } },
      platform: { hideAt: {} },
      floors: { minors: {}, restrictedMode: { categories: {} } },
      labelAliases: {}
    })
  )
  const keyword = (id: string, value: string): KeywordRule => ({
    id,
    value,
    mode: 'word',
    targets: ['content', 'hashtags', 'author'],
    action: 'hide',
    expiresAt: null,
    exceptFollowing: false
  })
  const rules = compileRules({ ...defaultRules(), version: 1, keywords: [keyword('k "1"', 'spöiler'), keyword('k\\2', '#finale'), keyword('k3', 'leak')] })
  const items: FeedItem[] = [
    { id: 'a "x"', text: 'the SPÖILER \u2028 "quoted"', hashtags: ['Finale'], author: { id: 'c', name: 'leak\ttv' } },
    { id: 'b', overlayText: 'a leak', hashtags: ['x', 'spöiler'] }
  ]
  const decisions = items.map((item) => decide(policy, rules, item, { sexual: { score: 0.75, source: 'label:nudity' } }, { userId: 'u', surface: 'for_you', now: 0 }))
  t.same(
    decisions.flatMap((decision) => decision.reasons.map((reason) => reason.type)),
    ['keyword', 'hashtag', 'keyword', 'category', 'keyword', 'keyword', 'category']
  )
  const response: ScoreResponse = { userId: 'u', decisions, meta: { policyVersion: 'p', rulesVersion: 1, degraded: false, models: [] } }
  t.equal(serializeScoreResponse(response), JSON.stringify(response))
})

t.test('/v1/score answers through it; errors keep their own shape', async (t) => {
  const app = await build(t)
  const items = [{ id: 'v1', text: 'hello there', labels: [{ name: 'nudity', score: 0.97 }] }, { id: 'v2', text: 'a walk in the park' }]
  for (let round = 0; round < 2; round++) {
    const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items } })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /application\/json/)
    const body = res.json()
    t.same(body.decisions.map((d: { id: string }) => d.id), ['v1', 'v2'])
    t.equal(body.decisions[0].scores.sexual, 0.97)
    t.equal(res.payload, JSON.stringify(body), 'the same bytes JSON.stringify would write')
  }
  const bad = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u1', items: [] } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'FG_VALIDATION')
  t.ok(bad.json().details.length > 0)
})
