import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Hex, type Scope } from '../../src/auth/keys.js'

export interface TestKey {
  id: string
  secret: string
  scopes: Scope[]
}

type Tap = { teardown(fn: () => unknown): void }

export const newKey = (id: string, scopes: Scope[]): TestKey => ({ id, secret: `fg_${randomBytes(24).toString('base64url')}`, scopes })

export const keysFileText = (keys: TestKey[]) =>
  JSON.stringify({ keys: keys.map(({ id, secret, scopes }) => ({ id, sha256: sha256Hex(secret), scopes })) })

/** A keys file in a fresh directory (removed when the test ends); `write` replaces its contents. */
export function keysFile(t: Tap, keys: TestKey[]) {
  const dir = mkdtempSync(join(tmpdir(), 'fg-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'keys.json')
  const write = (text: string) => writeFileSync(path, text)
  write(keysFileText(keys))
  return { path, write }
}

export const bearer = (key: TestKey) => ({ authorization: `Bearer ${key.secret}` })
