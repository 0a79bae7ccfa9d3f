/**
 * The console in a real browser (Debian's chromium) against a real listening server with the shipped
 * models, a real Redis and API keys: data seeded through the API, a key entered on the page, every page
 * driven as a person would, each page screenshotted and checked with axe-core.
 */
import { readFile } from 'node:fs/promises'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, redisEnv, storeClient, testPrefix } from '../helpers/app.js'
import { ARTIFACTS, launchBrowser, seriousViolations } from '../helpers/browser.js'
import { buildConsole } from '../helpers/console.js'
import { bearer, keysFile, newKey } from '../helpers/keys.js'

await buildConsole()
const admin = newKey('admin', ['admin'])
const analyst = newKey('analyst', ['insights', 'moderate'])
const reader = newKey('reader', ['insights'])
const prefix = testPrefix()
await storeClient(t, prefix)
const app = await build(t, {
  ...(await redisEnv(t)),
  REDIS_KEY_PREFIX: prefix,
  DECISION_SAMPLE_RATE: '1',
  REPORT_REVIEW_THRESHOLD: '2',
  INSIGHTS_MIN_USERS: '2',
  AUTH_KEYS_FILE: keysFile(t, [admin, analyst, reader]).path
})
const origin = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await launchBrowser(t)
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })

