/**
 * `node --import tsx bench/profile-warm.ts [embedded|redis] [cold]`: a CPU profile of the built service
 * (bench/app-server.ts, as `npm run bench` runs it) under the benchmark's warm load at batch 50 (or its cold
 * load), and the functions with the most self time. The profile (.cpuprofile, for Chrome's DevTools) is
 * written under PROFILE_DIR (default: the system's temporary directory).
 * PROFILE_SECONDS: how long the load runs (default 10). Run `npm run build` first.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { coldBodies, scoreLoad } from './cold-requests.js'
import { items, user } from './fixtures.js'
import { storeRules } from './servers.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const store = process.argv[2] ?? 'embedded'
const cold = process.argv[3] === 'cold'
const seconds = Number(process.env.PROFILE_SECONDS ?? 10)
const dir = process.env.PROFILE_DIR ?? (await mkdtemp(join(tmpdir(), 'fg-profile-')))

const redis = store === 'redis' ? await (await import('../scripts/redis-servers.js')).startRedis() : undefined
// the profile is written when the process exits: on SIGTERM it exits normally
const exitOnTerm = 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))'
const child = fork(new URL('./app-server.ts', import.meta.url), [], {
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', '--import', exitOnTerm],
  env: {
    ...process.env,
    OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0',
    OVERLOAD_SHED_LOOP_DELAY_MS: '0',
    ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `fgprofile:${process.pid}:` } : {})
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc']
})
try {
  const [message] = (await once(child, 'message')) as [{ port: number }]
  const url = `http://127.0.0.1:${message.port}`
  const bench = user()
  await storeRules(url, bench)
  const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(50) })
  const result = await scoreLoad(url, body, seconds, cold ? coldBodies(bench.userId) : undefined)
  console.log(`${store}${cold ? ' cold' : ' warm'}: ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, errors ${result.errors + result.non2xx}`)
} finally {
  child.kill('SIGTERM')
  await once(child, 'exit')
  await redis?.stop()
}

const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'))
if (!file) throw new Error(`no profile written in ${dir}`)
const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile
const selfTime = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) selfTime.set(profile.samples[i]!, (selfTime.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0))
const byFunction = new Map<string, number>()
let total = 0
let idle = 0
for (const node of profile.nodes) {
  const time = selfTime.get(node.id) ?? 0
  const { functionName, url: source, lineNumber } = node.callFrame
  if (functionName === '(idle)') idle += time
  total += time
  const where = source.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^node:/, '')
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
  byFunction.set(key, (byFunction.get(key) ?? 0) + time)
}
const busy = total - idle
console.log(`profile ${join(dir, file)}: ${(total / 1e6).toFixed(1)} s sampled, ${((busy / total) * 100).toFixed(0)}% busy; self time, share of busy:`)
for (const [key, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 45))) {
  if (key.startsWith('(idle)')) continue
  console.log(`${((time / busy) * 100).toFixed(1).padStart(5)}%  ${key}`)
}
