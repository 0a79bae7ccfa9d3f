/**
 * `npm run bench:cluster` (or `npm run bench -- --cluster`): POST /v1/score against feedguard processes
 * sharing one Redis node, then sharing a 6-node Redis Cluster (3 masters, 3 replicas), in the same run:
 * req/s, items/s, p50/p99, errors, degraded answers and the Redis nodes each request read from
 * (`feedguard_score_redis_nodes`, summed over the processes' /metrics). The load generator (autocannon)
 * spreads its connections over the processes, as a load balancer would.
 *
 * Scenarios, for each store: one process, then BENCH_PROCESSES processes; each warm (the same 50 items
 * every request: scores cached, only rules and item statuses read) and cold (every request's items
 * never seen: text model run, scores written back to Redis).
 */
import os from 'node:os'
import autocannon from 'autocannon'
import { startRedis, startRedisCluster } from '../scripts/redis-servers.js'
import { items, user } from './fixtures.js'
import { startServer, stop, storeRules, type BenchServer } from './servers.js'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 2)

/**
 * Load shedding and overload degrading off: on a machine shared with other work the event loop lags past
 * their thresholds whatever the store, and this bench compares stores, not the shedding.
 */
const OVERLOAD_OFF = { OVERLOAD_SHED_LOOP_DELAY_MS: '0', OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0' }

// The processes get their Redis from this bench only: REDIS_URL and REDIS_CLUSTER_NODES together are a configuration error.
delete process.env.REDIS_URL
delete process.env.REDIS_CLUSTER_NODES

interface Figures {
  reqPerSec: number
  itemsPerSec: number
  p50: number
  p99: number
  errors: number
  /** Answers with meta.degraded (e.g. Redis past SCORE_REDIS_BUDGET_MS on a busy machine), and why. */
  degraded: number
  answers: number
  reasons: Map<string, number>
  /** Requests by nodes read from (bucket upper bound → requests), and the mean. */
  nodes: Map<string, number>
  meanNodes: number
}

interface Scrape {
  buckets: Map<string, number>
  sum: number
  count: number
  degraded: number
  answers: number
  reasons: Map<string, number>
}

/** The figures this bench reads from one process's /metrics. */
async function scrape(server: BenchServer): Promise<Scrape> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const scraped: Scrape = { buckets: new Map(), sum: 0, count: 0, degraded: 0, answers: 0, reasons: new Map() }
  for (const line of text.split('\n')) {
    const bucket = /^feedguard_score_redis_nodes_bucket\{le="([^"]+)"\} (\S+)$/.exec(line)
    if (bucket) scraped.buckets.set(bucket[1]!, Number(bucket[2]))
    const sum = /^feedguard_score_redis_nodes_sum (\S+)$/.exec(line)
    if (sum) scraped.sum = Number(sum[1])
    const count = /^feedguard_score_redis_nodes_count (\S+)$/.exec(line)
    if (count) scraped.count = Number(count[1])
    const answers = /^feedguard_score_answers_total\{degraded="(true|false)"\} (\S+)$/.exec(line)
    if (answers) {
      scraped.answers += Number(answers[2])
      if (answers[1] === 'true') scraped.degraded += Number(answers[2])
    }
    const reason = /^feedguard_degraded_answers_total\{reason="([^"]+)"\} (\S+)$/.exec(line)
    if (reason) scraped.reasons.set(reason[1]!, Number(reason[2]))
  }
  return scraped
}

async function scrapeAll(servers: BenchServer[]): Promise<Scrape> {
  const total: Scrape = { buckets: new Map(), sum: 0, count: 0, degraded: 0, answers: 0, reasons: new Map() }
  for (const one of await Promise.all(servers.map(scrape))) {
    for (const [le, value] of one.buckets) total.buckets.set(le, (total.buckets.get(le) ?? 0) + value)
    for (const [reason, value] of one.reasons) total.reasons.set(reason, (total.reasons.get(reason) ?? 0) + value)
    total.sum += one.sum
    total.count += one.count
    total.degraded += one.degraded
    total.answers += one.answers
  }
  return total
}

/** Requests per nodes-read bucket between two scrapes (the histogram's buckets are cumulative). */
function nodesBetween(before: Scrape, after: Scrape): Map<string, number> {
  const spread = new Map<string, number>()
  let below = 0
  for (const [le, value] of after.buckets) {
    const cumulative = value - (before.buckets.get(le) ?? 0)
    if (cumulative - below > 0) spread.set(le, cumulative - below)
    below = cumulative
  }
  return spread
}

/**
 * Loads `servers` (connections spread over them) with `body`, or, when `fresh` is set, with item ids
 * never seen before in every request, so that nothing is cached (the cold path).
 */
