import t from 'tap'
import { FeedbackResponseSchema } from '../../src/api/schemas/feedback.js'
import { InsightsSchema } from '../../src/api/schemas/insights.js'
import { CreatorSignalsSchema, ItemSignalsSchema, ReviewQueueSchema, VerdictSchema } from '../../src/api/schemas/items.js'
import { RulesDocumentSchema } from '../../src/api/schemas/rules.js'
import { ScoreResponseSchema } from '../../src/api/schemas/score.js'
import { build, redisEnv, storeClient, testPrefix } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>

const post = (app: App, url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object })
const get = (app: App, url: string) => app.inject({ method: 'GET', url })
const score = async (app: App, userId: string, items: object[], surface = 'for_you') => {
  const res = await post(app, '/v1/score', { userId, surface, items })
  t.ok(ScoreResponseSchema.safeParse(res.json()).success, 'the score response matches its schema')
  return res.json() as { decisions: Array<{ id: string; action: string; reasons: Array<Record<string, unknown>> }>; meta: { degraded: boolean } }
}

/** The feedback API behaves the same on the embedded stores and on Redis. */
for (const storeKind of ['memory', 'redis'] as const) {
  const makeApp = async (t: Parameters<typeof build>[0], env: Record<string, string> = {}): Promise<App> => {
    if (storeKind === 'memory') return build(t, env, { models: [] })
    const prefix = testPrefix()
    await storeClient(t, prefix)
    return build(t, { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix, ...env }, { models: [] })
  }

  t.test(`${storeKind}: feedback teaches the user's rules; scoring applies them with feedback reasons`, async (t) => {
    const app = await makeApp(t, { FEEDBACK_HASHTAG_STOPLIST: 'fyp, foryou', RULES_CACHE_TTL_MS: '0' })
    const first = await post(app, '/v1/feedback', { id: 'e1', userId: 'u1', kind: 'not_interested', itemId: 'v1', authorId: 'c1', hashtags: ['#Cats', 'fyp'] })
    t.equal(first.statusCode, 200)
    t.ok(FeedbackResponseSchema.safeParse(first.json()).success)
    t.match(first.json(), { results: [{ id: 'e1', status: 'applied', learned: [{ kind: 'item', value: 'v1', signal: 'not_interested' }] }] })
    const repeat = await post(app, '/v1/feedback', { id: 'e1', userId: 'u1', kind: 'not_interested', itemId: 'v1', authorId: 'c1' })
    t.same(repeat.json(), { results: [{ id: 'e1', status: 'duplicate', learned: [] }] })

    const before = await score(app, 'u1', [{ id: 'v1' }, { id: 'v2', author: { id: 'c1' } }])
    t.same(before.decisions.map((d) => d.action), ['hide', 'allow'], 'one not-interested: that item only')
    t.same(before.decisions[0]!.reasons, [{ type: 'feedback', action: 'hide', signal: 'not_interested', kind: 'item', value: 'v1', learnedId: first.json().results[0].learned[0].id }])

    const batch = await post(app, '/v1/feedback', {
      events: [
        { id: 'e2', userId: 'u1', kind: 'not_interested', itemId: 'v3', authorId: 'c1' },
        { id: 'e3', userId: 'u1', kind: 'see_less_hashtag', itemId: 'v4', hashtags: ['Dogs'] }
      ]
    })
    t.match(batch.json(), { results: [{ learned: [{ kind: 'item' }, { kind: 'author', value: 'c1' }] }, { learned: [{ kind: 'hashtag', value: 'dogs' }] }] })
    const after = await score(app, 'u1', [{ id: 'v5', author: { id: 'c1' } }, { id: 'v6', text: 'walk #dogs' }, { id: 'v7', text: 'walk' }])
    t.same(after.decisions.map((d) => d.action), ['hide', 'hide', 'allow'])
    t.match(after.decisions[0]!.reasons, [{ type: 'feedback', kind: 'author', value: 'c1', signal: 'not_interested' }])
    t.match(after.decisions[1]!.reasons, [{ type: 'feedback', kind: 'hashtag', value: 'dogs', signal: 'see_less_hashtag' }])
    t.same((await score(app, 'u2', [{ id: 'v1' }])).decisions[0]!.action, 'allow', "another user's feedback does not apply")

    const rules = await get(app, '/v1/users/u1/rules')
    t.ok(RulesDocumentSchema.safeParse(rules.json()).success)
    t.notOk('learning' in rules.json(), 'bookkeeping never shows')
    const learned = rules.json().learned as Array<{ id: string; kind: string; value: string }>
    t.same(learned.map((rule) => `${rule.kind}:${rule.value}`), ['item:v1', 'item:v3', 'author:c1', 'hashtag:dogs'])

    const author = learned.find((rule) => rule.kind === 'author')!
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/users/u1/rules/learned/${author.id}` })).statusCode, 204)
    const gone = await app.inject({ method: 'DELETE', url: `/v1/users/u1/rules/learned/${author.id}` })
    t.equal(gone.statusCode, 404)
    t.equal(gone.json().code, 'FG_NOT_FOUND')
    t.equal((await score(app, 'u1', [{ id: 'v5', author: { id: 'c1' } }])).decisions[0]!.action, 'allow', 'the user removed the creator mute')
    await post(app, '/v1/feedback', { userId: 'u1', kind: 'not_interested', itemId: 'v8', authorId: 'c1' })
    t.equal((await score(app, 'u1', [{ id: 'v5', author: { id: 'c1' } }])).decisions[0]!.action, 'allow', 'its old signals were forgotten with it')

    const put = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { sensitivity: 'strict' } })
    t.equal(put.statusCode, 200)
    t.notOk('learning' in put.json())
    t.equal(put.json().learned.length, 4, 'a PUT without learned keeps the learned rules')
    const { version: _version, ...stored } = put.json() as Record<string, unknown> & { learned: unknown[] }
    const keepOne = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { ...stored, learned: [stored.learned[0]] } })
    t.same(keepOne.json().learned, [put.json().learned[0]], 'listing learned rules keeps only those')
    const none = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { learned: [] } })
    t.same(none.json().learned, [])
    t.equal((await score(app, 'u1', [{ id: 'v1' }])).decisions[0]!.action, 'allow')
  })

  t.test(`${storeKind}: learned state is bounded per user, the oldest evicted first`, async (t) => {
    const app = await makeApp(t, { FEEDBACK_MAX_LEARNED_RULES: '2' })
    const events = ['v1', 'v2', 'v3'].map((itemId, i) => ({ id: `e${i}`, userId: 'u', kind: 'not_interested', itemId, at: new Date(Date.now() - 1000 + i).toISOString() }))
    await post(app, '/v1/feedback', { events })
    t.same((await get(app, '/v1/users/u/rules')).json().learned.map((rule: { value: string }) => rule.value), ['v2', 'v3'])
    t.same((await score(app, 'u', [{ id: 'v1' }, { id: 'v3' }])).decisions.map((d) => d.action), ['allow', 'hide'])
  })

  t.test(`${storeKind}: invalid feedback is refused with paths`, async (t) => {
    const app = await makeApp(t, { FEEDBACK_MAX_EVENTS: '2' })
    const single = await post(app, '/v1/feedback', { userId: 'u', kind: 'bored', itemId: '', colour: 'red' })
    t.equal(single.statusCode, 400)
    t.equal(single.json().code, 'FG_VALIDATION')
    const paths = single.json().details.map((d: { path: string }) => d.path)
    for (const path of ['body.kind', 'body.itemId', 'body']) t.ok(paths.includes(path), path)

    const semantic = await post(app, '/v1/feedback', { userId: 'u', kind: 'hide_author', itemId: 'i', at: '2999-01-01T00:00:00Z' })
    t.match(semantic.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.at' }, { path: 'body.authorId' }] })
    const inBatch = await post(app, '/v1/feedback', { events: [{ userId: 'u', kind: 'report', itemId: 'i' }, { userId: 'u', kind: 'see_less_hashtag', itemId: 'i' }] })
    t.match(inBatch.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.events.1.hashtags' }] })
    const tooMany = await post(app, '/v1/feedback', { events: [1, 2, 3].map((i) => ({ userId: 'u', kind: 'report', itemId: `i${i}` })) })
    t.match(tooMany.json(), { statusCode: 400, details: [{ path: 'body.events' }] })
    const empty = await post(app, '/v1/feedback', { events: [] })
    t.equal(empty.statusCode, 400)
    t.equal((await get(app, '/v1/users/u/rules')).json().version, 0, 'nothing was stored')
  })

  t.test(`${storeKind}: crowd reports blur an item for everyone while it is reviewed; a verdict removes it`, async (t) => {
    const app = await makeApp(t, { REPORT_REVIEW_THRESHOLD: '2', TRUST_STEP_UP: '0.5' })
    const reports = ['r1', 'r2'].map((userId, i) => ({ id: `rep-${i}`, userId, kind: 'report', itemId: 'bad', authorId: 'c9', category: 'violence', hashtags: ['fight'] }))
    await post(app, '/v1/feedback', { events: reports })
    const seen = await score(app, 'viewer', [{ id: 'bad' }, { id: 'fine' }])
    t.same(seen.decisions.map((d) => d.action), ['blur', 'allow'])
    t.same(seen.decisions[0]!.reasons, [{ type: 'item', action: 'blur', status: 'under_review', category: 'violence' }])
    t.equal((await score(app, 'r1', [{ id: 'bad' }])).decisions[0]!.action, 'hide', "the reporter's own report hides it for them")

    const signals = await get(app, '/v1/items/bad')
    t.ok(ItemSignalsSchema.safeParse(signals.json()).success)
    t.match(signals.json(), { itemId: 'bad', status: 'under_review', category: 'violence', windowHours: 72, reports: { reporters: 2, weighted: 2, byCategory: { violence: 2 } } })
    t.match(signals.json().since, /^\d{4}-/)
    const creator = await get(app, '/v1/creators/c9/reports')
    t.ok(CreatorSignalsSchema.safeParse(creator.json()).success)
    t.same(creator.json(), { authorId: 'c9', windowHours: 72, reporters: 2, byCategory: { violence: 2 } })
    t.same((await get(app, '/v1/items/unknown')).json(), { itemId: 'unknown', status: 'none', windowHours: 72, reports: { reporters: 0, weighted: 0, byCategory: {} } })

    const queue = await get(app, '/v1/items?status=under_review')
    t.equal(queue.statusCode, 200)
    t.ok(ReviewQueueSchema.safeParse(queue.json()).success)
    t.same(queue.json(), { total: 1, items: [signals.json()] }, 'the review queue lists it with its reports')
    t.match((await get(app, '/v1/items?status=removed')).json(), { statusCode: 400, code: 'FG_VALIDATION', details: [{ path: 'querystring.status' }] })

    const verdict = await post(app, '/v1/items/bad/verdict', { violating: true })
    t.equal(verdict.statusCode, 200)
    t.ok(VerdictSchema.safeParse(verdict.json()).success)
    t.match(verdict.json(), { itemId: 'bad', status: 'removed', category: 'violence', reportersAdjusted: 2 })
    t.same((await get(app, '/v1/items?status=under_review&limit=5')).json(), { total: 0, items: [] }, 'a verdict takes it off the queue')
    t.same((await score(app, 'viewer', [{ id: 'bad' }])).decisions[0]!.reasons, [{ type: 'item', action: 'hide', status: 'removed', category: 'violence' }])
    await post(app, '/v1/feedback', { userId: 'r1', kind: 'report', itemId: 'next' })
    t.match((await get(app, '/v1/items/next')).json(), { reports: { weighted: 1.5 } }, "a confirmed reporter's next report weighs more")

    t.equal((await post(app, '/v1/items/bad/verdict', { violating: 'yes' })).statusCode, 400)
    const cleared = await post(app, '/v1/items/other/verdict', { violating: false, category: 'spam' })
    t.match(cleared.json(), { status: 'cleared', category: 'spam', reportersAdjusted: 0 })
  })

  t.test(`${storeKind}: insights name muted keywords only past k users and never one user's list`, async (t) => {
    const app = await makeApp(t, { INSIGHTS_MIN_USERS: '3' })
    for (const user of ['a', 'b', 'c']) await post(app, `/v1/users/${user}/rules/keywords`, { value: 'Spoiler' })
    for (const user of ['a', 'b']) await post(app, `/v1/users/${user}/rules/keywords`, { value: 'my ex' })
    await app.inject({ method: 'PUT', url: '/v1/users/d/rules', payload: { keywords: [{ value: 'spoiler' }, { value: 'private thing' }] } })
    await post(app, '/v1/feedback', { events: [
      { userId: 'a', kind: 'report', itemId: 'v1', authorId: 'c1', category: 'spam', hashtags: ['scam'] },
      { userId: 'b', kind: 'report', itemId: 'v1', authorId: 'c1', category: 'spam' },
      { userId: 'b', kind: 'not_interested', itemId: 'v2' }
    ] })
    const res = await get(app, '/v1/insights?window=24h&limit=5')
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.ok(InsightsSchema.safeParse(body).success)
    t.same(body.mutedKeywords, [{ term: 'spoiler', users: 4 }])
    t.same(body.reports, {
      items: [{ itemId: 'v1', reports: 2 }],
      creators: [{ authorId: 'c1', reports: 2 }],
      hashtags: [{ hashtag: 'scam', reports: 1 }],
      categories: [{ category: 'spam', reports: 2 }]
    })
    t.equal(body.feedbackByHour.length, 24)
    t.match(body.feedbackByHour[23], { not_interested: 1, report: 2, hide_author: 0, see_less_hashtag: 0 })
    t.equal(body.minUsers, 3)
    t.equal((await get(app, '/v1/insights')).json().window, '24h')
    const bad = await get(app, '/v1/insights?window=90d')
    t.match(bad.json(), { statusCode: 400, code: 'FG_VALIDATION', details: [{ path: 'querystring.window' }] })
    t.equal((await get(app, '/v1/insights?limit=0')).statusCode, 400)
  })
}

