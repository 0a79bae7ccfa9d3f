import t from 'tap'
import { freePort, redisUrl, testPrefix } from './helpers/redis.js'
import { spawnServer } from './helpers/server-process.js'

interface LogLine {
  pid: number
  msg: string
  req?: { url: string }
}

/** The server in cluster mode on a free port, its JSON log lines read as they come. */
async function startWorkers(t: Tap, env: Record<string, string>) {
  const port = await freePort()
  const server = spawnServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    REDIS_URL: await redisUrl(t),
    REDIS_CLUSTER_NODES: '',
    REDIS_KEY_PREFIX: testPrefix(),
    SHUTDOWN_DELAY_MS: '300',
    OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0',
    OVERLOAD_SHED_LOOP_DELAY_MS: '0',
    ...env
  })
  t.teardown(() => server.child.kill('SIGKILL'))
  const lines = (): LogLine[] =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
  return { ...server, port, lines }
}
type Tap = import('tap').Test

// each test starts the service's processes, which on a loaded machine takes a minute or more
t.setTimeout(900_000)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('WORKERS=2: two processes answer on one port, one that dies is replaced, SIGTERM drains them all and the primary exits 0', async (t) => {
  const run = await startWorkers(t, { WORKERS: '2' })
  const listening = () => new Set(run.lines().filter((line) => line.msg.startsWith('Server listening')).map((line) => line.pid))
  while (listening().size < 2) {
    if (run.child.exitCode !== null) throw new Error(`the primary exited before both workers listened (${run.output()})`)
    await sleep(200)
  }
  const workers = listening()
  t.notOk(workers.has(run.child.pid!), 'the primary serves nothing itself')

  // 404s are logged with the pid of the process that answered: connections go to the workers in turn
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`http://127.0.0.1:${run.port}/no-such-route-${i}`, { headers: { connection: 'close' } })
    t.equal(res.status, 404)
    t.equal(((await res.json()) as { code: string }).code, 'FG_NOT_FOUND')
  }
  const scored = await fetch(`http://127.0.0.1:${run.port}/v1/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'u1', surface: 'for_you', items: [{ id: 'a', text: 'Sunday pancakes with the family' }] })
  })
  t.equal(scored.status, 200, 'a worker scores with its own model sessions')
  await sleep(300)
  const answered = new Set(run.lines().filter((line) => line.msg === 'incoming request' && line.req?.url.startsWith('/no-such-route')).map((line) => line.pid))
  t.same([...answered].sort(), [...workers].sort(), 'both workers answered')

  // whichever worker a scrape reaches, /metrics counts every worker's requests
  for (let scrape = 0; scrape < 2; scrape++) {
    const metrics = await fetch(`http://127.0.0.1:${run.port}/metrics`, { headers: { connection: 'close' } })
    t.equal(metrics.status, 200)
    const body = await metrics.text()
    t.match(body, /^http_request_duration_seconds_count\{route="unmatched",method="GET",status_class="4xx"\} 8$/m, 'the 404s of both workers')
    t.match(body, /^feedguard_score_answers_total\{degraded="false"\} 1$/m)
    t.match(body, /^feedguard_redis_connected\{connection="commands"\} 1$/m, 'connected: every worker is')
  }

  // a worker that dies while serving is replaced
  process.kill([...workers][0]!, 'SIGKILL')
  while (listening().size < 3) {
    if (run.child.exitCode !== null) throw new Error(`the primary exited before a new worker listened (${run.output()})`)
    await sleep(200)
  }
  t.ok(run.lines().some((line) => line.msg === 'worker died: starting another'))
  const serving = [...listening()].filter((pid) => pid !== [...workers][0])

  run.child.kill('SIGTERM')
  await sleep(50)
  run.child.kill('SIGTERM') // a second one changes nothing: the workers are draining already
  const { code, signal } = await run.exited
  t.equal(code, 0, `the primary exits 0 (${run.output().slice(-2000)})`)
  t.equal(signal, null)
  const complete = new Set(run.lines().filter((line) => line.msg === 'shutdown complete').map((line) => line.pid))
  t.same([...complete].sort(), serving.sort(), 'every worker drained and closed')
})

t.test('WORKERS=2: workers that cannot start stop the primary, which exits with their code', async (t) => {
  const run = await startWorkers(t, { WORKERS: '2', POLICY_FILE: '/nonexistent/policy.json' })
  const { code } = await run.exited
  t.equal(code, 1, run.output().slice(-2000))
  t.ok(run.lines().some((line) => line.msg === 'worker failed to start: stopping'))

  // a keys file that cannot be read is a configuration problem: 2, from the workers as from one process
  const keys = await startWorkers(t, { WORKERS: '2', AUTH_KEYS_FILE: '/nonexistent/keys.json' })
  const { code: keysCode } = await keys.exited
  t.equal(keysCode, 2, keys.output().slice(-2000))
})

t.test('WORKERS=2: a SIGTERM while the workers still load stops them, and the primary exits 0', async (t) => {
  const run = await startWorkers(t, { WORKERS: '2' })
  while (!run.lines().some((line) => line.msg === 'starting the workers')) {
    if (run.child.exitCode !== null) throw new Error(`the primary exited before starting the workers (${run.output()})`)
    await sleep(20)
  }
  run.child.kill('SIGTERM')
  const { code } = await run.exited
  t.equal(code, 0, run.output().slice(-2000))
  t.notOk(
    run.lines().some((line) => line.msg.startsWith('Server listening')),
    'stopped before listening'
  )
})

t.test('WORKERS=2: a scrape fails with 503 FG_METRICS_UNAVAILABLE while a worker cannot answer, never with a partial sum', async (t) => {
  const run = await startWorkers(t, { WORKERS: '2' })
  const listening = () => [...new Set(run.lines().filter((line) => line.msg.startsWith('Server listening')).map((line) => line.pid))]
  while (listening().length < 2) {
    if (run.child.exitCode !== null) throw new Error(`the primary exited before both workers listened (${run.output()})`)
    await sleep(200)
  }
  const [stopped] = listening()
  const resume = () => {
    try {
      process.kill(stopped!, 'SIGCONT')
    } catch {
      // exited already, with the primary
    }
  }
  process.kill(stopped!, 'SIGSTOP')
  t.teardown(resume)
  // connections go to the workers in turn: of two, one reaches the worker still running
  const answers = await Promise.all(
    [0, 1].map((index) =>
      fetch(`http://127.0.0.1:${run.port}/metrics?scrape=${index}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(15_000) }).then(
        async (res) => ({ status: res.status, body: (await res.json()) as { code: string } }),
        () => null
      )
    )
  )
  const answered = answers.filter((answer) => answer !== null)
  t.equal(answered.length, 1, 'the stopped worker answers nothing')
  t.same(answered[0], { status: 503, body: { ...answered[0]!.body, code: 'FG_METRICS_UNAVAILABLE' } })
  resume()
  const metrics = await fetch(`http://127.0.0.1:${run.port}/metrics`, { headers: { connection: 'close' } })
  t.equal(metrics.status, 200, 'once it answers again, scrapes do')
})
