import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { typescriptNodeArgs } from './helpers/node-args.js'

// No models to load (a missing manifest is reported, not fatal): these tests are about starting at all, in one
// process (WORKERS=1, whatever REDIS_URL the suite runs with: the workers' primary has server-workers.test.ts).
const emptyModels = mkdtempSync(join(tmpdir(), 'fg-no-models-'))
t.teardown(() => rmSync(emptyModels, { recursive: true, force: true }))

/** Runs the server (src/server.ts) with this environment until it exits or logs that it listens. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...typescriptNodeArgs(), 'src/server.ts'], {
      env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', MODELS_DIR: emptyModels, POLICY_FILE: 'models/policy.json', AUTH_KEYS_FILE: '', AUTH_DISABLED: '', WORKERS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    let stopping = false
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000)
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (!stopping && /Server listening/.test(output)) stopping = child.kill('SIGTERM')
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

t.test('production refuses to start without keys (exit 2) unless AUTH_DISABLED=true; every line it writes is JSON', async (t) => {
  const [refused, missing, open] = await Promise.all([
    runServer({ NODE_ENV: 'production' }),
    runServer({ NODE_ENV: 'production', AUTH_KEYS_FILE: '/nonexistent/keys.json' }),
    runServer({ NODE_ENV: 'production', AUTH_DISABLED: 'true' })
  ])
  t.equal(refused.code, 2)
  t.match(refused.output, /AUTH_KEYS_FILE: required when NODE_ENV=production/)

  t.equal(missing.code, 2)
  t.match(missing.output, /AUTH_KEYS_FILE: \/nonexistent\/keys\.json: ENOENT/)

  t.match(open.output, /AUTH_KEYS_FILE is not set: every route is open/)
  t.match(open.output, /Server listening/)
  t.equal(open.code, 0)

  // Every line on stdout and stderr is a JSON log line naming the service, refusals included.
  for (const { output } of [refused, missing, open]) {
    for (const line of output.split('\n').filter(Boolean)) t.match(JSON.parse(line), { service: { name: 'feedguard' } }, line.slice(0, 80))
  }
})
