import fp from 'fastify-plugin'

export interface ReadinessCheck {
  /** Whether `/v1/score` can answer as far as this check goes. */
  ok: boolean
  /** Answers are given but degraded (a dependency is down and scoring falls back). */
  degraded?: boolean
  detail?: string
}

export type ReadinessStatus = 'ready' | 'degraded' | 'not_ready' | 'shutting_down'

export interface Readiness {
  ready: boolean
  status: ReadinessStatus
  checks: Record<string, ReadinessCheck>
}

/** What `GET /readyz` answers: every check a plugin added, run in the order they were added. */
export interface ReadinessChecks {
  /**
   * Adds a named check. A check fails (`ok: false`, 503) only when scoring cannot answer at all; a
   * dependency scoring can do without is `ok` and `degraded`. A check that throws fails, with its message.
   */
  add(name: string, check: () => ReadinessCheck | Promise<ReadinessCheck>): void
  run(): Promise<Readiness>
  /** Shutdown has begun (the `shutdown` signal): not ready, and answers ask clients to close their connections. */
  readonly shuttingDown: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: ReadinessChecks
  }
}

export interface ReadinessPluginOptions {
  /** Aborted when shutdown begins (the server's SIGTERM handler). */
  shutdown?: AbortSignal | undefined
}

export default fp<ReadinessPluginOptions>(
  async (app, options) => {
    const checks: Array<[string, () => ReadinessCheck | Promise<ReadinessCheck>]> = []
    let shuttingDown = options.shutdown?.aborted === true
    options.shutdown?.addEventListener('abort', () => (shuttingDown = true), { once: true })
    app.decorate('readiness', {
      add(name, check) {
        checks.push([name, check])
      },
      async run() {
        const results: Record<string, ReadinessCheck> = {}
        if (shuttingDown) results.shutdown = { ok: false, detail: 'shutting down: requests are still served until the listener closes' }
        for (const [name, check] of checks) {
          try {
            results[name] = await check()
          } catch (err) {
            results[name] = { ok: false, detail: (err as Error).message }
          }
        }
        const all = Object.values(results)
        const ready = all.every((check) => check.ok)
        const status: ReadinessStatus = shuttingDown ? 'shutting_down' : !ready ? 'not_ready' : all.some((check) => check.degraded) ? 'degraded' : 'ready'
        return { ready, status, checks: results }
      },
      get shuttingDown() {
        return shuttingDown
      }
    } satisfies ReadinessChecks)
    // While shutting down, keep-alive clients are told to reconnect (elsewhere) after each answer, so
    // that no connection is left idle to be cut when the listener closes.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (shuttingDown) reply.header('connection', 'close')
      done(null, payload)
    })
  },
  { name: 'readiness', fastify: '5.x' }
)
