/**
 * `npm run bench`: drives POST /v1/score with autocannon and prints req/s, items/s and latency for
 * feedguard and, in the same run, for the floor (a bare Fastify route that only parses the request).
 * Servers run in child processes so the load generator does not share their event loop.
 */
import os from 'node:os'
import autocannon from 'autocannon'
import { items, storeRules, user } from './fixtures.js'
import { answerWith, startServer, stop } from './servers.js'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)

interface Figures {
  reqPerSec: number
  itemsPerSec: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

/**
 * `body` is sent as is (every item seen before: the cached path), or, when `fresh` is set, every request
 * gets item ids never seen before, so nothing is cached (the cold path).
 */
async function load(url: string, body: string, batch: number, fresh = false): Promise<Figures> {
  let request = 0
  const result = await autocannon({
    url: `${url}/v1/score`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S,
    ...(fresh
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: body.replaceAll('"id":"item-', `"id":"r${request++}-`) }) }] }
      : {})
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
  const emptyFloor = await startServer('./floor-server.ts', { FLOOR_RESPONSE: 'empty' })
  const feedguard = await startServer('./app-server.ts')
  try {
    await storeRules(feedguard.url, bench)
    const check = (await (await fetch(`${feedguard.url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as {
      decisions: Array<{ action: string }>
    }
    const filtered = check.decisions.filter((d) => d.action !== 'allow').length
    // The floor answers the same decisions (ids echoed), so both send the same bytes back.
    await answerWith(floor, check.decisions)

    // Warm both servers (JIT, caches), then alternate rounds so drift affects both alike.
    await load(floor.url, body, BATCH)
    await load(emptyFloor.url, body, BATCH)
    await load(feedguard.url, body, BATCH)
    const floorRuns: Figures[] = []
    const emptyFloorRuns: Figures[] = []
    const appRuns: Figures[] = []
    for (let round = 0; round < ROUNDS; round++) {
      floorRuns.push(await load(floor.url, body, BATCH))
      emptyFloorRuns.push(await load(emptyFloor.url, body, BATCH))
      appRuns.push(await load(feedguard.url, body, BATCH))
    }
    const floorFigures = summarise(floorRuns)
    const emptyFloorFigures = summarise(emptyFloorRuns)
    const appFigures = summarise(appRuns)
    const models = (await (await fetch(`${feedguard.url}/readyz`)).json()) as { checks: { models: { detail?: string } } }
    const hasModels = !/none configured/.test(models.checks.models.detail ?? '')
    const coldFigures = hasModels ? summarise([await load(feedguard.url, body, BATCH, true)]) : undefined
    const modelAlone = hasModels ? await textModelAlone() : undefined

    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, node ${process.version}`)
    console.log(`scenarios: batch ${BATCH} items, user with ${bench.rules.keywords.length} keyword rules and ${bench.rules.authors.length} muted creators, embedded store, cached rules; ${filtered}/${BATCH} items filtered; "cold": every request's items unseen (no cached scores)`)
    console.log(`load: autocannon, ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION_S}s per target (median shown)\n`)
    console.log(`${'target'.padEnd(28)} ${'req/s'.padStart(8)} ${'items/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`)
    console.log(row('floor (parse + respond)', floorFigures))
    console.log(row('floor, empty decisions', emptyFloorFigures))
    console.log(row('feedguard /v1/score', appFigures))
    if (coldFigures) console.log(row('feedguard /v1/score, cold', coldFigures))
    if (modelAlone) console.log(`${'text model alone, cold'.padEnd(28)} ${''.padStart(8)} ${modelAlone.toFixed(0).padStart(10)}   (featurise + one session.run per ${BATCH}, one thread)`)
    console.log(`\nratio to the floor (req/s): ${(appFigures.reqPerSec / floorFigures.reqPerSec).toFixed(2)} (target ≥ 0.5)`)
    console.log(`ratio to the empty-decisions floor: ${(appFigures.reqPerSec / emptyFloorFigures.reqPerSec).toFixed(2)}`)
    console.log('floor: parses the request and answers the decisions feedguard gave for it (same bytes, ids echoed); empty-decisions floor: one allow with no reasons or scores per item')
    if (appFigures.errors + appFigures.non2xx > 0) process.exitCode = 1
  } finally {
    await Promise.all([stop(floor.child), stop(emptyFloor.child), stop(feedguard.child)])
  }
}

// `npm run bench -- --cluster`: the same request against processes sharing one Redis node and a Redis Cluster (bench/cluster.ts).
if (process.argv.includes('--cluster')) await import('./cluster.js')
else await main()
