import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { freePort, startRedis, testPrefix } from './helpers/redis.js'
import { imageHost } from './helpers/image-host.js'
import { pdqImages } from './helpers/images.js'
import { spawnServer } from './helpers/server-process.js'

const SHUTDOWN_DELAY_MS = 1500
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Answer {
  status: number
  body: string
  at: number
}

/** One HTTP request; rejects on a connection error (which counts as a failed request). */
function send(port: number, method: string, path: string, agent: Agent | false, payload?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = payload === undefined ? undefined : JSON.stringify(payload)
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, body: text, at: performance.now() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Whether a new connection to the port is refused (the listener is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

t.test('SIGTERM with traffic in flight: /readyz 503 at once, no request fails, in-flight work finishes, exit 0', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const host = await imageHost(t)
  const imageUrl = host.serve('/held.jpg', readFileSync(join(pdqImages, 'reg-test-input/labelme-subset/q0122.jpg')), { type: 'image/jpeg', held: true })
  const port = await freePort()
  const { child, output, exited } = spawnServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
    REDIS_URL: redis.url,
    // one process: this is about one process' draining (test/server-workers.test.ts drains several)
    WORKERS: '1',
    REDIS_KEY_PREFIX: testPrefix(),
    SCORE_REDIS_BUDGET_MS: '1000',
    IMAGE_ALLOWED_HOSTS: '127.0.0.1',
    IMAGE_ALLOW_HTTP: 'true',
    IMAGE_ALLOW_PRIVATE_ADDRESSES: 'true',
    IMAGE_FETCH_TIMEOUT_MS: '20000',
    // This test is about draining, not overload: the suite runs files in parallel on two cores, where the event
    // loop of this child can lag past the shedding threshold and turn answers into 503 FG_OVERLOADED.
    OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0',
    OVERLOAD_SHED_LOOP_DELAY_MS: '0'
  })
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })

  // Models load first: wait for the service to be ready (generous: the machine may be loaded).
  for (const deadline = Date.now() + 180_000; ; await sleep(200)) {
    if (Date.now() > deadline) throw new Error(`not ready in time:\n${output()}`)
    const ready = await send(port, 'GET', '/readyz', false).catch(() => undefined)
    if (ready?.status === 200) break
  }

  // Steady traffic on keep-alive connections, as from a recommender behind a load balancer: it stops
  // sending new requests some time after readiness turned 503 (still within the delay), like a balancer would.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  t.teardown(() => agent.destroy())
  const answers: Answer[] = []
  const failures: string[] = []
  let sending = true
  const workers = Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; sending; i++) {
      const items = [{ id: `w${worker}-${i}`, text: 'a lovely walk by the sea' }]
      await send(port, 'POST', '/v1/score', agent, { userId: `u${worker}`, items }).then(
        (answer) => (answer.status === 200 ? answers.push(answer) : failures.push(`${answer.status} ${answer.body}`)),
        (err: Error) => failures.push(err.message)
      )
    }
  })
  await sleep(500)
  const beforeSignal = answers.length
  t.ok(beforeSignal > 0, `traffic flows (${beforeSignal} answers in 0.5 s)`)

  const signalledAt = performance.now()
  child.kill('SIGTERM')
  // A request already read before the process handles the signal is answered as before it: readiness is
  // checked from the moment the service says it is shutting down (its handler turns readiness off first).
  for (const deadline = Date.now() + 10_000; !output().includes('shutting down: not ready'); await sleep(5)) {
    if (Date.now() > deadline) throw new Error(`the service did not begin shutting down:\n${output()}`)
  }
  const readyz: number[] = []
  const polling = (async () => {
    while (performance.now() - signalledAt < SHUTDOWN_DELAY_MS - 300) {
      const answer = await send(port, 'GET', '/readyz', false).catch(() => undefined)
      if (answer) readyz.push(answer.status)
      await sleep(100)
    }
  })()

  // A request that is still being worked on when the listener closes: its image is held by the host.
  await sleep(SHUTDOWN_DELAY_MS - 500)
  sending = false
  const inFlight = send(port, 'POST', '/v1/score', false, { userId: 'late', imageBudgetMs: 5000, items: [{ id: 'img', image: { url: imageUrl } }] })
  await Promise.all([...workers, polling])
  for (const deadline = Date.now() + 10_000; !(await refused(port)); await sleep(50)) {
    if (Date.now() > deadline) throw new Error('the listener did not close')
  }
  const closedAt = performance.now()
  await sleep(200)
  host.release('/held.jpg')
  const late = await inFlight
  const { code, signal } = await exited

  t.same(failures, [], 'no request failed')
  const afterSignal = answers.filter((answer) => answer.at > signalledAt).length
  t.ok(afterSignal > 0, `requests were still served during the delay (${afterSignal} after SIGTERM, ${answers.length} in all)`)
  t.ok(readyz.length > 0 && readyz.every((status) => status === 503), `/readyz answered 503 throughout the delay (${readyz.join(', ')})`)
  t.ok(closedAt - signalledAt >= SHUTDOWN_DELAY_MS - 50, `the listener closed after the delay (${Math.round(closedAt - signalledAt)} ms)`)
  t.equal(late.status, 200, 'the request in flight when the listener closed was answered')
  t.ok(late.at > closedAt, 'after the listener had closed')
  t.equal(JSON.parse(late.body).decisions.length, 1)
  t.equal(code, 0, `exit code 0 (signal ${signal})`)
  t.match(output(), /"msg":"shutdown complete"/, 'a log line says when it is done')
  t.notMatch(output(), /"level":(50|60)/, 'no error logged')
})
