/**
 * `node --import tsx bench/cache-memory.ts [checkout…]`: the resident memory of the built service
 * (bench/app-server.ts of each checkout, default this one; embedded store, default cache settings) idle after
 * start-up, at its peak while its score cache fills with MEMORY_ITEMS (default 220,000) distinct items, 500 a
 * request and 4 requests at once, and after MEMORY_SETTLE_SECONDS (default 10) idle, read from /proc (Linux).
 * With several checkouts, each is measured in turn, so that a change to what the cache keeps can be read.
 * MEMORY_URL and MEMORY_PID measure a service that is already running instead (the container, as
 * deploy/kubernetes/base/deployment.yaml's figures were: its process id as this host sees it, e.g.
 * `podman inspect --format '{{.State.Pid}}'`; started with AUTH_DISABLED=true and overload shedding off:
 * OVERLOAD_DEGRADE_LOOP_DELAY_MS=0, OVERLOAD_SHED_LOOP_DELAY_MS=0).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { items, user } from './fixtures.js'
import { appServerOf, startServer, stop, storeRules } from './servers.js'

const checkouts = process.argv.length > 2 ? process.argv.slice(2).map((path) => resolve(path)) : [resolve(new URL('..', import.meta.url).pathname)]
const total = Number(process.env.MEMORY_ITEMS ?? 220_000)
const settleSeconds = Number(process.env.MEMORY_SETTLE_SECONDS ?? 10)
const BATCH = 500
const AT_ONCE = 4

/** A /proc/<pid>/status field in MB: VmRSS (resident now), VmHWM (resident at its peak). */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`))
  return Number(line!.split(/\s+/)[1]) / 1024
}

/** Fills the score cache of the service at `url` (process `pid`) and prints its resident memory on the way. */
async function measure(label: string, url: string, pid: number): Promise<void> {
  const bench = user()
  await storeRules(url, bench)
  const idle = statusMb(pid, 'VmRSS')
  const started = performance.now()
  let next = 0
  const send = async (): Promise<void> => {
    for (let request = next++; request * BATCH < total; request = next++) {
      const body = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(BATCH, 5000 + request, `m${request}`) })
      const res = await fetch(`${url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      if (!res.ok) throw new Error(`score failed: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: AT_ONCE }, send))
  const seconds = (performance.now() - started) / 1000
  const peak = statusMb(pid, 'VmHWM')
  await new Promise((done) => setTimeout(done, settleSeconds * 1000))
  const settled = statusMb(pid, 'VmRSS')
  console.log(
    `${label}: RSS idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB while scoring ${total} new items (${seconds.toFixed(0)} s), ` +
      `${settled.toFixed(0)} MB after ${settleSeconds} s idle`
  )
}

if (process.env.MEMORY_URL) {
  const pid = Number(process.env.MEMORY_PID)
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('MEMORY_URL needs MEMORY_PID: the process id of the service at that URL, as this host sees it')
  await measure(process.env.MEMORY_URL, process.env.MEMORY_URL, pid)
} else {
  for (const checkout of checkouts) {
    // measuring memory, not overload: the service must not shed the filling requests
    const server = await startServer(appServerOf(checkout), { OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' })
    try {
      await measure(checkout, server.url, server.child.pid!)
    } finally {
      await stop(server.child)
    }
  }
}
