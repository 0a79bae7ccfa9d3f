/**
 * `npm run bench:images`: POST /v1/score when 10% of the items carry an image no cache knows, with the
 * image budget on. Images come from a local image host on 127.0.0.1 (allowlisted, private addresses
 * allowed for this benchmark only) or as `image.data`; every request's images are new, so each one is
 * fetched, decoded, hashed and classified. Prints latency against the budget and images/s.
 *
 * Each image is one of a few thumbnails made from the PDQ reference photos (test/fixtures/pdq), with a
 * unique JPEG comment: its bytes (and so its cache keys) are new while decoding it costs what the
 * thumbnail costs.
 */
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import sharp from 'sharp'
import { items, user } from './fixtures.js'
import { answerWith, startServer, stop, storeRules } from './servers.js'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 30)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
const IMAGE_SHARE = Number(process.env.BENCH_IMAGE_SHARE ?? 0.1)
const BUDGET_MS = Number(process.env.BENCH_IMAGE_BUDGET_MS ?? 25)
/** Requests per second over all connections (each with BATCH × IMAGE_SHARE new images). */
const RATE = Number(process.env.BENCH_RATE ?? 10)
const THUMB = { width: 270, height: 480 }
const photos = fileURLToPath(new URL('../test/fixtures/pdq/reg-test-input/labelme-subset/', import.meta.url))

/** A few 9:16 JPEG thumbnails cut from those photos. */
async function thumbnails(): Promise<Buffer[]> {
  return Promise.all(
    readdirSync(photos).map((file) =>
      sharp(readFileSync(join(photos, file))).resize(THUMB.width, THUMB.height, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer()
    )
  )
}

/** The same JPEG with a comment segment after its start marker: other bytes, the same pixels. */
function unique(jpeg: Buffer, n: number): Buffer {
  const text = Buffer.from(`feedguard bench image ${n}`)
  const segment = Buffer.alloc(4)
  segment.writeUInt16BE(0xfffe, 0)
  segment.writeUInt16BE(text.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)])
}

/** Serves `/t/<n>.jpg`: thumbnail n mod their count, made unique by n. Loopback only. */
async function imageHost(bases: Buffer[]): Promise<{ origin: string; served: () => number; close: () => void }> {
  let served = 0
  const server = createServer((req, res) => {
    const n = Number(/^\/t\/(\d+)\.jpg$/.exec(req.url ?? '')?.[1] ?? NaN)
    if (!Number.isInteger(n)) {
      res.writeHead(404)
      return res.end()
    }
    served++
    res.writeHead(200, { 'content-type': 'image/jpeg' })
    res.end(unique(bases[n % bases.length]!, n))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    served: () => served,
    close: () => {
      server.closeAllConnections()
      server.close()
    }
  }
}


interface Figures {
  reqPerSec: number
  /** Latency seen by the client (this process), ms. */
  p50: number
  p99: number
  max: number
  /** The service's own answer time (its Server-Timing header), ms; NaN when not read. */
  serverP50: number
  serverP99: number
  errors: number
  /** Images asked for, and those answered scored, pending, skipped. */
  images: number
  scored: number
  pending: number
  skipped: Record<string, number>
}

interface ScoreBody {
  decisions: Array<{ id: string; scores?: Record<string, number> }>
  meta: { pendingImages?: string[]; skippedImages?: Array<{ id: string; reason: string }> }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

/** Kept-alive connections for the timed requests: node:http costs the client less than fetch, so it adds less to what is timed. */
const agent = new Agent({ keepAlive: true })

function post(url: string, body: string): Promise<{ status: number; text: string; serverTiming: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), serverTiming: String(res.headers['server-timing'] ?? '') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Requests at a fixed rate for DURATION_S, each sent when due whatever the answers before it (open
 * loop), its latency timed here: autocannon's own timing is not the server's answer time when it
 * paces requests. `rate` 0: autocannon, as fast as the server answers.
 */
async function send(url: string, rate: number, body: () => string, onAnswer: (text: string) => void): Promise<Omit<Figures, 'images' | 'scored' | 'pending' | 'skipped'>> {
  if (rate === 0) {
    const result = await autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }), onResponse: (status: number, text: string) => status === 200 && onAnswer(text) }]
    })
    return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, serverP50: NaN, serverP99: NaN, errors: result.errors + result.timeouts + result.non2xx }
  }
  const latencies: number[] = []
  const serverTimes: number[] = []
  let errors = 0
  const sent: Array<Promise<void>> = []
  const started = performance.now()
  for (let i = 0; i < Math.round(rate * DURATION_S); i++) {
    const wait = started + (i * 1000) / rate - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const payload = body()
    sent.push(
      (async () => {
        const at = performance.now()
        try {
          const response = await post(url, payload)
          latencies.push(performance.now() - at)
          serverTimes.push(Number(/dur=([\d.]+)/.exec(response.serverTiming)?.[1] ?? NaN))
          if (response.status === 200) onAnswer(response.text)
          else errors++
        } catch {
          errors++
        }
      })()
    )
  }
  await Promise.all(sent)
  const sorted = latencies.sort((a, b) => a - b)
  const server = serverTimes.sort((a, b) => a - b)
  return {
    reqPerSec: sent.length / ((performance.now() - started) / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    serverP50: percentile(server, 50),
    serverP99: percentile(server, 99),
    errors
  }
}

