/**
 * Loaded before every test file (.taprc `node-arg`). A test process should exit once its tests and teardowns
 * are done; one that stays alive is holding something it never closed (a socket, a child process, a
 * timer), and tap would only kill it at its timeout, minutes later, saying nothing of why. Here, a process
 * still alive LINGER_MS after its last test ended prints what keeps it alive and exits with failure.
 * Only on a test file's main thread: worker threads, which start with the same node arguments, are left alone.
 */
import { isMainThread } from 'node:worker_threads'

const LINGER_MS = 10_000

interface Handle {
  constructor?: { name?: string }
  localPort?: number
  remoteAddress?: string
  remotePort?: number
  spawnfile?: string
  pid?: number
}

function describe(handle: Handle): string {
  const type = handle.constructor?.name ?? typeof handle
  if (type === 'Socket' && handle.remotePort !== undefined) return `Socket ${handle.localPort} → ${handle.remoteAddress}:${handle.remotePort}`
  if (type === 'ChildProcess') return `ChildProcess ${handle.spawnfile} (pid ${handle.pid})`
  if (type === 'Server' && 'address' in handle) return `Server ${JSON.stringify((handle as { address(): unknown }).address())}`
  return type
}

if (isMainThread && /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const { default: t } = await import('tap')
  // Without a teardown of its own the root test ends only when the process is about to exit, which a leak
  // prevents: so the clock also starts whenever the root has no test left to run once one has ended, and the
  // report is made if it still has none LINGER_MS later.
  let timer: NodeJS.Timeout | undefined
  let complete = false
  let ended = false
  const watch = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (complete || t.idle) report()
    }, LINGER_MS).unref()
  }
  t.on('subtestEnd', () => (ended = true))
  t.on('idle', () => ended && watch())
  t.once('complete', () => {
    complete = true
    watch()
  })
}

function report(): void {
  const handles = (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles()
  const own = new Set<unknown>([process.stdin, process.stdout, process.stderr])
  const held = handles.filter((handle) => !own.has(handle)).map(describe)
  // worker threads show in neither list: the service's own count them (the same module as the test's)
  // (a report without that count rather than none, should the module not load)
  const threads = import('../../src/thread-pool.js').then(({ threadsRunning }) => String(threadsRunning()), () => 'unknown')
  void threads.then((count) => {
    process.stderr.write(
      `${process.argv[1]} is still running ${LINGER_MS / 1000} s after its tests ended; what keeps it alive:\n` +
        `  resources: ${process.getActiveResourcesInfo().join(', ')}\n` +
        `  model threads not ended: ${count}\n` +
        held.map((line) => `  ${line}\n`).join('')
    )
    process.exit(1)
  })
}
