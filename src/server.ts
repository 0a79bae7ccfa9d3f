// First: before anything loads onnxruntime.
import './onnxruntime-env.js'
import cluster from 'node:cluster'
import { setTimeout } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import { pino } from 'pino'
import app, { fastifyOptions } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { loggerOptions } from './logging.js'
import { closeEveryThread } from './thread-pool.js'
import { lowerOtherThreadsPriority } from './thread-priority.js'
import { runPrimary } from './workers.js'

/** How long in-flight requests and the plugins' closing may take once the listener is closed. */
const DRAIN_MS = 10_000

async function main() {
  const config = loadConfig()
  // WORKERS > 1: this process only starts and stops the workers, which run this file again as cluster workers
  if (config.WORKERS > 1 && cluster.isPrimary) {
    return runPrimary({ workers: config.WORKERS, drainMs: config.SHUTDOWN_DELAY_MS + DRAIN_MS + 5000, log: pino(loggerOptions(config.LOG_LEVEL)) })
  }
  const server = Fastify(fastifyOptions(config))
  const shutdown = new AbortController()
  await server.register(app, { config, shutdown: shutdown.signal })

  // SIGTERM: readiness turns 503 at once and requests are still served for SHUTDOWN_DELAY_MS, so that
  // load balancers stop sending; then the listener closes, in-flight requests finish and every plugin
  // closes (Redis, image threads). Past the delay plus DRAIN_MS the process is stopped (exit 1).
  closeWithGrace({ delay: config.SHUTDOWN_DELAY_MS + DRAIN_MS }, async ({ signal, err }) => {
    const started = performance.now()
    shutdown.abort()
    // An uncaught exception or unhandled rejection: the tests induce none in the real server.
    /* c8 ignore next */
    if (err) server.log.error({ err }, 'shutting down after an error')
    else {
      server.log.info({ signal, delayMs: config.SHUTDOWN_DELAY_MS }, 'shutting down: not ready, still serving until the delay ends')
      await setTimeout(config.SHUTDOWN_DELAY_MS)
    }
    server.log.info('closing the listener; in-flight requests finish')
    await server.close()
    server.log.info({ ms: Math.round(performance.now() - started) }, 'shutdown complete')
  })

  await server.listen({ port: config.PORT, host: config.HOST })
  // Started: the threads that do background work exist now, and those started later inherit their priority.
  const lowered = lowerOtherThreadsPriority(config.BACKGROUND_THREAD_NICE)
  server.log.info({ threads: lowered, nice: config.BACKGROUND_THREAD_NICE }, 'background threads yield to the event loop')
}

/**
 * An invalid configuration exits 2 with every problem, as does a setting that is well-formed but unusable
 * (an API keys file that cannot be read). Any other start-up failure exits 1 with the reason, once the
 * model threads have ended (a model still loading first finishes): exiting while onnxruntime creates a
 * session on one would abort the process instead (134).
 */
main().catch(async (err: unknown) => {
  // A JSON line like every other, though the service's own logger may not exist yet.
  const log = pino(loggerOptions('info'))
  if (err instanceof ConfigError) {
    log.fatal({ problems: err.problems }, err.message)
    process.exit(2)
  }
  log.fatal(`start-up failed: ${startupFailure(err)}`)
  await closeEveryThread(60_000)
  process.exit(1)
})

function startupFailure(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string }
  if (code === 'AVV_ERR_PLUGIN_EXEC_TIMEOUT' || code === 'AVV_ERR_READY_TIMEOUT') {
    const step = /'([^']+)'/.exec(String(message))?.[1]
    return `${step} did not finish within STARTUP_TIMEOUT_MS; raise it on a slow or busy machine`
  }
  // Something thrown that is not an Error: nothing in start-up does that.
  /* c8 ignore next */
  return String(message ?? err)
}
