/**
 * Makes a new API key: `npm run keys:new -- --id recommender --scopes score,rules:read`.
 * Prints the secret (for the caller: it is stored nowhere) and the entry to add to AUTH_KEYS_FILE's
 * "keys" array (its sha256 digest, not the secret). Bad arguments: exit code 2.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { KeyIdSchema, ScopeSchema, SCOPES, sha256Hex } from '../src/auth/keys.js'

const USAGE = `usage: npm run keys:new -- --id NAME --scopes SCOPE[,SCOPE...]\nscopes: ${SCOPES.join(', ')}`

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`)
  process.exit(2)
}

let values: { id?: string; scopes?: string }
try {
  ;({ values } = parseArgs({ options: { id: { type: 'string' }, scopes: { type: 'string' } }, strict: true }))
} catch (err) {
  fail((err as Error).message)
}

const id = KeyIdSchema.safeParse(values.id ?? '')
if (!id.success) fail(`--id: ${values.id === undefined ? 'required' : id.error.issues[0]!.message}`)
const names = (values.scopes ?? '').split(',').map((scope) => scope.trim()).filter(Boolean)
if (names.length === 0) fail('--scopes: at least one scope')
const unknown = names.filter((scope) => !ScopeSchema.safeParse(scope).success)
if (unknown.length > 0) fail(`--scopes: unknown scope ${unknown.join(', ')}`)

// 32 random bytes: a secret no one guesses; the prefix makes it recognisable to secret scanners.
const secret = `fg_${randomBytes(32).toString('base64url')}`
const entry = { id: id.data, sha256: sha256Hex(secret), scopes: [...new Set(names)] }
console.log(`secret: ${secret}`)
console.log(`entry:  ${JSON.stringify(entry)}`)
