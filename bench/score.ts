/**
 * `npm run bench`: drives POST /v1/score with autocannon and prints, from one run, at batch 50:
 * - the floor (a bare Fastify route that only parses the same request and answers the same bytes);
 * - feedguard warm (every item seen before) and cold (every request's items new: new ids and captions no
 *   cache has seen, text model on), on the embedded store and on a real Redis (the production path: rules,
 *   score-cache and item-status reads of every request in one round trip) — a throwaway redis-server on a
 *   free port, or BENCH_REDIS_URL;
 * - p99 at a fixed offered load (BENCH_FIXED_RATE of the floor's measured maximum, 70% unless set) for the
 *   floor and both feedguards: is it within twice the floor's;
 * - cold on the embedded store with the text model on the event loop (TEXT_THREADS=0), the text threads' baseline;
 * - in-process peers on one thread: the text model alone, and the `obscenity` package's RegExpMatcher (50
 *   whole-word terms, its English transformers) on the captions of the cold requests.
 * Servers run in child processes so the load generator does not share their event loop. Every figure is
 * the median of BENCH_ROUNDS rounds, rounds alternating between targets so that drift affects them alike;
 * the spread (min–max) is printed beside it. The decisions of the embedded and Redis servers are checked to
 * be the same bytes, and a digest of them is printed, so runs before and after a change can be compared.
 */
import { createHash } from 'node:crypto'
import os from 'node:os'
import autocannon from 'autocannon'
import { COLD_BODIES, coldBodies as coldBodiesOf, freshRequests } from './cold-requests.js'
import { KEYWORDS, items, user } from './fixtures.js'
import { answerWith, startServer, startWorkers, stop, storeRules, type BenchServer } from './servers.js'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const FIXED_RATE = Number(process.env.BENCH_FIXED_RATE ?? 0.7)

interface Figures {
  reqPerSec: number
  itemsPerSec: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

interface Summary extends Figures {
  /** the lowest and highest req/s of the rounds */
  spread: [number, number]
  p99Spread: [number, number]
}

interface LoadOptions {
  /** bodies sent in turn, each request with item ids never used before (nothing cached by id) */
  fresh?: readonly string[]
  /** offered load, requests per second over all connections */
  overallRate?: number
}

async function load(url: string, body: string, options: LoadOptions = {}): Promise<Figures> {
  const { fresh, overallRate } = options
  const result = await autocannon({
    url: `${url}/v1/score`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S,
    ...(overallRate ? { overallRate } : {}),
    ...(fresh ? freshRequests(fresh) : {})
  })
  return {
    reqPerSec: result.requests.average,
    itemsPerSec: result.requests.average * BATCH,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx
  }
}

/** Items/s of the text model by itself: featurisation and inference, batches of BATCH unseen captions. */
async function textModelAlone(): Promise<number | undefined> {
  const { loadModel, readManifest } = await import('../src/classifiers/manifest.js')
  const { TextClassifier } = await import('../src/text/text-classifier.js')
  const entry = (await readManifest('models')).models.find((candidate) => candidate.kind === 'text')
  if (!entry) return undefined
  const model = await TextClassifier.fromManifest(await loadModel('models', entry), { intraOpNumThreads: 1 })
  const captions = items(BATCH * 20, 99).map((item, i) => ({ id: `m${i}`, text: String(item.text) }))
  for (let i = 0; i < 20; i++) await model.classify(captions.slice(0, BATCH))
  let scored = 0
  const started = performance.now()
  while (performance.now() - started < 3000) {
    const offset = (scored / BATCH) % 20
    await model.classify(captions.slice(offset * BATCH, (offset + 1) * BATCH))
    scored += BATCH
  }
  const perSecond = scored / ((performance.now() - started) / 1000)
  await model.release()
  return perSecond
}

/**
 * The peer: obscenity's RegExpMatcher, the fixture user's 50 keywords as whole-word terms, its recommended
 * English transformers; all matches of each item's caption and on-screen text, one thread, items/s. Its
 * duplicate-collapsing transformer reads `ff` as `f`: the terms are collapsed alike, so that they can match.
 */
async function obscenityPeer(captions: ReadonlyArray<readonly string[]>): Promise<number> {
  const { DataSet, RegExpMatcher, englishRecommendedTransformers, parseRawPattern } = await import('obscenity')
  const collapse = (term: string) => term.toLowerCase().replace(/([^beolsg])\1+/g, '$1')
  const dataset = new DataSet<{ originalWord: string }>()
  for (const term of KEYWORDS) dataset.addPhrase((phrase) => phrase.setMetadata({ originalWord: term }).addPattern(parseRawPattern(`|${collapse(term)}|`)))
  const matcher = new RegExpMatcher({ ...dataset.build(), ...englishRecommendedTransformers })
  let matched = 0
  const run = (count: number) => {
    for (let i = 0; i < count; i++) for (const text of captions[i % captions.length]!) matched += matcher.getAllMatches(text).length
  }
  run(captions.length)
  let scored = 0
  const started = performance.now()
  while (performance.now() - started < 3000) {
    run(1000)
    scored += 1000
  }
  if (matched === 0) throw new Error('the obscenity peer matched nothing: its terms are wrong')
  return scored / ((performance.now() - started) / 1000)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const summarise = (runs: Figures[]): Summary => ({
  reqPerSec: median(runs.map((r) => r.reqPerSec)),
  itemsPerSec: median(runs.map((r) => r.itemsPerSec)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  spread: [Math.min(...runs.map((r) => r.reqPerSec)), Math.max(...runs.map((r) => r.reqPerSec))],
  p99Spread: [Math.min(...runs.map((r) => r.p99)), Math.max(...runs.map((r) => r.p99))]
})

const row = (name: string, f: Summary) =>
  `${name.padEnd(34)} ${f.reqPerSec.toFixed(0).padStart(7)} ${f.itemsPerSec.toFixed(0).padStart(8)} ${f.p50.toFixed(1).padStart(7)} ${f.p99.toFixed(1).padStart(7)} ${String(f.errors + f.non2xx).padStart(6)}   ${f.spread.map((v) => v.toFixed(0)).join('–')} req/s, p99 ${f.p99Spread.map((v) => v.toFixed(1)).join('–')}`

async function decisionsOf(server: BenchServer, body: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  if (!res.ok) throw new Error(`score failed: ${res.status} ${await res.text()}`)
  // rule ids are drawn at random when rules are stored: the rest must be the same bytes from run to run
  return JSON.stringify(((await res.json()) as { decisions: unknown[] }).decisions).replace(/"ruleId":"[^"]*",/g, '')
}

async function redisForBench(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, stop: async () => {} }
  const { startRedis } = await import('../scripts/redis-servers.js')
  return startRedis()
}

async function main() {
  const bench = user()
  const warmItems = items(BATCH)
  const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: warmItems })
  const coldBodies = coldBodiesOf(bench.userId, BATCH)
  const coldBatches = coldBodies.map((cold) => (JSON.parse(cold) as { items: Array<Record<string, unknown>> }).items)