const send = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
  const res = await (app as FastifyInstance).inject({ method, url, headers: bearer(admin), ...(payload && { payload }) })
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`)
  return res.json()
}

// What people pushed back on, what they muted, and what was scored: all through the API.
const events = []
for (let n = 0; n < 6; n++) events.push({ id: `ni-${n}`, userId: `viewer-${n}`, kind: 'not_interested', itemId: `clip-${n % 3}`, authorId: 'creator-2', hashtags: ['prank'] })
for (const userId of ['r1', 'r2', 'r3']) events.push({ id: `rep-${userId}`, userId, kind: 'report', itemId: 'clip-bad', authorId: 'creator-9', category: 'violence', hashtags: ['fight', 'street'] })
events.push({ id: 'rep-spam', userId: 'r4', kind: 'report', itemId: 'clip-spam', authorId: 'creator-5', category: 'spam', hashtags: ['giveaway'] })
await send('POST', '/v1/feedback', { events })
for (const userId of ['u1', 'u2', 'u3']) await send('PUT', `/v1/users/${userId}/rules`, { keywords: [{ value: 'spoilers', action: 'hide' }] })
const sexualScores = [0.2, 0.45, 0.55, 0.65, 0.75, 0.95]
await send('POST', '/v1/score', {
  userId: 'u1',
  surface: 'for_you',
  items: [
    ...sexualScores.map((score, n) => ({ id: `post-${n}`, labels: [{ name: 'sexual', score }] })),
    { id: 'post-spoiler', text: 'no spoilers please' },
    { id: 'post-plain', text: 'a walk in the park' }
  ]
})

t.test('the page asks for a key; a wrong one is refused, a key without a scope shows that page as unavailable', async (t) => {
  await page.goto(`${origin}/console`)
  const field = page.getByLabel('API key')
  await field.fill('fg_not-a-key')
  await page.getByRole('button', { name: 'Open the console' }).click()
  await page.getByRole('alert').filter({ hasText: 'That key was not accepted' }).waitFor()
  t.same(await seriousViolations(page), [])
  await page.screenshot({ path: `${ARTIFACTS}/login.png` })
  await field.fill(reader.secret)
  await page.getByRole('button', { name: 'Open the console' }).click()
  await page.getByRole('heading', { name: 'Insights' }).waitFor()
  t.ok(await page.getByRole('button', { name: /Review queue/ }).isDisabled(), 'no moderate scope: the review queue is unavailable')
  t.ok(await page.getByRole('button', { name: 'Try it' }).isEnabled())
  await page.locator('[data-chart="top-reported"] .unavailable').first().waitFor()
  t.equal(await page.getByRole('alert').count(), 0, 'unavailable is not an error')
  await page.getByRole('button', { name: 'Forget key' }).click()
  await field.waitFor()
  await field.fill(analyst.secret)
  await page.getByRole('button', { name: 'Open the console' }).click()
  await page.getByRole('heading', { name: 'Insights' }).waitFor()
  t.ok(await page.getByRole('button', { name: 'Review queue' }).isEnabled())
})

t.test('insights: the charts render the seeded data, numbers download as CSV', async (t) => {
  for (const chart of ['not-interested-by-hour', 'reports-by-category', 'decisions-by-hour', 'hashtags-pushed-back', 'muted-keywords']) {
    const canvas = page.locator(`[data-chart="${chart}"] canvas`)
    await canvas.waitFor()
    t.ok(Number(await canvas.getAttribute('data-points')) > 0, `${chart} has data`)
  }
  t.equal(await page.locator('[data-chart="decisions-by-hour"] canvas').getAttribute('data-points'), '8', 'the eight decisions of the seeded request')
  t.equal(await page.locator('[data-chart="not-interested-by-hour"] canvas').getAttribute('data-points'), '6')
  const top = page.locator('[data-chart="top-reported"]')
  await top.getByRole('cell', { name: 'under_review' }).waitFor()
  t.match(await top.innerText(), /clip-bad\s+3\s+under_review/)
  t.match(await top.innerText(), /creator-9/)

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Reports by category as CSV' }).click()])
  const csv = await readFile((await download.path())!, 'utf8')
  t.match(csv, /"label","reports"\n"violence",3\n"spam",1/)

  // numbers on hover: Chart.js' tooltip appears over the bar
  const box = (await page.locator('[data-chart="reports-by-category"] canvas').boundingBox())!
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6)
  await page.screenshot({ path: `${ARTIFACTS}/insights.png`, fullPage: true })
  t.same(await seriousViolations(page), [], 'no serious accessibility violations')
})

t.test('review queue: a verdict from the page changes the item\'s status', async (t) => {
  await page.getByRole('button', { name: 'Review queue' }).click()
  const row = page.locator('tr[data-item="clip-bad"]')
  await row.waitFor()
  t.match(await row.innerText(), /violence 3/)
  await page.screenshot({ path: `${ARTIFACTS}/review.png`, fullPage: true })
  t.same(await seriousViolations(page), [])
  await row.getByRole('button', { name: 'Violating: remove clip-bad' }).click()
  await page.getByRole('status').filter({ hasText: 'clip-bad: removed' }).waitFor()
  await row.waitFor({ state: 'detached' })
  t.match(await send('GET', '/v1/items/clip-bad'), { status: 'removed', category: 'violence' })
})

t.test('try it: the decision, its reasons, the matched keyword span and the model spans highlighted, category scores against thresholds', async (t) => {
  await page.getByRole('button', { name: 'Try it' }).click()
  await page.getByLabel('Caption').fill('Huge SPOILER about the finale, you idiot')
  await page.getByRole('button', { name: 'Decide' }).click()
  const mark = page.locator('[data-testid="highlighted"] mark.keyword')
  await mark.waitFor()
  t.equal(await mark.innerText(), 'SPOILER')
  // the words behind the text model's score, marked apart from keyword matches
  const modelWords = page.locator('[data-testid="highlighted"] mark.model')
  await modelWords.first().waitFor()
  const words = await modelWords.allInnerTexts()
  t.ok(words.some((w) => w.includes('idiot')), `the insult drove the model score: ${JSON.stringify(words)}`)
  t.match(await modelWords.first().getAttribute('title'), /drove the toxicity/)
  t.match(await page.getByTestId('action').innerText(), /blur|hide/i)
  t.match(await page.getByTestId('reasons').innerText(), /keyword rule "spoiler" matched "SPOILER" in text/)
  t.ok((await page.locator('[data-category] .bar').count()) > 0, 'the text model scored categories')
  await page.screenshot({ path: `${ARTIFACTS}/try-it.png`, fullPage: true })
  t.same(await seriousViolations(page), [])
})

t.test('policy what-if: a lowered threshold shows the decisions that move', async (t) => {
  await page.getByRole('button', { name: 'Policy what-if' }).click()
  const blurAt = page.getByLabel('sexual standard blur at')
  await blurAt.waitFor()
  t.equal(await blurAt.inputValue(), '0.7')
  await blurAt.fill('0.5')
  await page.getByRole('button', { name: 'Run what-if' }).click()
  const result = page.getByTestId('simulation')
  await result.waitFor()
  // the seeded sexual scores 0.55 and 0.65 lie between 0.5 and 0.7
  t.match(await result.innerText(), /2 decisions move/)
  t.match(await result.innerText(), /allow→blur: 2/)
  t.match(await result.innerText(), /post-2/)
  await page.screenshot({ path: `${ARTIFACTS}/what-if.png`, fullPage: true })
  t.same(await seriousViolations(page), [])
})
