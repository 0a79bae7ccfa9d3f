import os from 'node:os'
import t from 'tap'
import { build } from '../helpers/app.js'
import { LOOP_DELAY_BOUND_MS, leastMaxLoopDelay, loopDelayBoundMs } from '../helpers/loop-delay.js'

// Transcripts of 99,000 characters made of the texts that keyword matching finds hardest, against the rules that
// make them hardest: 20 of them is the largest body a score request may carry (BODY_LIMIT_BYTES); the costliest
// cases send fewer, as what is bounded is the hold of any one field.
const transcripts = (piece: string, count: number) =>
  Array.from({ length: count }, (_, index) => ({ id: `t${index}`, transcript: piece.repeat(Math.ceil(99_000 / piece.length)).slice(0, 99_000 - index) }))

const cases = [
  { name: 'spaced-letter transcripts, one keyword', items: transcripts('s p o i l e r ', 20), keywords: [{ value: 'spoiler' }], action: 'hide' },
  {
    name: 'spaced-letter transcripts, 200 keywords of 100 characters with spaces',
    items: transcripts('s p o i l e r ', 20),
    keywords: Array.from({ length: 200 }, (_, index) => ({ value: `s p o i l e r ${index} w${index}`.padEnd(100, ' z') })),
    action: 'allow'
  },
  {
    // every `a` starts a phrase (and a join) that follows the text 40 words deep and never ends in a match
    name: '`a b a b` transcripts, 200 phrases `a b a b … x<n>`',
    items: transcripts('a b ', 3),
    keywords: Array.from({ length: 200 }, (_, index) => ({ value: 'a b '.repeat(1 + (index % 20)) + 'x' + index })),
    action: 'allow'
  },
  { name: 'spaced-digit transcripts, a keyword of 100 ones and 11', items: transcripts('1 ', 5), keywords: [{ value: '1'.repeat(100) }, { value: '11' }], action: 'hide' },
  { name: 'spaced single-letter transcripts, keywords aaa and spoiler', items: transcripts('a ', 5), keywords: [{ value: 'aaa' }, { value: 'spoiler' }], action: 'hide' }
]

for (const { name, items, keywords, action } of cases) {
  const payload = JSON.stringify({ userId: 'u1', items })
  t.test(`${name}: no stall over ${LOOP_DELAY_BOUND_MS} ms, same decisions`, async (t) => {
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

t.test(`trying an item with long fields against throwaway rules (/v1/policy/evaluate): no stall over ${LOOP_DELAY_BOUND_MS} ms`, async (t) => {
  const app = await build(t, { IMAGE_THREADS: '0' })
  // each field as long as the API allows (captions and on-screen text: 20,000 characters)
  const [text, overlayText] = transcripts('a b ', 2).map((item) => item.transcript.slice(0, 20_000))
  const transcript = 'a b '.repeat(24_000) + 'x7'

  const phrases = Array.from({ length: 200 }, (_, index) => ({ value: 'a b '.repeat(1 + (index % 20)) + 'x' + index }))
  const payload = { item: { text, overlayText, transcript }, rules: { keywords: phrases } }
  const evaluate = () => app.inject({ method: 'POST', url: '/v1/policy/evaluate', payload })
  await evaluate()
  const { results, maxDelayMs } = await leastMaxLoopDelay(5, evaluate)
  for (const res of results) {
    t.equal(res.statusCode, 200, res.body.slice(0, 300))
    t.match(res.json().decision.reasons, [{ type: 'keyword', value: phrases[7]!.value, field: 'transcript' }], 'the phrase at the end of the last field')
  }
  const bound = loopDelayBoundMs()
  t.ok(maxDelayMs < bound, `event loop held at most ${maxDelayMs.toFixed(0)} ms (bound ${bound.toFixed(0)} ms, load ${os.loadavg()[0]!.toFixed(1)})`)
})