  const redis = await redisForBench()
  const servers: BenchServer[] = []
  const start = async (script: string, env: Record<string, string> = {}) => {
    const server = await startServer(script, env)
    servers.push(server)
    return server
  }
  try {
    const floor = await start('./floor-server.ts')
    const emptyFloor = await start('./floor-server.ts', { FLOOR_RESPONSE: 'empty' })
    // overload protection off: this measures capacity, and on a shared machine the loop lags past the shed threshold
    const appEnv = { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' }
    const embedded = await start('./app-server.ts', appEnv)
    const withRedis = await start('./app-server.ts', { ...appEnv, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `fgbench:${process.pid}:` })
    // the baseline of the text threads: the text model on the event loop
    const inline = await start('./app-server.ts', { ...appEnv, TEXT_THREADS: '0' })
    const apps = [embedded, withRedis, inline]
    for (const app of apps) await storeRules(app.url, bench)

    // the same decisions from both stores, warm and cold, byte for byte
    const decisions = await decisionsOf(embedded, body)
    const digest = createHash('sha256').update(decisions)
    if ((await decisionsOf(withRedis, body)) !== decisions) throw new Error('the Redis server decided the warm batch differently')
    for (const cold of coldBodies.slice(0, 20)) {
      const answer = await decisionsOf(embedded, cold)
      if ((await decisionsOf(withRedis, cold)) !== answer) throw new Error('the Redis server decided a cold batch differently')
      if ((await decisionsOf(inline, cold)) !== answer) throw new Error('the text model on the event loop decided a cold batch differently')
      digest.update(answer)
    }
    const parsed = JSON.parse(await decisionsOf(embedded, body)) as Array<{ action: string }>
    const filtered = parsed.filter((d) => d.action !== 'allow').length
    // The floor answers the same decisions (ids echoed), so both send the same bytes back.
    await answerWith(floor, parsed)

    const models = (await (await fetch(`${embedded.url}/readyz`)).json()) as { checks: { models: { detail?: string } } }
    const hasModels = !/none configured/.test(models.checks.models.detail ?? '')

    // Warm every server (JIT, caches), then alternate rounds so drift affects all alike.
    for (const server of [floor, emptyFloor, ...apps]) await load(server.url, body)
    const runs = { floor: [] as Figures[], emptyFloor: [] as Figures[], embedded: [] as Figures[], redis: [] as Figures[] }
    const cold = { embedded: [] as Figures[], redis: [] as Figures[], inline: [] as Figures[] }
    const fixed = { floor: [] as Figures[], embedded: [] as Figures[], redis: [] as Figures[] }
    let offered = 0
    for (let round = 0; round < ROUNDS; round++) {
      runs.floor.push(await load(floor.url, body))
      runs.emptyFloor.push(await load(emptyFloor.url, body))
      runs.embedded.push(await load(embedded.url, body))
      runs.redis.push(await load(withRedis.url, body))
      if (hasModels) {
        cold.embedded.push(await load(embedded.url, body, { fresh: coldBodies }))
        cold.redis.push(await load(withRedis.url, body, { fresh: coldBodies }))
        cold.inline.push(await load(inline.url, body, { fresh: coldBodies }))
      }
      // the offered load: a share of the floor's maximum, as first measured
      offered ||= Math.max(1, Math.round(runs.floor[0]!.reqPerSec * FIXED_RATE))
      fixed.floor.push(await load(floor.url, body, { overallRate: offered }))
      fixed.embedded.push(await load(embedded.url, body, { overallRate: offered }))
      fixed.redis.push(await load(withRedis.url, body, { overallRate: offered }))
    }
    const modelAlone = hasModels ? await textModelAlone() : undefined
    const peer = await obscenityPeer(coldBatches.flatMap((batch) => batch.map((item) => [item.text, item.overlayText].filter((text): text is string => typeof text === 'string'))))

    const figures = {
      floor: summarise(runs.floor),
      emptyFloor: summarise(runs.emptyFloor),
      embedded: summarise(runs.embedded),
      redis: summarise(runs.redis),
      coldEmbedded: hasModels ? summarise(cold.embedded) : undefined,
      coldRedis: hasModels ? summarise(cold.redis) : undefined,
      coldInline: hasModels ? summarise(cold.inline) : undefined,
      fixedFloor: summarise(fixed.floor),
      fixedEmbedded: summarise(fixed.embedded),
      fixedRedis: summarise(fixed.redis)
    }

    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    console.log(
      `scenarios: batch ${BATCH} items, user with ${bench.rules.keywords.length} keyword rules and ${bench.rules.authors.length} muted creators, cached rules, overload protection off; ${filtered}/${BATCH} items filtered; "cold": every request's items new (ids and captions no cache holds, ${COLD_BODIES} distinct batches cycled), text model ${hasModels ? 'on' : 'absent'}; "redis": REDIS_URL ${redis.url}`
    )
    console.log(`load: autocannon, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S}s per target (median, then min–max over rounds)`)
    console.log(`decisions digest (warm batch + 20 cold batches, embedded = redis, rule ids left out): ${digest.digest('hex').slice(0, 16)}\n`)
    console.log(`${'target'.padEnd(34)} ${'req/s'.padStart(7)} ${'items/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)}   spread`)
    console.log(row('floor (parse + respond)', figures.floor))
    console.log(row('floor, empty decisions', figures.emptyFloor))
    console.log(row('warm, embedded store', figures.embedded))
    console.log(row('warm, redis', figures.redis))
    if (figures.coldEmbedded) console.log(row('cold, embedded store', figures.coldEmbedded))
    if (figures.coldRedis) console.log(row('cold, redis', figures.coldRedis))
    if (figures.coldInline) console.log(row('cold, embedded, TEXT_THREADS=0', figures.coldInline))
    console.log(row(`floor at ${offered} req/s offered`, figures.fixedFloor))
    console.log(row(`warm, embedded at ${offered} req/s`, figures.fixedEmbedded))
    console.log(row(`warm, redis at ${offered} req/s`, figures.fixedRedis))
    if (modelAlone) console.log(`${'text model alone, cold'.padEnd(34)} ${''.padStart(7)} ${modelAlone.toFixed(0).padStart(8)}   (in process: featurise + one session.run per ${BATCH}, one thread)`)
    console.log(`${'obscenity RegExpMatcher peer'.padEnd(34)} ${''.padStart(7)} ${peer.toFixed(0).padStart(8)}   (in process: 50 whole-word terms, English transformers, caption + on-screen text, one thread)`)

    const ratio = (a: number, b: number) => (a / b).toFixed(2)
    console.log(`\nwarm / floor (req/s): embedded ${ratio(figures.embedded.reqPerSec, figures.floor.reqPerSec)}, redis ${ratio(figures.redis.reqPerSec, figures.floor.reqPerSec)} (target ≥ 0.7)`)
    console.log(`warm / empty-decisions floor: embedded ${ratio(figures.embedded.reqPerSec, figures.emptyFloor.reqPerSec)}, redis ${ratio(figures.redis.reqPerSec, figures.emptyFloor.reqPerSec)}`)
    if (figures.coldEmbedded && figures.coldRedis) {
      console.log(`cold items/s / obscenity peer: embedded ${ratio(figures.coldEmbedded.itemsPerSec, peer)}, redis ${ratio(figures.coldRedis.itemsPerSec, peer)} (target ≥ 1)`)
      console.log(`cold items/s, text threads / text model on the event loop (TEXT_THREADS=0): ${ratio(figures.coldEmbedded.itemsPerSec, figures.coldInline!.itemsPerSec)}`)
    }
    console.log(
      `p99 at ${offered} req/s offered (${(FIXED_RATE * 100).toFixed(0)}% of the floor's max) / floor's p99: embedded ${ratio(figures.fixedEmbedded.p99, figures.fixedFloor.p99)}, redis ${ratio(figures.fixedRedis.p99, figures.fixedFloor.p99)} (target ≤ 2)`
    )
    console.log('floor: parses the request and answers the decisions feedguard gave for it (same bytes, ids echoed); empty-decisions floor: one allow with no reasons or scores per item')
    const failed = [figures.embedded, figures.redis, figures.coldEmbedded, figures.coldRedis, figures.fixedEmbedded, figures.fixedRedis].some(
      (f) => f !== undefined && f.errors + f.non2xx > 0
    )
    if (failed) process.exitCode = 1
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)))
    await redis.stop()
  }
}

