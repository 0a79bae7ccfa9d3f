import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

type Tap = { teardown(fn: () => unknown): void }

/** A key prefix no other test (or user) owns. */
export const testPrefix = () => `fgtest:${randomBytes(4).toString('hex')}:`

export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  server.close()
  await once(server, 'close')
  return port
}

export interface ThrowawayRedis {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/** A redis-server of the test's own on a free port, for tests that stop or pause it. */
export async function startRedis(port?: number): Promise<ThrowawayRedis> {
  const listenPort = port ?? (await freePort())
  const child = spawn('redis-server', ['--port', String(listenPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'], {
    stdio: 'ignore'
  })
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`)))
  })
  const url = `redis://127.0.0.1:${listenPort}`
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
  probe.on('error', () => {})
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      await Promise.race([probe.connect(), failed])
      await probe.ping()
      break
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) throw err
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  probe.disconnect()
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await once(child, 'exit')
      }
    }
  }
}

let shared: Promise<string> | undefined

/**
 * The Redis the suite runs against: REDIS_URL when set, otherwise a throwaway redis-server started
 * for this test process. Fails with a clear message when neither is possible.
 */
export function redisUrl(t: Tap): Promise<string> {
  if (process.env.REDIS_URL) return Promise.resolve(process.env.REDIS_URL)
  shared ??= startRedis().then(
    (server) => {
      // Lives as long as this test process, without keeping it alive.
      server.process.unref()
      process.once('exit', () => server.process.kill('SIGKILL'))
      return server.url
    },
    (err: Error) => {
      throw new Error(`tests need Redis: set REDIS_URL or install redis-server (${err.message})`)
    }
  )
  void t
  return shared
}

/** A Redis connection for a test, with every key under `prefix` deleted when the test ends. */
export async function redisClient(t: Tap, prefix: string): Promise<Redis> {
  const redis = new Redis(await redisUrl(t))
  t.teardown(async () => {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
    redis.disconnect()
  })
  return redis
}