t.test('redis: a rules document holding only learned state expires; one with the user\'s own settings does not', async (t) => {
  const prefix = testPrefix()
  const admin = await storeClient(t, prefix)
  const app = await build(t, { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix, FEEDBACK_ITEM_HIDE_DAYS: '2' }, { models: [] })
  await post(app, '/v1/feedback', { userId: 'u', kind: 'not_interested', itemId: 'v1' })
  const ttl = await admin.pttl(`${prefix}{u:u}:rules`)
  t.ok(ttl > 86_400_000 && ttl <= 2 * 86_400_000, `expires with its last learned rule (${ttl} ms)`)
  await post(app, '/v1/feedback', { id: 'e1', userId: 'u', kind: 'report', itemId: 'v2' })
  const withIds = await admin.pttl(`${prefix}{u:u}:rules`)
  t.ok(withIds > 6 * 86_400_000, `or with the event ids it must remember, when they last longer (${withIds} ms)`)
  await app.inject({ method: 'PUT', url: '/v1/users/u/rules', payload: { sensitivity: 'strict' } })
  t.equal(await admin.pttl(`${prefix}{u:u}:rules`), -1, 'the user\'s own settings never expire')
  await app.inject({ method: 'PUT', url: '/v1/users/u/rules', payload: {} })
  t.ok((await admin.pttl(`${prefix}{u:u}:rules`)) > 0, 'back to learned state only')
})
