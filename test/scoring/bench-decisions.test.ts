import { readFile } from 'node:fs/promises'
import t from 'tap'
import { items, user } from '../../bench/fixtures.js'
import { build } from '../helpers/app.js'

// The decisions on the benchmark's batches (bench/score.ts: the warm batch and the first cold ones), byte for byte
// as they were before the scoring path was made faster: speed-ups must not change a single answer. Rule ids are
// drawn at random when rules are stored, so they are left out.
const golden = new URL('../fixtures/bench/decisions.json', import.meta.url)
const COLD_BATCHES = 20

t.test('the benchmark batches are decided as they always were', async (t) => {
  const app = await build(t, { IMAGE_THREADS: '0' })
  const bench = user()
  const put = await app.inject({ method: 'PUT', url: `/v1/users/${bench.userId}/rules`, payload: bench.rules })
  t.equal(put.statusCode, 200)
  const batches = [items(50), ...Array.from({ length: COLD_BATCHES }, (_, k) => items(50, 1000 + k))]
  const answers: string[] = []
  for (const batch of batches) {
    const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: bench.userId, surface: 'for_you', items: batch } })
    t.equal(res.statusCode, 200)
    t.equal(res.json().meta.degraded, false)
    answers.push(JSON.stringify(res.json().decisions).replace(/"ruleId":"[^"]*",/g, ''))
  }
  const expected = JSON.parse(await readFile(golden, 'utf8')) as string[]
  t.equal(answers.length, expected.length)
  answers.forEach((answer, index) => t.equal(answer, expected[index], `batch ${index}`))
})
