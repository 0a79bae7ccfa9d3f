/** The benchmarks' servers (app-server.ts: feedguard; floor-server.ts: the floor), each in a process of its own. */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { user as benchUser } from './fixtures.js'

export interface BenchServer {
  child: ChildProcess
  url: string
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