async function load(servers: BenchServer[], body: string, fresh: boolean, duration = DURATION_S): Promise<Figures> {
  const before = await scrapeAll(servers)
  let request = 0
  const result = await autocannon({
    // autocannon takes several URLs and spreads its connections over them; its types only know one.
    url: servers.map((server) => `${server.url}/v1/score`) as unknown as string,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    // A multiple of the process count, so every process gets the same share of the connections.
    connections: Math.ceil(CONNECTIONS / servers.length) * servers.length,
    duration,
    ...(fresh
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: body.replaceAll('"id":"item-', `"id":"c${request++}-`) }) }] }
      : {})
  })
  const after = await scrapeAll(servers)
  const count = after.count - before.count
  return {
    reqPerSec: result.requests.average,
    itemsPerSec: result.requests.average * BATCH,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    degraded: after.degraded - before.degraded,
    answers: after.answers - before.answers,
    reasons: new Map([...after.reasons].map(([reason, n]) => [reason, n - (before.reasons.get(reason) ?? 0)] as const).filter(([, n]) => n > 0)),
    nodes: nodesBetween(before, after),
    meanNodes: count > 0 ? (after.sum - before.sum) / count : 0
  }
}

const row = (name: string, f: Figures) => {
  const total = [...f.nodes.values()].reduce((sum, n) => sum + n, 0)
  const spread = [...f.nodes].map(([le, n]) => `${le === '+Inf' ? '>32' : `≤${le}`}: ${((100 * n) / total).toFixed(0)}%`).join(', ')
  return (
    `${name.padEnd(30)} ${f.reqPerSec.toFixed(0).padStart(7)} ${f.itemsPerSec.toFixed(0).padStart(8)} ${f.p50.toFixed(1).padStart(7)} ` +
    `${f.p99.toFixed(1).padStart(7)} ${String(f.errors).padStart(6)} ${(f.answers > 0 ? (100 * f.degraded) / f.answers : 0).toFixed(1).padStart(6)}% ` +
    `${f.meanNodes.toFixed(2).padStart(6)}  ${spread.padEnd(22)} ${[...f.reasons].map(([reason, n]) => `${reason} ${n}`).join(', ')}`
  )
}

/** Starts `count` feedguard processes on `env`'s Redis, one after the other (model loading is CPU-bound). */
async function startProcesses(count: number, env: Record<string, string>): Promise<BenchServer[]> {
  const servers: BenchServer[] = []
  try {
    for (let i = 0; i < count; i++) servers.push(await startServer('./app-server.ts', { ...env, ...OVERLOAD_OFF }))
  } catch (err) {
    await Promise.all(servers.map((server) => stop(server.child)))
    throw err
  }
  return servers
}

/** The four rows of one store: one process and all of them, warm and cold. */
async function scenarios(label: string, env: Record<string, string>, body: string): Promise<Array<[string, Figures]>> {
  const servers = await startProcesses(PROCESSES, env)
  try {
    await storeRules(servers[0]!.url, user())
    const rows: Array<[string, Figures]> = []
    for (const group of [servers.slice(0, 1), servers]) {
      const name = `${label}, ${group.length} proc`
      await load(group, body, false, 3) // JIT, caches, connections
      rows.push([`${name}, warm`, await load(group, body, false)])
      rows.push([`${name}, cold`, await load(group, body, true)])
    }
    return rows
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)))
  }
}

async function main() {
  const body = JSON.stringify({ userId: user().userId, surface: 'for_you', items: items(BATCH) })
  const rows: Array<[string, Figures]> = []

  const single = await startRedis()
  try {
    rows.push(...(await scenarios('1 Redis node', { REDIS_URL: single.url }, body)))
  } finally {
    await single.stop()
  }
  const cluster = await startRedisCluster()
  try {
    rows.push(...(await scenarios('cluster 3+3', { REDIS_CLUSTER_NODES: cluster.seeds }, body)))
  } finally {
    await cluster.stop()
  }

  const [one, five, fifteen] = os.loadavg()
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, node ${process.version}, load average ${one!.toFixed(1)} / ${five!.toFixed(1)} / ${fifteen!.toFixed(1)} (1/5/15 min)`)
  console.log(`scenarios: batch ${BATCH} items, one user (rules cached per process); warm: the same items every request; cold: every request's items unseen (text model, scores written back)`)
  console.log(`load: autocannon, ${CONNECTIONS} connections spread over the processes, ${DURATION_S}s per row; feedguard processes, Redis and the load generator share this machine; overload shedding and degrading off\n`)
  console.log(`${'scenario'.padEnd(30)} ${'req/s'.padStart(7)} ${'items/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)} ${'degr.'.padStart(7)} ${'nodes'.padStart(6)}  ${'nodes read per request'.padEnd(22)} degraded answers by reason`)
  for (const [name, figures] of rows) console.log(row(name, figures))

  const find = (name: string) => rows.find(([n]) => n === name)?.[1]
  console.log('\nratio cluster / 1 Redis node (req/s):')
  for (const group of [1, PROCESSES]) {
    for (const path of ['warm', 'cold']) {
      const clustered = find(`cluster 3+3, ${group} proc, ${path}`)
      const singleNode = find(`1 Redis node, ${group} proc, ${path}`)
      if (clustered && singleNode) console.log(`  ${group} proc, ${path}: ${(clustered.reqPerSec / singleNode.reqPerSec).toFixed(2)}`)
    }
  }
  if (rows.some(([, figures]) => figures.errors > 0)) process.exitCode = 1
}

await main()
