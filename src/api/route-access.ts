/** What a route asks of the caller's API key: a scope, or nothing (`public`). */
export const SCOPES = ['score', 'rules:read', 'rules:write', 'feedback', 'moderate', 'banks', 'insights', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope
    public?: boolean
  }
}
