/**
 * Property-based requests to every route the app documents: hostile strings in paths, queries, headers
 * and bodies, odd numbers, deep nesting, unknown and prototype keys, wrong content types. Whatever
 * arrives, the answer is never 5xx and every 4xx carries a stable FG_* code.
 *
 * A fixed seed and a modest number of runs in CI; `FUZZ_RUNS=5000 FUZZ_SEED=<n>` for a longer search.
 */
import fc from 'fast-check'
import t from 'tap'
import { build } from '../helpers/app.js'

const runs = Number(process.env.FUZZ_RUNS ?? 150)
const seed = Number(process.env.FUZZ_SEED ?? 20261206)

const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '__proto__', 'constructor', 'prototype', '%', '%00', '%E0%A4%A', '../../etc/passwd', '\u0000', '\uD800', '🙂'.repeat(70), 'a'.repeat(300), '#', '?x=1', 'NaN', '-1', '1e309')
)
const hostileNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1))
const hostileKey = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'userId', 'items', 'keywords', 'id', 'value', 'events', 'text', 'image'))
const { value: hostileJson } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 })
  )
}))
/** Deeper than any schema: nesting a parser or validator might recurse on. */
const deepNesting = fc.integer({ min: 50, max: 3000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth))

const body = fc.oneof(
  hostileJson.map((value) => ({ payload: JSON.stringify(value) ?? 'null', type: 'application/json' })),
  deepNesting.map((payload) => ({ payload, type: 'application/json' })),
  fc.constantFrom('{', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '', 'null', '[]').map((payload) => ({ payload, type: 'application/json' })),
  fc
    .tuple(hostileString, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', 'garbage', ''))
    .map(([payload, type]) => ({ payload, type }))
)

t.test('no route answers 5xx, and every 4xx has a stable FG_* code', async (t) => {
  const app = await build(t)
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const routes = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })))
  t.ok(routes.length >= 20, `${routes.length} routes`)
  const failures: string[] = []
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.array(hostileString, { minLength: 4, maxLength: 4 }),
      fc.dictionary(fc.constantFrom('limit', 'window', 'after', 'x', '__proto__', 'constructor'), hostileString, { maxKeys: 3 }),
      body,
      fc.option(hostileString),
      async (route, params, query, { payload, type }, ifMatch) => {
        let i = 0
        // Every byte percent-encoded (a lone surrogate included, as its UTF-8 replacement).
        const encode = (value: string) => [...Buffer.from(value)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
        const path = route.path.replace(/\{[^}]+\}/g, () => encode(params[i++]!))
        const search = new URLSearchParams(Object.entries(query)).toString()
        const headers: Record<string, string> = {}
        if (type) headers['content-type'] = type
        if (ifMatch !== null && /^[\t\x20-\x7e]*$/.test(ifMatch)) headers['if-match'] = ifMatch
        const method = route.method as 'GET'
        const res = await app.inject({ method, url: search ? `${path}?${search}` : path, headers, ...(method === 'GET' ? {} : { payload }) })
        const where = `${method} ${path} (${type}: ${payload.slice(0, 80)})`
        if (res.statusCode >= 500 && res.statusCode !== 503) failures.push(`${res.statusCode} ${where}: ${res.body.slice(0, 200)}`)
        if (res.statusCode >= 400) {
          const code = (res.json() as { code?: string }).code
          if (!/^FG_[A-Z_]+$/.test(String(code))) failures.push(`${res.statusCode} without an FG_* code: ${where}: ${res.body.slice(0, 200)}`)
        }
        return failures.length === 0
      }
    ),
    { numRuns: runs, seed }
  ).catch((err: Error) => failures.push(err.message.split('\n').slice(0, 6).join('\n')))
  t.same(failures.slice(0, 5), [], `${runs} requests, seed ${seed}`)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted')
})
