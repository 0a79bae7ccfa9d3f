/** The benchmarks' servers (app-server.ts: feedguard; floor-server.ts: the floor), each in a process of its own. */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

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
