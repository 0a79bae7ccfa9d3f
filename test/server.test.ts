/**
 * The server as its own process, as an orchestrator runs it: it starts on a busy machine, stops cleanly on
 * SIGTERM, and a start-up that fails exits with the documented code and says why — never an abort.
 */
import { spawn } from 'node:child_process'
import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { freePort } from './helpers/redis.js'
import { spawnServer, type ServerProcess } from './helpers/server-process.js'

// Starting the real models several times on a loaded machine takes minutes.
t.setTimeout(900_000)

interface Run extends ServerProcess {
  port: number
}

async function startServer(env: Record<string, string> = {}): Promise<Run> {
  const port = await freePort()
  return { port, ...spawnServer({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', REDIS_URL: '', ...env }) }
}

/** Resolves true once /readyz answers 200, false if the process exits first. */
async function ready(run: Run): Promise<boolean> {
  let exited = false
  void run.exited.then(() => (exited = true))
  while (!exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${run.port}/readyz`)
      if (res.status === 200) return true
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return false
}

t.test('starts while every core is busy, then stops cleanly on SIGTERM', async (t) => {
  const busy = Array.from({ length: 4 }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }))
  t.teardown(() => busy.forEach((child) => child.kill('SIGKILL')))
  const run = await startServer()
  t.teardown(() => run.child.kill('SIGKILL'))
  const started = Date.now()
  t.equal(await ready(run), true, `ready (${run.output()})`)
  t.comment(`ready after ${Date.now() - started} ms with 4 busy processes`)
  run.child.kill('SIGTERM')
  t.same(await run.exited, { code: 0, signal: null }, 'exit 0 on SIGTERM')
})

t.test('a start-up step over STARTUP_TIMEOUT_MS exits 1 with the reason, never an abort', async (t) => {
  // Timeouts around the models' loading time: the timeout fires while onnxruntime creates a session.
  for (const ms of ['500', '1500', '3000']) {
    const run = await startServer({ STARTUP_TIMEOUT_MS: ms })
    t.teardown(() => run.child.kill('SIGKILL'))
    const isReady = await ready(run)
    if (isReady) {
      // This machine loaded the models within the timeout: a clean stop is all there is to check.
      run.child.kill('SIGTERM')
      t.same(await run.exited, { code: 0, signal: null }, `${ms} ms: started and stopped`)
      continue
    }
    const { code, signal } = await run.exited
    t.same({ code, signal }, { code: 1, signal: null }, `${ms} ms: exit 1, not 134 (${run.output()})`)
    t.match(run.output(), /start-up failed: \S+ did not finish within STARTUP_TIMEOUT_MS; raise it on a slow or busy machine/)
    t.notMatch(run.output(), /terminate called|Napi::Error/)
  }
})

t.test('an unusable policy exits 1, an invalid setting 2, both saying why', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fg-badstart-'))
  const policy = join(dir, 'policy.json')
  await writeFile(policy, '{ not json')
  const broken = await startServer({ POLICY_FILE: policy })
  t.equal((await broken.exited).code, 1)
  t.match(broken.output(), /"level":60,.*"msg":"start-up failed: .*policy/)

  const invalid = await startServer({ STARTUP_TIMEOUT_MS: 'soon' })
  t.equal((await invalid.exited).code, 2)
  t.match(invalid.output(), /STARTUP_TIMEOUT_MS/)
})

t.test('a port in use exits 1', async (t) => {
  // No models (unready, but listening) keeps it quick.
  const noModels = { MODELS_DIR: join(tmpdir(), 'fg-no-models'), POLICY_FILE: 'models/policy.json' }
  const first = await startServer(noModels)
  t.teardown(() => first.child.kill('SIGKILL'))
  for (;;) {
    const answer = await fetch(`http://127.0.0.1:${first.port}/healthz`).catch(() => undefined)
    if (answer?.status === 200) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const second = await startServer({ ...noModels, PORT: String(first.port) })
  t.equal((await second.exited).code, 1)
  t.match(second.output(), /start-up failed: .*EADDRINUSE/)
  first.child.kill('SIGTERM')
  t.equal((await first.exited).code, 0)
})