/**
 * Load for DURATION_S at `rate` requests/s. `imageFor(n)` gives the n-th image of the run (a URL or
 * base64 data); the items at multiples of 1/IMAGE_SHARE carry one. `countImages` false: a server
 * that does not score images (the floor), whose answers say nothing about them.
 */
async function load(url: string, userId: string, imageFor: ((n: number) => { url: string } | { data: string }) | undefined, rate: number, countImages = true): Promise<Figures> {
  const base = items(BATCH)
  const every = Math.round(1 / IMAGE_SHARE)
  const perRequest = imageFor && countImages ? Math.ceil(BATCH / every) : 0
  let next = 0
  const counts = { images: 0, scored: 0, pending: 0, skipped: {} as Record<string, number> }
  const body = () => {
    const batch = base.map((item, i) => (imageFor && i % every === 0 ? { ...item, image: imageFor(next++) } : item))
    return JSON.stringify({ userId, surface: 'for_you', items: batch })
  }
  const figures = await send(`${url}/v1/score`, rate, body, (text) => {
    if (perRequest === 0) return
    const { meta } = JSON.parse(text) as ScoreBody
    const pending = meta.pendingImages?.length ?? 0
    const skipped = meta.skippedImages ?? []
    counts.images += perRequest
    counts.pending += pending
    counts.scored += perRequest - pending - skipped.length
    for (const { reason } of skipped) counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1
  })
  return { ...figures, ...counts }
}

/** feedguard's decisions for the benchmark's batch without images, for the floor to answer. */
async function textDecisions(url: string, userId: string): Promise<unknown[]> {
  const response = await fetch(`${url}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, surface: 'for_you', items: items(BATCH) })
  })
  return ((await response.json()) as ScoreBody).decisions
}

/** The images of a run scored by now, within the budget or in the background: asked again with budget 0 (caches only). */
async function scoredByNow<I extends { url: string } | { data: string }>(url: string, userId: string, images: I[]): Promise<I[]> {
  const scored: I[] = []
  // Within the body limit: thumbnails as data are tens of kilobytes each.
  const size = images[0] && 'data' in images[0] ? 40 : 500
  for (let start = 0; start < images.length; start += size) {
    const chunk = images.slice(start, start + size).map((image, i) => ({ id: `check-${start + i}`, image }))
    const response = await fetch(`${url}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, imageBudgetMs: 0, items: chunk })
    })
    const body = (await response.json()) as ScoreBody
    body.decisions.forEach((decision, i) => {
      if (decision.scores && 'sexual' in decision.scores) scored.push(images[start + i]!)
    })
  }
  return scored
}

const NAME_WIDTH = 46
const ms = (value: number) => (Number.isNaN(value) ? '—' : value.toFixed(1)).padStart(7)

function report(name: string, f: Figures, background?: number) {
  const line = `${name.padEnd(NAME_WIDTH)} ${f.reqPerSec.toFixed(0).padStart(6)} ${ms(f.p50)} ${ms(f.p99)} ${ms(f.max)} ${ms(f.serverP50)} ${ms(f.serverP99)} ${String(f.errors).padStart(6)}`
  if (f.images === 0) return console.log(line)
  const rate = (n: number) => (n / DURATION_S).toFixed(0).padStart(6)
  const skipped = Object.entries(f.skipped).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none'
  console.log(`${line}   images/s: asked ${rate(f.images)}, scored within budget ${rate(f.scored)} (${((100 * f.scored) / f.images).toFixed(0)}%), pending ${rate(f.pending)}, skipped: ${skipped}`)
  if (background !== undefined) console.log(`${''.padEnd(NAME_WIDTH)} ${''.padStart(52)}   scored by the end of the run, within budget or in the background: ${rate(background)} images/s`)
}

