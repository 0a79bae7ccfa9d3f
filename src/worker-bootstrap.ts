/**
 * The code a worker thread is started with (`new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { entry } })`).
 * A worker's entry must be JavaScript at run time, while the service runs both compiled (dist/) and from its
 * TypeScript sources. Under tsx, whose hooks do not reach worker threads by themselves, the thread registers
 * them and imports the entry again.
 */
export const WORKER_BOOTSTRAP = `
const { workerData } = require('node:worker_threads')
import(workerData.entry).catch(async (err) => {
  if (!err || err.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err
  const { register } = await import('tsx/esm/api')
  register()
  // A failed import stays failed for its URL: import it under another.
  await import(workerData.entry + '?ts')
})
`

/** The URL of module `name` beside `moduleUrl` (a module's import.meta.url), with that module's own extension (.js compiled, .ts from the sources). */
export function siblingEntry(name: string, moduleUrl: string): string {
  return new URL(`./${name}${moduleUrl.slice(moduleUrl.lastIndexOf('.'))}`, moduleUrl).href
}
