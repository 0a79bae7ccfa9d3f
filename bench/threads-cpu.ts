/**
 * `node --import tsx bench/threads-cpu.ts [checkout] [warm|cold]`: the CPU time each thread of the built service
 * (bench/app-server.ts of `checkout`, default this one) spends per /v1/score request at batch 50 under the
 * benchmark's load (8 connections, THREADS_SECONDS, default 8), read from /proc (Linux): the event loop against
 * the text thread, the libuv pool and V8's helpers, so that the thread that bounds throughput is known, which a
 * sampling profile cannot say on a busy machine (its samples count waiting for a core as running).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { coldBodies, scoreLoad } from './cold-requests.js'
import { items, user } from './fixtures.js'
import { appServerOf, startServer, stop, storeRules } from './servers.js'

const checkout = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname)
const cold = process.argv[3] === 'cold'
const seconds = Number(process.env.THREADS_SECONDS ?? 8)
/** /proc's unit of CPU time: clock ticks (USER_HZ), 100 per second on Linux. */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system) of each thread of `pid`, by thread name. */
function threadTimes(pid: number): Map<string, number> {
  const times = new Map<string, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    } catch {
      continue // ended meanwhile
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
    const key = tid === String(pid) ? 'event loop' : name
    times.set(key, (times.get(key) ?? 0) + cpu)
  }
  return times
}

const server = await startServer(appServerOf(checkout), { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' })
try {
  const bench = user()
  await storeRules(server.url, bench)
  const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(50) })
  const coldRequests = cold ? coldBodies(bench.userId) : undefined
  const run = (duration: number) => scoreLoad(server.url, body, duration, coldRequests)
  await run(2)
  const pid = server.child.pid!
  const before = threadTimes(pid)
  const result = await run(seconds)
  const after = threadTimes(pid)
  const requests = result.requests.total
  console.log(`${checkout} ${cold ? 'cold' : 'warm'}: ${result.requests.average.toFixed(0)} req/s, ${requests} requests, errors ${result.errors + result.non2xx}`)
  const rows = [...after].map(([name, cpu]) => [name, cpu - (before.get(name) ?? 0)] as const).filter(([, cpu]) => cpu > 0)
  for (const [name, cpu] of rows.sort((a, b) => b[1] - a[1])) {
    console.log(`  ${name.padEnd(16)} ${((cpu / seconds) * 100).toFixed(0).padStart(4)}% of a core, ${((cpu / requests) * 1e6).toFixed(0).padStart(6)} µs per request`)
  }
} finally {
  await stop(server.child)
}