async function main() {
  const bench = user()
  const bases = await thumbnails()
  const host = await imageHost(bases)
  const server = await startServer('./app-server.ts', {
    IMAGE_ALLOWED_HOSTS: '127.0.0.1',
    IMAGE_ALLOW_HTTP: 'true',
    // This benchmark's image host is on loopback; never allow private addresses in production.
    IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true',
    IMAGE_BUDGET_MS: String(BUDGET_MS)
  })
  try {
    await storeRules(server.url, bench)

    const urls: Array<{ url: string }> = []
    const urlImage = (n: number) => (urls[n] = { url: `${host.origin}/t/${n}.jpg` })
    const datas: Array<{ data: string }> = []
    const dataImage = (n: number) => (datas[n] = { data: unique(bases[n % bases.length]!, 3_000_000 + n).toString('base64') })

    // Warm up (JIT, threads, the text path's caches) with images outside the measured runs.
    let warm = 2_000_000
    await load(server.url, bench.userId, () => ({ url: `${host.origin}/t/${warm++}.jpg` }), RATE)
    await new Promise((resolve) => setTimeout(resolve, 1000))

    // Baselines at the same rate, from the same client: a bare Fastify route answering the same bytes, at once
    // and after a timer as long as the image budget (what waiting the budget costs by itself), the latter
    // also sent the image.data scenario's requests (about 270 KB each).
    const decisions = await textDecisions(server.url, bench.userId)
    const floorAt = async (delayMs: number, imageFor?: (n: number) => { data: string }): Promise<Figures> => {
      const floor = await startServer('./floor-server.ts', { FLOOR_DELAY_MS: String(delayMs) })
      try {
        await answerWith(floor, decisions)
        return await load(floor.url, bench.userId, imageFor, RATE, false)
      } finally {
        await stop(floor.child)
      }
    }
    const floor = await floorAt(0)
    const floorWaiting = await floorAt(BUDGET_MS)
    const floorWaitingData = await floorAt(BUDGET_MS, (n) => ({ data: unique(bases[n % bases.length]!, 5_000_000 + n).toString('base64') }))

    const textOnly = await load(server.url, bench.userId, undefined, RATE)
    const byUrl = await load(server.url, bench.userId, urlImage, RATE)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const byUrlScored = await scoredByNow(server.url, bench.userId, urls.filter(Boolean))
    const byData = await load(server.url, bench.userId, dataImage, RATE)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const byDataScored = await scoredByNow(server.url, bench.userId, datas.filter(Boolean))
    const cached = byUrlScored.length > 0 ? await load(server.url, bench.userId, (n) => byUrlScored[n % byUrlScored.length]!, RATE) : undefined
    const saturated = await load(server.url, bench.userId, (n) => ({ url: `${host.origin}/t/${4_000_000 + n}.jpg` }), 0)
    const fetched = host.served()

    const cpu = os.cpus()
    console.log(`machine: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length} cores, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (1/5/15 min)`)
    console.log(
      `scenario: batch ${BATCH} items, ${Math.round(IMAGE_SHARE * 100)}% with an image (${THUMB.width}×${THUMB.height} JPEG, ${bases.length} photos made unique per image), image budget ${BUDGET_MS} ms, embedded store, cached rules`
    )
    console.log(`load: ${DURATION_S}s per scenario, ${RATE} requests/s sent on time (open loop), or "as fast as answered" with autocannon and ${CONNECTIONS} connections; image host on 127.0.0.1 (${fetched} images served)\n`)
    console.log(`${''.padEnd(NAME_WIDTH)} ${''.padStart(6)} ${'client (this process)'.padStart(23)} ${'server'.padStart(15)}`)
    console.log(`${'scenario'.padEnd(NAME_WIDTH)} ${'req/s'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)}`)
    report('floor: bare Fastify, same bytes', floor)
    report(`floor: waits ${BUDGET_MS} ms, then answers`, floorWaiting)
    report(`floor: waits ${BUDGET_MS} ms, image.data bodies`, floorWaitingData)
    report('feedguard: text only (no images)', textOnly)
    report('feedguard: 10% uncached, image.url', byUrl, byUrlScored.length)
    report('feedguard: 10% uncached, image.data', byData, byDataScored.length)
    if (cached) report('feedguard: 10% cached, image.url', cached)
    report('feedguard: 10% uncached, as fast as answered', saturated)
    const over = (p99: number) => `${p99.toFixed(1)} ms (budget ${p99 >= BUDGET_MS ? '+' : '−'} ${Math.abs(p99 - BUDGET_MS).toFixed(1)})`.padEnd(28)
    console.log(`\np99 with uncached images at ${RATE} requests/s, image budget ${BUDGET_MS} ms:        image.url                    image.data`)
    console.log(`  feedguard, at the client:                      ${over(byUrl.p99)} ${over(byData.p99)}`)
    console.log(`  feedguard, in the service (Server-Timing):     ${over(byUrl.serverP99)} ${over(byData.serverP99)}`)
    console.log(`  the floor waiting the budget, at the client:   ${over(floorWaiting.p99)} ${over(floorWaitingData.p99)}`)
    console.log(`  without images: feedguard ${textOnly.p99.toFixed(1)} ms at the client (${textOnly.serverP99.toFixed(1)} in the service); the floor ${floor.p99.toFixed(1)} ms`)
    console.log('client: this process, which also builds the requests and serves the images, on the same cores as the servers; server: the time from the request\'s arrival to its answer, as the service reports it (Server-Timing)')
    if (byUrl.errors + byData.errors + (cached?.errors ?? 0) + textOnly.errors > 0) process.exitCode = 1
  } finally {
    await stop(server.child)
    host.close()
    agent.destroy()
  }
}

await main()
