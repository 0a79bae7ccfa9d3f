import fp from 'fastify-plugin'

export interface ReadinessCheck {
  ok: boolean
  detail?: string
}

export interface Readiness {
  ready: boolean
  checks: Record<string, ReadinessCheck>
}

/** What `GET /readyz` answers: every check a plugin added, run in the order they were added. */
export interface ReadinessChecks {
  /** Adds a named check; a check that throws is reported as failing, with its message. */
  add(name: string, check: () => ReadinessCheck | Promise<ReadinessCheck>): void
  run(): Promise<Readiness>
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: ReadinessChecks
  }
}

export default fp(
  async (app) => {
    const checks: Array<[string, () => ReadinessCheck | Promise<ReadinessCheck>]> = []
    app.decorate('readiness', {
      add(name, check) {
        checks.push([name, check])
      },
      async run() {
        const results: Record<string, ReadinessCheck> = {}
        for (const [name, check] of checks) {
          try {
            results[name] = await check()
          } catch (err) {
            results[name] = { ok: false, detail: (err as Error).message }
          }
        }
        return { ready: Object.values(results).every((check) => check.ok), checks: results }
      }
    } satisfies ReadinessChecks)
  },
  { name: 'readiness', fastify: '5.x' }
)
