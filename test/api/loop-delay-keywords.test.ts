import os from 'node:os'
import t from 'tap'
import { build } from '../helpers/app.js'
import { LOOP_DELAY_BOUND_MS, leastMaxLoopDelay, loopDelayBoundMs } from '../helpers/loop-delay.js'

// 20 transcripts of 99,000 characters of spaced-out letters: the largest body a score request may carry
// (BODY_LIMIT_BYTES), made of the text that joining spaced letters finds hardest.
const SPACED = 's p o i l e r '
const items = Array.from({ length: 20 }, (_, index) => ({
  id: `t${index}`,
  transcript: SPACED.repeat(Math.ceil(99_000 / SPACED.length)).slice(0, 99_000 - index)
}))
const payload = JSON.stringify({ userId: 'u1', items })

const cases = [
  { name: 'one keyword', keywords: [{ value: 'spoiler' }], action: 'hide' },
  {
    name: '200 keywords of 100 characters with spaces',
    keywords: Array.from({ length: 200 }, (_, index) => ({ value: `s p o i l e r ${index} w${index}`.padEnd(100, ' z') })),
    action: 'allow'
  }
]

for (const { name, keywords, action } of cases) {
  t.test(`spaced-letter transcripts, ${name}: no stall over ${LOOP_DELAY_BOUND_MS} ms, same decisions`, async (t) => {
    const app = await build(t, { IMAGE_THREADS: '0' })
    const put = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { keywords } })
    t.equal(put.statusCode, 200)
    // the first request compiles and warms up (JIT); the bound is for the service in its stride
    await app.inject({ method: 'POST', url: '/v1/score', payload, headers: { 'content-type': 'application/json' } })
    const { results, maxDelayMs } = await leastMaxLoopDelay(5, () =>
      app.inject({ method: 'POST', url: '/v1/score', payload, headers: { 'content-type': 'application/json' } })
    )
    for (const res of results) {
      t.equal(res.statusCode, 200)
      t.same(new Set(res.json().decisions.map((decision: { action: string }) => decision.action)), new Set([action]))
    }
    const bound = loopDelayBoundMs()
    t.ok(maxDelayMs < bound, `event loop held at most ${maxDelayMs.toFixed(0)} ms (bound ${bound.toFixed(0)} ms, load ${os.loadavg()[0]!.toFixed(1)})`)
  })
}
