/**
 * `npm run bench:overload`: POST /v1/score driven past saturation, against feedguard processes started in
 * the same run: overload protection on (the defaults: degrade past 100 ms of event-loop delay, shed with
 * 503 FG_OVERLOADED past 500 ms or past 32 requests in flight), the event-loop delay alone (the in-flight cap
 * off: the baseline the cap is measured against) and off (OVERLOAD_*=0). CONNECTIONS closed-loop clients each
 * send, one after another, a batch of 50 new items (new ids and texts: no score cache helps, each runs the
 * text model). Prints for each round and target: answers per second, latency p50/p99/max of the 200s, how
 * many were degraded `overloaded`, the 503 FG_OVERLOADED count with their latency as the client saw it and
 * as the service did (its Server-Timing: from the request's arrival to its answer), and the requests that got
 * no answer within 10 s; then per target the median and the range over the rounds. The machine may be
 * shared: the load average is printed beside every round.
 *
 *   npm run bench:overload     # BENCH_OVERLOAD_S (default 10) seconds per target and round, BENCH_OVERLOAD_ROUNDS (default 3),
 *                              # BENCH_OVERLOAD_CONNECTIONS (default 100)
 */
import os from 'node:os'
import { items } from './fixtures.js'
import { startServer, stop } from './servers.js'

const DURATION_S = Number(process.env.BENCH_OVERLOAD_S ?? 10)
const ROUNDS = Number(process.env.BENCH_OVERLOAD_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_OVERLOAD_CONNECTIONS ?? 100)
const BATCH = 50
const TIMEOUT_MS = 10_000

interface Figures {
  ok: number[]
  shed: number[]
  /** The 503s' time in the service (Server-Timing). */
  shedServer: number[]
  degraded: number
  timeouts: number
  other: number
}

const percentile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!)

async function drive(url: string): Promise<Figures> {
  const figures: Figures = { ok: [], shed: [], shedServer: [], degraded: 0, timeouts: 0, other: 0 }
  const end = performance.now() + DURATION_S * 1000
  let sequence = 0
  const client = async () => {
    while (performance.now() < end) {
      const body = JSON.stringify({ userId: 'bench', items: items(BATCH, ++sequence, `r${sequence}`) })
      const started = performance.now()
      try {
        const res = await fetch(`${url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(TIMEOUT_MS) })
        const text = await res.text()
        const ms = performance.now() - started
        if (res.status === 200) {
          figures.ok.push(ms)
          if (text.includes('"overloaded"')) figures.degraded++
        } else if (res.status === 503 && text.includes('FG_OVERLOADED')) {
          figures.shed.push(ms)
          figures.shedServer.push(Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN))
          // A shed client waits as Retry-After asks (capped so the run keeps its pressure).
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Number(res.headers.get('retry-after') ?? 1) * 1000)))
        } else figures.other++
      } catch {
        figures.timeouts++
      }
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, client))
  figures.ok.sort((a, b) => a - b)
  figures.shed.sort((a, b) => a - b)
  figures.shedServer.sort((a, b) => a - b)
  return figures
}

interface Summary {
  okRate: number
  okP50: number
  okP99: number
  shedRate: number
  shedP50: number
  shedP99: number
  shedServerP50: number
  shedServerP99: number
  timeouts: number
}

const ms = (v: number) => (Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(1) : v.toFixed(0))

function summarise(f: Figures): Summary {
  return {
    okRate: f.ok.length / DURATION_S,
    okP50: percentile(f.ok, 0.5),
    okP99: percentile(f.ok, 0.99),
    shedRate: f.shed.length / DURATION_S,
    shedP50: percentile(f.shed, 0.5),
    shedP99: percentile(f.shed, 0.99),
    shedServerP50: percentile(f.shedServer, 0.5),
    shedServerP99: percentile(f.shedServer, 0.99),
    timeouts: f.timeouts
  }
}

function report(name: string, f: Figures) {
  const s = summarise(f)
  console.log(
    `  ${name.padEnd(16)} 200: ${s.okRate.toFixed(1)}/s p50 ${ms(s.okP50)} ms p99 ${ms(s.okP99)} ms max ${ms(f.ok.at(-1) ?? NaN)} ms, degraded ${f.degraded} | ` +
      `503 FG_OVERLOADED: ${s.shedRate.toFixed(1)}/s, client p50 ${ms(s.shedP50)} ms p99 ${ms(s.shedP99)} ms, in the service p50 ${ms(s.shedServerP50)} ms p99 ${ms(s.shedServerP99)} ms | ` +
      `no answer in ${TIMEOUT_MS / 1000} s: ${f.timeouts} | other: ${f.other} | load ${os.loadavg()[0]!.toFixed(1)}`
  )
  return s
}

/** Median (range) over the rounds. */
function spread(values: number[], digits = 0) {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return '—'
  const fmt = (v: number) => (digits === 0 ? ms(v) : v.toFixed(digits))
  return `${fmt(sorted[Math.floor((sorted.length - 1) / 2)]!)} (${fmt(sorted[0]!)}–${fmt(sorted.at(-1)!)})`
}

const targets: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'protection on', env: {} },
  { name: 'loop delay only', env: { OVERLOAD_MAX_IN_FLIGHT: '0' } },
  { name: 'protection off', env: { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0', OVERLOAD_MAX_IN_FLIGHT: '0' } }
]
console.log(
  `overload: ${CONNECTIONS} closed-loop clients, batches of ${BATCH} new items, ${DURATION_S} s per target, ${ROUNDS} rounds, load ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`
)
const results = new Map<string, Summary[]>(targets.map(({ name }) => [name, []]))
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`round ${round}`)
  for (const { name, env } of targets) {
    // Shed requests are logged as warnings: keep them out of the figures' output.
    const server = await startServer('./app-server.ts', { BENCH_LOG_LEVEL: 'fatal', ...env })
    try {
      results.get(name)!.push(report(name, await drive(server.url)))
    } finally {
      await stop(server.child)
    }
  }
}
console.log('median (min–max) over the rounds:')
for (const [name, rounds] of results) {
  const of = (key: keyof Summary, digits = 0) => spread(rounds.map((r) => r[key]), digits)
  console.log(
    `  ${name.padEnd(16)} 200: ${of('okRate', 1)}/s p50 ${of('okP50')} ms p99 ${of('okP99')} ms | 503: ${of('shedRate', 1)}/s, client p50 ${of('shedP50')} ms p99 ${of('shedP99')} ms, ` +
      `in the service p50 ${of('shedServerP50')} ms p99 ${of('shedServerP99')} ms | no answer: ${of('timeouts')}`
  )
}
console.log(`load after: ${os.loadavg()[0]!.toFixed(1)}`)
