import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { typescriptNodeArgs } from './node-args.js'

/** The service (src/server.ts) run as its own process, as an orchestrator runs it. */
export interface ServerProcess {
  child: ChildProcess
  /** Everything it wrote so far, stdout and stderr. */
  output: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the service with the suite's environment and `env` over it, gathering what it writes as it comes. */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [...typescriptNodeArgs(), 'src/server.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))
  return { child, output: () => output, exited }
}
