/**
 * The console on the embedded stores without keys (the default): it opens straight onto insights, and
 * what the page shows comes from the in-memory stores.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helpers/app.js'
import { launchBrowser, seriousViolations } from '../helpers/browser.js'
import { buildConsole } from '../helpers/console.js'

await buildConsole()
const app: FastifyInstance = await build(t, { DECISION_SAMPLE_RATE: '1' }, { models: [] })
const origin = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await launchBrowser(t)
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })

await app.inject({
  method: 'POST',
  url: '/v1/score',
  payload: { userId: 'u', surface: 'search', items: [0.3, 0.6, 0.8].map((score, n) => ({ id: `p${n}`, labels: [{ name: 'sexual', score }] })) }
})

t.test('no keys: straight onto insights, decisions from memory; try-it and what-if work', async (t) => {
  await page.goto(`${origin}/console`)
  await page.getByRole('heading', { name: 'Insights' }).waitFor()
  t.equal(await page.getByLabel('API key').count(), 0, 'no login')
  t.equal(await page.getByRole('button', { name: 'Forget key' }).count(), 0)
  const decisions = page.locator('[data-chart="decisions-by-hour"] canvas')
  await decisions.waitFor()
  t.equal(await decisions.getAttribute('data-points'), '3')
  t.same(await seriousViolations(page), [])

  await page.getByRole('button', { name: 'Try it' }).click()
  await page.getByRole('button', { name: 'Decide' }).click()
  await page.locator('[data-testid="highlighted"] mark.keyword').waitFor()
  t.equal(await page.locator('[data-testid="highlighted"] mark.keyword').innerText(), 'SPOILER')

  await page.getByRole('button', { name: 'Policy what-if' }).click()
  await page.getByLabel('sexual standard blur at').fill('0.5')
  await page.getByRole('button', { name: 'Run what-if' }).click()
  // 0.6 now blurs on search; 0.8 already did
  await page.getByTestId('simulation').filter({ hasText: '1 decisions move' }).waitFor()
  t.match(await page.getByTestId('simulation').innerText(), /3 sampled items/)
})
