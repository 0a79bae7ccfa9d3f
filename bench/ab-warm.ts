/**
 * `node --import tsx bench/ab-warm.ts <other-checkout>`: warm /v1/score at batch 50 of this checkout's build
 * against another's (a copy of dist/ and bench/app-server.ts, e.g. the build before a change), and the
 * floor, in alternating rounds of the same run, on the embedded store and on a throwaway Redis: each
 * round's req/s ratios to the floor, and their medians. AB_ROUNDS (default 5), AB_SECONDS (default 5).
 * AB_COLD=1: cold requests instead (every item new, as `npm run bench` sends them, text model on).
 * AB_CONNECTIONS: the load's connections (default 8, as `npm run bench`); 1 measures latency unqueued, and the
 * median p50 and p99 of each server's rounds are printed too.
 */
import os from 'node:os'
import { coldBodies, scoreLoad } from './cold-requests.js'
import { items, user } from './fixtures.js'
import { answerWith, appServerOf, startServer, stop, storeRules, type BenchServer } from './servers.js'

const other = process.argv[2]
if (!other) throw new Error('usage: bench/ab-warm.ts <checkout with dist/ and bench/app-server.ts>')
const rounds = Number(process.env.AB_ROUNDS ?? 5)
const seconds = Number(process.env.AB_SECONDS ?? 5)
const connections = Number(process.env.AB_CONNECTIONS ?? 8)

const { startRedis } = await import('../scripts/redis-servers.js')
const redis = await startRedis()
const bench = user()
const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(50) })
const appEnv = { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' }
const otherServer = appServerOf(other)
const servers: Record<string, BenchServer> = {}
const cold = process.env.AB_COLD === '1'
const coldRequests = cold ? coldBodies(bench.userId) : undefined
const latencies: Record<string, Array<{ p50: number; p99: number }>> = {}
const load = async (url: string, floor = false) => {
  const result = await scoreLoad(url, body, seconds, floor ? undefined : coldRequests, connections)
  ;(latencies[url] ??= []).push({ p50: result.latency.p50, p99: result.latency.p99 })
  return result.requests.average
}
try {
  servers.floor = await startServer('./floor-server.ts')
  servers.before = await startServer(otherServer, appEnv)
  servers.after = await startServer('./app-server.ts', appEnv)
  servers.beforeRedis = await startServer(otherServer, { ...appEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'ab:before:' })
  servers.afterRedis = await startServer('./app-server.ts', { ...appEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'ab:after:' })
  const apps = ['before', 'after', 'beforeRedis', 'afterRedis'] as const
  for (const name of apps) await storeRules(servers[name]!.url, bench)
  const answers = await Promise.all(
    apps.map(async (name) => {
      const res = await fetch(`${servers[name]!.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      return JSON.stringify(((await res.json()) as { decisions: unknown[] }).decisions).replace(/"ruleId":"[^"]*",/g, '')
    })
  )
  if (new Set(answers).size !== 1) throw new Error('the servers decided the warm batch differently')
  await answerWith(servers.floor, JSON.parse(answers[0]!) as unknown[])
  for (const server of Object.values(servers)) await load(server.url, server === servers.floor)
  const ratios: Record<(typeof apps)[number], number[]> = { before: [], after: [], beforeRedis: [], afterRedis: [] }
  for (let round = 0; round < rounds; round++) {
    const floor = await load(servers.floor.url, true)
    const line = [`round ${round + 1}: floor ${floor.toFixed(0)}`]
    for (const name of apps) {
      const ratio = (await load(servers[name]!.url)) / floor
      ratios[name].push(ratio)
      line.push(`${name} ${ratio.toFixed(3)}`)
    }
    console.log(`${line.join(', ')}  (load ${os.loadavg()[0]!.toFixed(1)})`)
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const range = (values: number[]) => `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}`
  for (const name of apps) console.log(`${name.padEnd(12)} ${cold ? 'cold' : 'warm'} / floor: median ${median(ratios[name]).toFixed(3)} (${range(ratios[name])})`)
  for (const name of ['floor', ...apps]) {
    const measured = latencies[servers[name]!.url]!.slice(1) // the first load is the warm-up
    console.log(`${name.padEnd(12)} latency: median p50 ${median(measured.map((l) => l.p50))} ms, median p99 ${median(measured.map((l) => l.p99))} ms`)
  }
  const paired = (a: number[], b: number[]) => median(a.map((value, index) => value / b[index]!)).toFixed(3)
  console.log(`after / before (median of paired rounds): embedded ${paired(ratios.after, ratios.before)}, redis ${paired(ratios.afterRedis, ratios.beforeRedis)}`)
} finally {
  await Promise.all(Object.values(servers).map((server) => stop(server.child)))
  await redis.stop()
}
