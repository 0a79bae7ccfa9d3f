/**
 * `npm run bench`: drives POST /v1/score with autocannon and prints req/s, items/s and latency for
 * feedguard and, in the same run, for the floor (a bare Fastify route that only parses the request).
 * Servers run in child processes so the load generator does not share their event loop.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import os from 'node:os'
import autocannon from 'autocannon'
import { items, user } from './fixtures.js'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)

async function startServer(script: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(new URL(script, import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const [message] = (await once(child, 'message')) as [{ port: number }]
  return { child, url: `http://127.0.0.1:${message.port}` }
}

async function stop(child: ChildProcess) {
  child.kill('SIGTERM')
  await once(child, 'exit')
}

interface Figures {
  reqPerSec: number
  itemsPerSec: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

async function load(url: string, body: string, batch: number): Promise<Figures> {
  const result = await autocannon({
    url: `${url}/v1/score`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S
  })
  return {
    reqPerSec: result.requests.average,
    itemsPerSec: result.requests.average * batch,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const summarise = (runs: Figures[]): Figures => ({
  reqPerSec: median(runs.map((r) => r.reqPerSec)),
  itemsPerSec: median(runs.map((r) => r.itemsPerSec)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0)
})

const row = (name: string, f: Figures) =>
  `${name.padEnd(28)} ${f.reqPerSec.toFixed(0).padStart(8)} ${f.itemsPerSec.toFixed(0).padStart(10)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${String(f.errors + f.non2xx).padStart(7)}`

async function main() {
  const bench = user()
  const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(BATCH) })

  const floor = await startServer('./floor-server.ts')
  const feedguard = await startServer('./app-server.ts')
  try {
    const put = await fetch(`${feedguard.url}/v1/users/${bench.userId}/rules`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bench.rules)
    })
    if (!put.ok) throw new Error(`could not store the benchmark user's rules: ${put.status} ${await put.text()}`)
    const check = (await (await fetch(`${feedguard.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as {
      decisions: Array<{ action: string }>
    }
    const filtered = check.decisions.filter((d) => d.action !== 'allow').length

    // Warm both servers (JIT, caches), then alternate rounds so drift affects both alike.
    await load(floor.url, body, BATCH)
    await load(feedguard.url, body, BATCH)
    const floorRuns: Figures[] = []
    const appRuns: Figures[] = []
    for (let round = 0; round < ROUNDS; round++) {
      floorRuns.push(await load(floor.url, body, BATCH))
      appRuns.push(await load(feedguard.url, body, BATCH))
    }
    const floorFigures = summarise(floorRuns)
    const appFigures = summarise(appRuns)

    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, node ${process.version}`)
    console.log(`scenario: batch ${BATCH} items, user with ${bench.rules.keywords.length} keyword rules and ${bench.rules.authors.length} muted creators, embedded store, cached rules; ${filtered}/${BATCH} items filtered`)
    console.log(`load: autocannon, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S}s per target (median shown)\n`)
    console.log(`${'target'.padEnd(28)} ${'req/s'.padStart(8)} ${'items/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`)
    console.log(row('floor (parse + respond)', floorFigures))
    console.log(row('feedguard /v1/score', appFigures))
    console.log(`\nratio to the floor (req/s): ${(appFigures.reqPerSec / floorFigures.reqPerSec).toFixed(2)} (target ≥ 0.5)`)
    if (appFigures.errors + appFigures.non2xx > 0) process.exitCode = 1
  } finally {
    await Promise.all([stop(floor.child), stop(feedguard.child)])
  }
}

await main()
