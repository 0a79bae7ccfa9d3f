import { once } from 'node:events'
import { createServer, type ServerResponse } from 'node:http'

type Tap = { teardown(fn: () => unknown): void }

export interface ImageHost {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** Serves `bytes` at `path` with `type`; `held` answers only once `release(path)` is called. */
  serve(path: string, bytes: Buffer | string, options?: { type?: string; status?: number; held?: boolean; location?: string }): string
  release(path: string): void
  /** Requests received per path. */
  hits(path: string): number
}

/** A local image host on 127.0.0.1 whose answers the test controls: content, type, status, and when. */
export async function imageHost(t: Tap): Promise<ImageHost> {
  const routes = new Map<string, { bytes: Buffer | string; type: string; status: number; held: boolean; location?: string | undefined }>()
  const waiting = new Map<string, ServerResponse[]>()
  const released = new Set<string>()
  const counts = new Map<string, number>()
  const answer = (path: string, res: ServerResponse) => {
    const route = routes.get(path)
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      return res.end('not found')
    }
    res.writeHead(route.status, { 'content-type': route.type, ...(route.location ? { location: route.location } : {}) })
    res.end(route.bytes)
  }
  const server = createServer((req, res) => {
    const path = req.url ?? '/'
    counts.set(path, (counts.get(path) ?? 0) + 1)
    if (routes.get(path)?.held && !released.has(path)) {
      waiting.set(path, [...(waiting.get(path) ?? []), res])
      return
    }
    answer(path, res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return {
    origin,
    serve(path, bytes, options = {}) {
      routes.set(path, { bytes, type: options.type ?? 'image/png', status: options.status ?? 200, held: options.held ?? false, location: options.location })
      return `${origin}${path}`
    },
    release(path) {
      released.add(path)
      for (const res of waiting.get(path) ?? []) answer(path, res)
      waiting.delete(path)
    },
    hits: (path) => counts.get(path) ?? 0
  }
}

/** Waits until `check` holds, polling every few milliseconds, for at most `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
