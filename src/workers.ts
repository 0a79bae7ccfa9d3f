/**
 * WORKERS > 1: the primary process of Node's cluster module. It serves nothing itself: it starts WORKERS
 * processes running the service (each with its own model sessions, threads and in-process caches; the
 * store they share is Redis) on the one port, whose connections the primary hands out in turn. SIGTERM
 * and SIGINT are passed on as SIGTERM, so every worker drains as a single process does, and the primary
 * exits once they all have: 0 when every one exited 0. SIGHUP (re-read the API keys) is passed on too.
 * A worker that dies while serving is replaced; one that fails before it listens stops them all, and the
 * primary exits with its code (2 for a configuration problem, else 1), as a single process' failed start-up would.
 * `GET /metrics`, whichever worker answers it, has every worker's figures: the primary gathers them.
 */
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { serveClusterMetrics } from './metrics/cluster-metrics.js'

export interface PrimaryOptions {
  workers: number
  /** How long the workers may take to drain after a SIGTERM before they are killed (exit 1). */
  drainMs: number
  log: Logger
}

export function runPrimary({ workers, drainMs, log }: PrimaryOptions): void {
  const listening = new Set<Worker>()
  let stopping = false
  /** The primary's exit code, from the first worker that failed to start or to drain (not one that died and was replaced). */
  let failed = 0

  const fork = () => {
    const worker = cluster.fork()
    worker.once('listening', () => listening.add(worker))
  }
  const stopAll = (signal: NodeJS.Signals) => {
    for (const worker of Object.values(cluster.workers!)) worker!.process.kill(signal)
  }
  const stop = () => {
    if (stopping) return
    stopping = true
    log.info({ workers: Object.keys(cluster.workers!).length }, 'stopping the workers: each drains, then exits')
    stopAll('SIGTERM')
    // A worker that outlasts its own drain limit (it exits 1 past it): no test can hold one that long.
    /* c8 ignore next 4 */
    setTimeout(() => {
      log.error({ drainMs }, 'workers still running after the drain time: killed')
      stopAll('SIGKILL')
    }, drainMs).unref()
  }

  cluster.on('exit', (worker, code, signal) => {
    const served = listening.delete(worker)
    if (!stopping && served) {
      log.error({ pid: worker.process.pid, code, signal }, 'worker died: starting another')
      return fork()
    }
    // stopped by the primary's own SIGTERM before it listened (still loading its models): a stop, not a failure
    const stoppedStarting = stopping && !served && signal === 'SIGTERM'
    // the first failure decides: 2 (a configuration problem, as a worker's start-up reports it) or 1
    if (code !== 0 && !stoppedStarting && failed === 0) failed = code === 2 ? 2 : 1
    if (!stopping) {
      // never listened: its start-up failed (and logged why); the others would fail alike
      log.fatal({ pid: worker.process.pid, code, signal }, 'worker failed to start: stopping')
      stop()
    }
    if (Object.keys(cluster.workers!).length === 0) process.exit(failed)
  })
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.on('SIGHUP', () => stopAll('SIGHUP'))
  serveClusterMetrics()
  log.info({ workers, pid: process.pid }, 'starting the workers')
  for (let i = 0; i < workers; i++) fork()
}
