import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

let built: Promise<unknown> | undefined

/** The console's files in dist/console, built once per test process (esbuild: a second or two). */
export function buildConsole(): Promise<unknown> {
  built ??= promisify(execFile)(process.execPath, ['scripts/build-console.mjs'])
  return built
}
