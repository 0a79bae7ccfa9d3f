import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

/**
 * The console's static files (CONSOLE_DIR, built with the service). They need no key: the page asks for
 * one and sends it with its API calls.
 */
export const consoleRoutes: FastifyPluginAsync = async (app) => {
  const { config } = app
  if (!config.CONSOLE_ENABLED) return
  const root = resolve(config.CONSOLE_DIR)
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ dir: root }, 'console not served: its files are not built (npm run build)')
    return
  }
  // Every route of this context (the static plugin's) is public.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
  // One route per built file (globbed at start-up), and the folder itself for index.html.
  await app.register(fastifyStatic, { root, prefix: '/console/', index: 'index.html', wildcard: false })
}
