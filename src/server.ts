import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app, { fastifyOptions } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { modelLoadsSettled } from './plugins/app/models.js'
import { lowerOtherThreadsPriority } from './thread-priority.js'

async function main() {
  const config = loadConfig()
  const server = Fastify(fastifyOptions(config))
  await server.register(app, { config })

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) server.log.error({ err }, 'shutting down after an error')
    else server.log.info({ signal }, 'shutting down')
    await server.close()
  })

  await server.listen({ port: config.PORT, host: config.HOST })
  // Started: the threads that do background work exist now, and those started later inherit their priority.
  const lowered = lowerOtherThreadsPriority(config.BACKGROUND_THREAD_NICE)
  server.log.info({ threads: lowered, nice: config.BACKGROUND_THREAD_NICE }, 'background threads yield to the event loop')
}

/**
 * An invalid configuration exits 2 with every problem, as does a setting that is well-formed but unusable
 * (an API keys file that cannot be read). Any other start-up failure exits 1 with the reason, and never
 * while a model is still loading: onnxruntime would abort the process instead (134).
 */
main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(2)
  }
  console.error(`start-up failed: ${startupFailure(err)}`)
  await modelLoadsSettled(60_000)
  process.exit(1)
})

function startupFailure(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string }
  if (code === 'AVV_ERR_PLUGIN_EXEC_TIMEOUT' || code === 'AVV_ERR_READY_TIMEOUT') {
    const step = /'([^']+)'/.exec(String(message))?.[1]
    return `${step} did not finish within STARTUP_TIMEOUT_MS; raise it on a slow or busy machine`
  }
  return String(message ?? err)
}