/**
 * `npm run bench -- --workers[=N]`: scaling with WORKERS. The service as `npm start` runs it, on a real Redis,
 * with 1 and then N processes (default: this machine's CPUs), alternating rounds: warm and cold req/s and
 * p99 at batch 50, and the ratio of N to 1. The load generator shares the machine: on few cores it takes
 * CPU the workers would use.
 */
async function workersScaling(n: number) {
  const bench = user()
  const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(BATCH) })
  const coldBodies = coldBodiesOf(bench.userId, BATCH)
  const redis = await redisForBench()
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `fgbench:${process.pid}:`, OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0', OVERLOAD_MAX_IN_FLIGHT: '0' }
  const counts = [1, n]
  const servers: BenchServer[] = []
  try {
    for (const count of counts) servers.push(await startWorkers(count, env))
    await storeRules(servers[0]!.url, bench)
    for (const server of servers) {
      await load(server.url, body)
      await load(server.url, body, { fresh: coldBodies })
    }
    const warm = counts.map(() => [] as Figures[])
    const cold = counts.map(() => [] as Figures[])
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, server] of servers.entries()) {
        warm[i]!.push(await load(server.url, body))
        cold[i]!.push(await load(server.url, body, { fresh: coldBodies }))
      }
    }
    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    console.log(`dist/src/server.js on Redis ${redis.url}, batch ${BATCH}, autocannon ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S}s per target (median, then min–max)\n`)
    console.log(`${'target'.padEnd(34)} ${'req/s'.padStart(7)} ${'items/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)}   spread`)
    counts.forEach((count, i) => {
      console.log(row(`warm, redis, WORKERS=${count}`, summarise(warm[i]!)))
      console.log(row(`cold, redis, WORKERS=${count}`, summarise(cold[i]!)))
    })
    const ratio = (figures: Figures[][]) => (summarise(figures[1]!).reqPerSec / summarise(figures[0]!).reqPerSec).toFixed(2)
    console.log(`\nWORKERS=${n} / WORKERS=1 (req/s): warm ${ratio(warm)}, cold ${ratio(cold)}`)
  } finally {
    await Promise.all(servers.map((server) => stop(server.child)))
    await redis.stop()
  }
}

// `npm run bench -- --cluster`: the same request against processes sharing one Redis node and a Redis Cluster (bench/cluster.ts).
const workersOption = process.argv.find((arg) => arg === '--workers' || arg.startsWith('--workers='))
if (process.argv.includes('--cluster')) await import('./cluster.js')
else if (workersOption) await workersScaling(Number(workersOption.split('=')[1] ?? os.availableParallelism()))
else await main()
