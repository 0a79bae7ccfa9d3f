/** feedguard itself for the benchmark, configured from the environment like the real server. */
import Fastify from 'fastify'
import app, { fastifyOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1' })
const server = Fastify(fastifyOptions(config))
await server.register(app, { config })
await server.listen({ port: 0, host: '127.0.0.1' })
process.send?.({ port: (server.server.address() as { port: number }).port })
