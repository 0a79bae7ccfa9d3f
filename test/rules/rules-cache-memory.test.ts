import t from 'tap'
import { spawn } from 'node:child_process'
import { withoutCoverage } from '../helpers/node-args.js'

// Far more maximum-size users than fit: unbounded in bytes, their compiled rules (~2 MB each) exhaust a 256 MB
// heap within about a hundred users; bounded (RULES_CACHE_MAX_BYTES = 64 MB) the process levels off and lives.
const USERS = 300
const HEAP_MB = 256
const RSS_BOUND_MB = 600

// 300 compilations of maximum-size rules: about a minute on a quiet machine, several under CPU contention.
t.setTimeout(600_000)

t.test(`${USERS} users with 200 keywords of 100 characters: alive, RSS levelling off under ${RSS_BOUND_MB} MB`, async (t) => {
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', 'test/fixtures/memory/fill-rules-cache.ts', String(USERS)], {
    // tsx, not the test runner's loader (whose TypeScript compiler would count in the RSS measured), and no
    // coverage collection: a child transpiled by tsx would spoil the merged coverage (see helpers/node-args.ts).
    env: withoutCoverage(process.env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (err += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 0, `the process lived (${err.slice(-300)})`)
  const samples = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { users: number; rssMb: number })
  t.equal(samples.length, USERS / 50)
  const peak = Math.max(...samples.map((sample) => sample.rssMb))
  t.ok(peak < RSS_BOUND_MB, `peak RSS ${peak.toFixed(0)} MB`)
  // levelling off: the second half of the users adds little to what the first half reached
  const half = samples[samples.length / 2 - 1]!.rssMb
  const last = samples.at(-1)!.rssMb
  t.ok(last - half < 100, `RSS ${half.toFixed(0)} MB at ${USERS / 2} users, ${last.toFixed(0)} MB at ${USERS}`)
})
