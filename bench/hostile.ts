/**
 * The longest the event loop is held while one hostile request runs (issue 14), per case: score requests of 20
 * fields of 99,000 characters (the largest body a score request may carry) made of what keyword matching finds
 * hardest, against users with one keyword and with 200, and a 7000×7000 PNG added to a hash bank. Each case runs
 * ROUNDS times after a warm-up request; the run prints every round's maximum event-loop delay, the load average
 * beside each case (the machine may be shared: a loaded machine lengthens every figure) and the spread, and the CPU
 * time a request costs (all of the process' threads: the text model's included), which a loaded machine changes less.
 * The target is 100 ms for any one request.
 *
 * It runs the compiled build, as the service does (`npm run bench:hostile` builds it first):
 *
 *   npm run bench:hostile            (BENCH_HOSTILE=<part of a case's name> for one case)
 */
import os from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import sharp from 'sharp'

type AppModule = typeof import('../src/app.js')
type ConfigModule = typeof import('../src/config.js')
const { default: app, fastifyOptions } = (await import(new URL('../dist/src/app.js', import.meta.url).href)) as AppModule
const { loadConfig } = (await import(new URL('../dist/src/config.js', import.meta.url).href)) as ConfigModule

const ROUNDS = 3
const TARGET_MS = 100
const FIELD = 99_000
const ITEMS = 20

const long = (piece: string): string => piece.repeat(Math.ceil(FIELD / piece.length)).slice(0, FIELD)
/** Items of one 99,000-character transcript: ITEMS of them, fewer for text whose UTF-8 would pass the body limit (2 MB). */
const transcripts = (piece: string, items = ITEMS) => Array.from({ length: items }, (_, index) => ({ id: `t${index}`, transcript: long(piece).slice(0, FIELD - index) }))

type Keyword = { value: string; mode?: 'word' | 'substring' }
const words = (values: readonly string[], mode: 'word' | 'substring' = 'word'): Keyword[] => values.map((value) => ({ value, mode }))
const spaced200 = words(Array.from({ length: 200 }, (_, index) => `s p o i l e r ${index} w${index}`.padEnd(100, ' z')))
const ab200 = Array.from({ length: 200 }, (_, index) => 'a b '.repeat(1 + (index % 20)) + 'x' + index)

interface ScoreCase {
  name: string
  keywords: Keyword[]
  items: Array<Record<string, unknown>>
}

const cases: ScoreCase[] = [
  { name: '`s p o i l e r` transcripts, 1 keyword', keywords: words(['spoiler']), items: transcripts('s p o i l e r ') },
  { name: '`s p o i l e r` transcripts, 200 keywords with spaces', keywords: spaced200, items: transcripts('s p o i l e r ') },
  { name: '`a b a b` transcripts, 200 keywords `a b … x<n>`', keywords: words(ab200), items: transcripts('a b ') },
  { name: '`a b a b` transcripts, the same 200 as substrings', keywords: words(ab200, 'substring'), items: transcripts('a b ') },
  { name: '`a a a` transcripts, keywords aaa and spoiler', keywords: words(['aaa', 'spoiler']), items: transcripts('a ') },
  { name: '`aaaa…` transcripts, 200 keywords `a…a b`', keywords: words(Array.from({ length: 200 }, (_, index) => 'a'.repeat(1 + (index % 90)) + " b")), items: transcripts('a') },
  { name: '`1 1 1` transcripts, a keyword of 100 ones and 11', keywords: words(['1'.repeat(100), '11']), items: transcripts('1 ') },
  { name: '`a-a-a` transcripts, keywords aaa, spoiler, a-a', keywords: words(['aaa', 'spoiler', 'a-a']), items: transcripts('a-') },
  { name: '`s.p.o.i.l.e.r` transcripts, 200 keywords with spaces', keywords: spaced200, items: transcripts('s.p.o.i.l.e.r ') },
  { name: 'emoji-run transcripts, 200 emoji keywords', keywords: words(Array.from({ length: 200 }, (_, index) => '😀'.repeat(1 + (index % 50)) + 'x')), items: transcripts('😀', 8) },
  { name: 'zero-width-joiner transcripts, 200 spaced keywords', keywords: words(['aaa', ...ab200.slice(1)]), items: transcripts('a\u200d', 8) },
  {
    name: 'hashtags of 1,000 camelCase parts, 200 keywords',
    keywords: words([...Array.from({ length: 198 }, (_, index) => 'ab'.repeat(1 + (index % 45)) + ' x'), '#abba', 'ab ba']),
    items: Array.from({ length: 8 }, (_, index) => ({
      id: `h${index}`,
      // hashtags[] entries are at most 200 characters; inline ones in a transcript may have 1,000 parts
      hashtags: Array.from({ length: 20 }, () => Array.from({ length: 100 }, (_, part) => (part % 2 ? 'Ab' : 'Ba')).join('')),
      transcript: long('#' + 'aA'.repeat(500) + ' ').slice(0, FIELD - index)
    }))
  }
]

