import { readFile } from 'node:fs/promises'
import { unwatchFile, watchFile } from 'node:fs'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { allows, bearerSecret, parseKeysFile, requiredScope, sha256Hex, type KeyRing, type Scope } from '../../auth/keys.js'
import { ConfigError } from '../../config.js'
import { forbidden, unauthenticated } from '../../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs to call this route (src/auth/keys.ts). Under /v1 a route without one is for `admin` keys only. */
    scope?: Scope
    /** Open to anyone, keys configured or not (health, metrics, docs). */
    public?: boolean
  }
  interface FastifyInstance {
    auth: Access
  }
}

export interface Access {
  /** Whether keys are required (AUTH_KEYS_FILE is set). */
  readonly enabled: boolean
  /** Keys currently accepted. */
  readonly keyCount: number
  /** Re-reads the keys file; a file that cannot be read or parsed keeps the current keys (and is logged). */
  reload(): Promise<boolean>
}

/**
 * API keys with scopes. An onRequest hook (before any body is read) checks the bearer secret against
 * the keys file and the scope the route declares in `config.scope`: 401 FG_UNAUTHENTICATED without a
 * known key, 403 FG_FORBIDDEN without the scope. Each request's log lines carry the key id. The file is
 * re-read on SIGHUP and when it changes, so keys rotate without a restart.
 */
export default fp(
  async (app) => {
    const { AUTH_KEYS_FILE: file, AUTH_KEYS_CHECK_MS: checkMs } = app.config
    if (file === undefined) {
      app.log.warn('AUTH_KEYS_FILE is not set: every route is open to anyone who can reach the service')
      app.decorate('auth', { enabled: false, keyCount: 0, reload: async () => false })
      return
    }

    let ring: KeyRing
    // The digest of the file's text, so that a change of its modification time alone does not count as a reload.
    let loaded: string
    try {
      const text = await readFile(file, 'utf8')
      ring = parseKeysFile(text)
      loaded = sha256Hex(text)
    } catch (err) {
      throw new ConfigError([`AUTH_KEYS_FILE: ${file}: ${(err as Error).message}`])
    }
    app.log.info({ file, keys: ring.size }, 'API keys loaded')

    let reloading: Promise<boolean> | undefined
    const reload = () => {
      reloading ??= (async () => {
        try {
          const text = await readFile(file, 'utf8')
          const digest = sha256Hex(text)
          if (digest === loaded) return true
          ring = parseKeysFile(text)
          loaded = digest
          app.log.info({ file, keys: ring.size }, 'API keys reloaded')
          return true
        } catch (err) {
          app.log.error({ file, reason: (err as Error).message }, 'API keys file refused: the previous keys stay in use')
          return false
        }
      })().finally(() => {
        reloading = undefined
      })
      return reloading
    }

    // Polling the path (not watching an inode) follows the atomic symlink swap a Kubernetes Secret update makes.
    const onChange = () => void reload()
    watchFile(file, { interval: checkMs, persistent: false }, onChange)
    const onHangup = () => {
      app.log.info({ file }, 'SIGHUP: re-reading the API keys file')
      void reload()
    }
    process.on('SIGHUP', onHangup)
    app.addHook('onClose', async () => {
      unwatchFile(file, onChange)
      process.off('SIGHUP', onHangup)
    })

    app.decorate('auth', {
      enabled: true,
      get keyCount() {
        return ring.size
      },
      reload
    })

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const route = request.routeOptions
      const scope = requiredScope(route.config, route.url ?? request.url.split('?')[0]!)
      if (scope === undefined) return

      const secret = bearerSecret(request.headers.authorization)
      const key = secret === undefined ? undefined : ring.authenticate(secret)
      if (key === undefined) {
        reply.header('www-authenticate', secret === undefined ? 'Bearer realm="feedguard"' : 'Bearer realm="feedguard", error="invalid_token"')
        throw unauthenticated(secret === undefined ? 'an API key is required: Authorization: Bearer <secret>' : 'unknown API key')
      }
      request.log = reply.log = request.log.child({ keyId: key.id })

      // A path no route matches answers 404 (or 405) to any known key.
      if (route.url !== undefined && !allows(key, scope)) throw forbidden(scope)
    })
  },
  { name: 'auth', dependencies: ['config'], fastify: '5.x' }
)
