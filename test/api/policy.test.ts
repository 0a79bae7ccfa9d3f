import { readFile } from 'node:fs/promises'
import t from 'tap'
import { InsightsSchema } from '../../src/api/schemas/insights.js'
import { PolicyDocumentSchema, SimulationSchema } from '../../src/api/schemas/policy.js'
import { PolicySchema } from '../../src/policy/policy.js'
import { build, redisEnv, storeClient, testPrefix } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>
type Doc = { version: string; categories: Record<string, Record<string, { blurAt?: number; hideAt?: number }>> }

const post = (app: App, url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object })

/** Items scored for the sample through the API: upstream labels give each a sexual score. */
const SCORES = [0.1, 0.45, 0.5, 0.55, 0.6, 0.65, 0.69, 0.7, 0.8, 0.95]
const items = SCORES.map((score, n) => ({ id: `v${n}`, labels: [{ name: 'sexual', score }] }))

for (const storeKind of ['memory', 'redis'] as const) {
  const makeApp = async (t: Parameters<typeof build>[0], env: Record<string, string> = {}): Promise<App> => {
    const base = { DECISION_SAMPLE_RATE: '1', DECISION_FLUSH_MS: '600000', ...env }
    if (storeKind === 'memory') return build(t, base, { models: [] })
    const prefix = testPrefix()
    await storeClient(t, prefix)
    return build(t, { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix, ...base }, { models: [] })
  }

  t.test(`${storeKind}: GET /v1/policy is the live policy in the policy file's format`, async (t) => {
    const app = await makeApp(t)
    const res = await app.inject({ method: 'GET', url: '/v1/policy' })
    t.equal(res.statusCode, 200)
    t.ok(PolicyDocumentSchema.safeParse(res.json()).success)
    t.same(res.json(), PolicySchema.parse(JSON.parse(await readFile('models/policy.json', 'utf8'))))
  })

  t.test(`${storeKind}: what-if over recently scored items: the live policy moves nothing, a lowered threshold moves the items between`, async (t) => {
    const app = await makeApp(t)
    t.equal((await post(app, '/v1/score', { userId: 'u1', surface: 'for_you', items })).statusCode, 200)
    t.equal((await post(app, '/v1/score', { userId: 'u2', surface: 'for_you', items: [{ id: 'plain', text: 'no scores' }] })).statusCode, 200)
    const live = (await app.inject({ method: 'GET', url: '/v1/policy' })).json() as Doc

    const same = await post(app, '/v1/policy/simulate', { policy: live })
    t.equal(same.statusCode, 200)
    t.ok(SimulationSchema.safeParse(same.json()).success)
    t.match(same.json(), { sampled: SCORES.length, moved: { total: 0, byCategory: {}, transitions: {} }, examples: [] })

    const candidate = structuredClone(live)
    candidate.categories.sexual!.standard = { blurAt: 0.5, hideAt: 0.9 }
    const lowered = await post(app, '/v1/policy/simulate', { policy: candidate })
    t.equal(lowered.statusCode, 200)
    const body = lowered.json()
    const between = items.filter((_, n) => SCORES[n]! >= 0.5 && SCORES[n]! < 0.7).map((item) => item.id)
    t.equal(body.moved.total, between.length)
    t.same(body.moved.transitions, { 'allow→blur': between.length })
    t.same(body.moved.byCategory, { sexual: between.length })
    t.same(body.moved.bySurface, { for_you: between.length })
    t.same(body.moved.byAgeBand, { adult: between.length })
    t.same(body.examples.map((e: { itemId: string }) => e.itemId).sort(), between.sort())
    t.same(body.decisions.before, { allow: 7, blur: 2, hide: 1 })
    t.same(body.decisions.after, { allow: 2, blur: 7, hide: 1 })
    t.notMatch(lowered.body, /u1/, 'no user id in the answer')
  })

  t.test(`${storeKind}: an invalid candidate is FG_VALIDATION naming the field, as at start-up`, async (t) => {
    const app = await makeApp(t)
    const live = (await app.inject({ method: 'GET', url: '/v1/policy' })).json() as Doc
    const candidate = structuredClone(live)
    candidate.categories.sexual!.standard = { blurAt: 0.95, hideAt: 0.9 }
    const res = await post(app, '/v1/policy/simulate', { policy: candidate })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { code: 'FG_VALIDATION', details: [{ path: 'body.policy.categories.sexual.standard', message: /blurAt must not be above hideAt/ }] })
    const wrongType = await post(app, '/v1/policy/simulate', { policy: { ...live, version: 7 } })
    t.match(wrongType.json(), { statusCode: 400, code: 'FG_VALIDATION', details: [{ path: 'body.policy.version' }] })
    const missing = await post(app, '/v1/policy/simulate', {})
    t.match(missing.json(), { statusCode: 400, code: 'FG_VALIDATION', details: [{ path: 'body.policy' }] })
  })
}

t.test('the sample is off at rate 0: nothing is kept', async (t) => {
  const app = await build(t, { DECISION_SAMPLE_RATE: '0' }, { models: [] })
  await post(app, '/v1/score', { userId: 'u1', surface: 'for_you', items })
  const live = (await app.inject({ method: 'GET', url: '/v1/policy' })).json()
  t.match((await post(app, '/v1/policy/simulate', { policy: live })).json(), { sampled: 0 })
})

for (const storeKind of ['memory', 'redis'] as const) {
  t.test(`${storeKind}: insights count decisions per hour by action and headline reason`, async (t) => {
    const env = { DECISION_FLUSH_MS: '600000' }
    let app: App
    if (storeKind === 'memory') app = await build(t, env, { models: [] })
    else {
      const prefix = testPrefix()
      await storeClient(t, prefix)
      app = await build(t, { ...(await redisEnv(t)), REDIS_KEY_PREFIX: prefix, ...env }, { models: [] })
    }
    await post(app, '/v1/score', { userId: 'u1', surface: 'for_you', items })
    const res = await app.inject({ method: 'GET', url: '/v1/insights?window=2h' })
    t.equal(res.statusCode, 200)
    t.ok(InsightsSchema.safeParse(res.json()).success)
    const hours = res.json().decisionsByHour
    t.equal(hours.length, 2)
    t.match(hours[0], { allow: 0, blur: {}, hide: {} })
    t.match(hours[1], { hour: String, allow: 7, blur: { category: 2 }, hide: { category: 1 } })
  })
}
