import closeWithGrace from 'close-with-grace'
import Fastify from 'fastify'
import app, { fastifyOptions } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { lowerOtherThreadsPriority } from './thread-priority.js'

async function main() {
  let config: Config
  try {
    config = loadConfig()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(2)
  }
  const server = Fastify(fastifyOptions(config))
  try {
    await server.register(app, { config })
  } catch (err) {
    // A setting that was well-formed but unusable (an API keys file that cannot be read): still a configuration error.
    if (!(err instanceof ConfigError)) throw err
    server.log.fatal(err.message)
    process.exit(2)
  }

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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