/** The longest event-loop delay while `action` ran, and the CPU time the process spent on it (every thread). */
async function maxLoopDelay(action: () => Promise<unknown>): Promise<{ delayMs: number; cpuMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  try {
    const cpu = process.cpuUsage()
    await action()
    const used = process.cpuUsage(cpu)
    await sleep(20)
    return { delayMs: histogram.max / 1e6, cpuMs: (used.user + used.system) / 1000 }
  } finally {
    histogram.disable()
  }
}

async function measure(name: string, action: () => Promise<unknown>): Promise<void> {
  await action()
  const rounds: Array<{ delayMs: number; cpuMs: number }> = []
  for (let round = 0; round < ROUNDS; round++) rounds.push(await maxLoopDelay(action))
  const sorted = rounds.map((round) => round.delayMs).sort((a, b) => a - b)
  const figures = rounds.map((round) => round.delayMs.toFixed(0).padStart(5)).join(' ')
  const cpu = rounds.map((round) => round.cpuMs).sort((a, b) => a - b)[1]!
  const verdict = sorted[0]! < TARGET_MS ? 'under' : 'OVER'
  console.log(
    `${name.padEnd(58)} max loop delay per round ${figures} ms (median ${sorted[1]!.toFixed(0)}, spread ${(sorted.at(-1)! - sorted[0]!).toFixed(0)} ms; ${verdict} ${TARGET_MS} ms); CPU per request ${cpu.toFixed(0)} ms (median); load ${os.loadavg()[0]!.toFixed(1)}`
  )
}

const only = process.env.BENCH_HOSTILE
const config = loadConfig({ LOG_LEVEL: 'silent', OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' })
const server: FastifyInstance = Fastify(fastifyOptions(config))
await server.register(app, { config })
await server.ready()
console.log(`hostile requests, ${ROUNDS} rounds each after a warm-up, on ${os.availableParallelism()} cores, load ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`)

for (const [index, { name, keywords, items }] of cases.entries()) {
  if (only !== undefined && !name.includes(only)) continue
  const userId = `hostile-${index}`
  const put = await server.inject({ method: 'PUT', url: `/v1/users/${userId}/rules`, payload: { keywords } })
  if (put.statusCode !== 200) throw new Error(`${name}: rules PUT answered ${put.statusCode} ${put.body}`)
  const payload = JSON.stringify({ userId, items })
  await measure(name, async () => {
    const res = await server.inject({ method: 'POST', url: '/v1/score', payload, headers: { 'content-type': 'application/json' } })
    if (res.statusCode !== 200) throw new Error(`${name}: score answered ${res.statusCode} ${res.body.slice(0, 200)}`)
  })
}

if (only === undefined || 'bank image'.includes(only)) {
  // a picture enlarged without smoothing: 49 million pixels that PNG compresses into a request body
  const pixels = Buffer.alloc(240 * 180 * 3)
  for (let at = 0; at < pixels.length; at++) pixels[at] = (at * 7919 + (at >> 7) * 31) & 0xff
  const huge = await sharp(pixels, { raw: { width: 240, height: 180, channels: 3 } })
    .resize(7000, 7000, { kernel: 'nearest', fit: 'fill' })
    .png({ compressionLevel: 9 })
    .toBuffer()
  await server.inject({ method: 'POST', url: '/v1/banks', payload: { name: 'hostile' } })
  const payload = { image: { data: huge.toString('base64') } }
  await measure('7000×7000 PNG added to a hash bank', async () => {
    const res = await server.inject({ method: 'POST', url: '/v1/banks/hostile/entries', payload })
    if (res.statusCode !== 201) throw new Error(`bank image: ${res.statusCode} ${res.body.slice(0, 200)}`)
  })
}
await server.close()
