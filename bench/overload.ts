/**
 * `npm run bench:overload`: POST /v1/score driven past saturation, against two feedguard processes started
 * in the same run: overload protection on (the defaults: degrade past 100 ms of event-loop delay, shed with
 * 503 FG_OVERLOADED past 500 ms) and off (OVERLOAD_*=0). CONNECTIONS closed-loop clients each send, one after
 * another, a batch of 50 new items (new ids and texts: no score cache helps, each runs the text model).
 * Prints for each: answers per second, latency p50/p99/max of the 200s, how many were degraded `overloaded`,
 * the 503 FG_OVERLOADED count and their latency, and the requests that got no answer within 10 s. The machine
 * may be shared: the load average is printed beside the figures.
 *
 *   npm run bench:overload     # BENCH_OVERLOAD_S (default 20) seconds per target, BENCH_OVERLOAD_CONNECTIONS (default 100)
 */
import os from 'node:os'
import { items } from './fixtures.js'
import { startServer, stop } from './servers.js'

const DURATION_S = Number(process.env.BENCH_OVERLOAD_S ?? 20)
const CONNECTIONS = Number(process.env.BENCH_OVERLOAD_CONNECTIONS ?? 100)
const BATCH = 50
const TIMEOUT_MS = 10_000

interface Figures {
  ok: number[]
  shed: number[]
  degraded: number
  timeouts: number
  other: number
}

const percentile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!)

async function drive(url: string): Promise<Figures> {
  const figures: Figures = { ok: [], shed: [], degraded: 0, timeouts: 0, other: 0 }
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
  return figures
}

function report(name: string, f: Figures) {
  const rate = (n: number) => (n / DURATION_S).toFixed(1)
  const ms = (v: number) => (Number.isNaN(v) ? '—' : v.toFixed(0))
  console.log(
    `${name.padEnd(14)} 200: ${rate(f.ok.length)}/s p50 ${ms(percentile(f.ok, 0.5))} ms p99 ${ms(percentile(f.ok, 0.99))} ms max ${ms(f.ok.at(-1) ?? NaN)} ms, ` +
      `degraded ${f.degraded} | 503 FG_OVERLOADED: ${f.shed.length} (p50 ${ms(percentile(f.shed, 0.5))} ms, p99 ${ms(percentile(f.shed, 0.99))} ms) | no answer in ${TIMEOUT_MS / 1000} s: ${f.timeouts} | other: ${f.other}`
  )
}

const targets: Array<{ name: string; env: Record<string, string> }> = [
  { name: 'protection on', env: {} },
  { name: 'protection off', env: { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' } }
]
console.log(`overload: ${CONNECTIONS} closed-loop clients, batches of ${BATCH} new items, ${DURATION_S} s per target, load ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`)
for (const { name, env } of targets) {
  // Every shed request is logged as an error: keep them out of the figures' output.
  const server = await startServer('./app-server.ts', { BENCH_LOG_LEVEL: 'fatal', ...env })
  try {
    report(name, await drive(server.url))
  } finally {
    await stop(server.child)
  }
}
console.log(`load after: ${os.loadavg()[0]!.toFixed(1)}`)
