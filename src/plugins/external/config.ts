import fp from 'fastify-plugin'
import type { Config } from '../../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The environment, parsed once at start-up (src/config.ts). */
    config: Config
  }
}

/** The configuration as a decorator, so that every plugin maps its own part of it (and declares it depends on it). */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorate('config', config)
  },
  { name: 'config', fastify: '5.x' }
)
