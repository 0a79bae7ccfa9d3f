import { createHash, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'

/** What a key may do; `admin` opens everything. */
export const SCOPES = ['score', 'rules:read', 'rules:write', 'feedback', 'moderate', 'banks', 'insights', 'admin'] as const
export type Scope = (typeof SCOPES)[number]
export const ScopeSchema = z.enum(SCOPES)

/** Key ids appear in every log line of a request: short, and nothing a log parser would trip on. */
export const KeyIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64')

const KeyEntrySchema = z.strictObject({
  id: KeyIdSchema,
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'the hex sha256 digest of the secret (64 hex digits)'),
  scopes: z.array(ScopeSchema).min(1)
})

/** The keys file: `{"keys": [{"id", "sha256", "scopes"}]}`. Ids and digests are unique. */
export const KeysFileSchema = z
  .strictObject({ keys: z.array(KeyEntrySchema) })
  .superRefine(({ keys }, ctx) => {
    const ids = new Set<string>()
    const digests = new Set<string>()
    keys.forEach((key, index) => {
      if (ids.has(key.id)) ctx.addIssue({ code: 'custom', path: ['keys', index, 'id'], message: `duplicate key id ${key.id}` })
      const digest = key.sha256.toLowerCase()
      if (digests.has(digest)) ctx.addIssue({ code: 'custom', path: ['keys', index, 'sha256'], message: 'duplicate digest: two keys share a secret' })
      ids.add(key.id)
      digests.add(digest)
    })
  })

export interface ApiKey {
  id: string
  scopes: ReadonlySet<Scope>
}

export class KeysFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KeysFileError'
  }
}

export const sha256Hex = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex')

/**
 * The configured keys, found by the sha256 digest of a bearer secret. The file holds digests only, so
 * neither it nor this object can leak a secret; the digest found is compared again in constant time.
 */
export class KeyRing {
  private readonly byDigest = new Map<string, { digest: Buffer; key: ApiKey }>()

  constructor(entries: ReadonlyArray<{ id: string; sha256: string; scopes: readonly Scope[] }>) {
    for (const entry of entries) {
      const digest = entry.sha256.toLowerCase()
      this.byDigest.set(digest, { digest: Buffer.from(digest, 'hex'), key: { id: entry.id, scopes: new Set(entry.scopes) } })
    }
  }

  get size() {
    return this.byDigest.size
  }

  /** The key whose secret this is, if any. */
  authenticate(secret: string): ApiKey | undefined {
    const digest = createHash('sha256').update(secret, 'utf8').digest()
    const found = this.byDigest.get(digest.toString('hex'))
    return found && timingSafeEqual(found.digest, digest) ? found.key : undefined
  }
}

/**
 * The scope a route needs (undefined: open to anyone), from its declared options and its path. Under /v1
 * a route that declares no scope is for admin keys only: deny by default.
 */
export function requiredScope(route: { scope?: Scope; public?: boolean }, path: string): Scope | undefined {
  if (route.public) return undefined
  return route.scope ?? (path === '/v1' || path.startsWith('/v1/') ? 'admin' : undefined)
}

export const allows = (key: ApiKey, scope: Scope) => key.scopes.has('admin') || key.scopes.has(scope)

/** Parses a keys file's text; a KeysFileError says what is wrong (never quoting a digest). */
export function parseKeysFile(text: string): KeyRing {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new KeysFileError(`not JSON: ${(err as Error).message}`)
  }
  const parsed = KeysFileSchema.safeParse(json)
  if (!parsed.success) {
    throw new KeysFileError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; '))
  }
  return new KeyRing(parsed.data.keys)
}

/** The secret of an `Authorization: Bearer <secret>` header, if it is one. */
export function bearerSecret(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +([\x21-\x7e]+) *$/i.exec(header)
  return match?.[1]
}
