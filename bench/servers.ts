/** The benchmarks' servers (app-server.ts: feedguard; floor-server.ts: the floor), each in a process of its own. */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { user as benchUser } from './fixtures.js'

export interface BenchServer {
  child: ChildProcess
  url: string
}

/** bench/app-server.ts of another checkout (a path, relative or not), for startServer. */
export function appServerOf(checkout: string): string {
  return pathToFileURL(join(resolve(checkout), 'bench/app-server.ts')).href
}

/** Starts `script` (a path relative to bench/) with `env` added to this process's; resolves once it listens. */
export async function startServer(script: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const child = fork(new URL(script, import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const [message] = (await once(child, 'message')) as [{ port: number }]
  return { child, url: `http://127.0.0.1:${message.port}` }
}

export async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM')
  await once(child, 'exit')
}

/** Has the floor (floor-server.ts) answer `decisions`, feedguard's for the benchmark batch, from now on: the same bytes back. */
export async function answerWith(floor: BenchServer, decisions: unknown[]): Promise<void> {
  floor.child.send({ decisions })
  await once(floor.child, 'message')
}

/** Stores a benchmark user's rules through the service's API. */
export async function storeRules(url: string, bench: ReturnType<typeof benchUser>): Promise<void> {
  const put = await fetch(`${url}/v1/users/${bench.userId}/rules`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(bench.rules)
  })
  if (!put.ok) throw new Error(`could not store the benchmark user's rules: ${put.status} ${await put.text()}`)
}

/**
 * The service as `npm start` runs it (dist/src/server.js), with WORKERS=`workers` processes on one port;
 * resolves once /readyz answers 200 (every worker that answers it has its models).
 */
export async function startWorkers(workers: number, env: Record<string, string>): Promise<BenchServer> {
  const { freePort } = await import('../scripts/redis-servers.js')
  const port = await freePort()
  const child = fork(new URL('../dist/src/server.js', import.meta.url), [], {
    execArgv: [],
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1', WORKERS: String(workers) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited ${child.exitCode} before it was ready`)
    const ready = await fetch(`${url}/readyz`).then((res) => res.ok, () => false)
    if (ready) return { child, url }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
