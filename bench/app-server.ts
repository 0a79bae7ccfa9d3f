/**
 * feedguard itself for the benchmark, configured from the environment like the real server and, like
 * it (src/server.ts), lowering its background threads' priority once started. It runs the compiled
 * build (`npm run build`, which `npm run bench` does first), as `npm start` does: the TypeScript
 * loader's helpers would otherwise be measured along with the service.
 */
import Fastify from 'fastify'

type AppModule = typeof import('../src/app.js')
type ConfigModule = typeof import('../src/config.js')
const { default: app, fastifyOptions } = (await import(new URL('../dist/src/app.js', import.meta.url).href)) as AppModule
const { loadConfig } = (await import(new URL('../dist/src/config.js', import.meta.url).href)) as ConfigModule

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', PORT: '0', HOST: '127.0.0.1' })
const server = Fastify(fastifyOptions(config))
await server.register(app, { config })
await server.listen({ port: 0, host: '127.0.0.1' })
const { lowerOtherThreadsPriority } = (await import(new URL('../dist/src/thread-priority.js', import.meta.url).href)) as typeof import('../src/thread-priority.js')
lowerOtherThreadsPriority(config.BACKGROUND_THREAD_NICE)
process.send?.({ port: (server.server.address() as { port: number }).port })
