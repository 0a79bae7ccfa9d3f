import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { MANIFEST_FILE, readManifest, sha256, type ManifestEntry } from '../../src/classifiers/manifest.js'
import { upsertManifestEntry } from '../../scripts/model-manifest.js'

const root = mkdtempSync(join(tmpdir(), 'fg-manifest-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
let n = 0

function dirWith(manifest: unknown, files: Record<string, string> = {}): string {
  const dir = join(root, `dir-${n++}`)
  mkdirSync(dir, { recursive: true })
  if (manifest !== undefined) writeFileSync(join(dir, MANIFEST_FILE), typeof manifest === 'string' ? manifest : JSON.stringify(manifest))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const entryFor = (file: string, content: string, extra: Partial<ManifestEntry> = {}): ManifestEntry => ({
  name: 'toy',
  version: '1.0.0',
  file,
  sha256: sha256(Buffer.from(content)),
  kind: 'text',
  categories: ['spam'],
  featuriser: 'toy-1',
  ...extra
})

t.test('upsertManifestEntry adds, replaces by name, keeps the others, creates the file', async (t) => {
  const dir = dirWith(undefined, { 'a.bin': 'a', 'b.bin': 'b' })
  await upsertManifestEntry(dir, entryFor('a.bin', 'a'))
  await upsertManifestEntry(dir, entryFor('b.bin', 'b', { name: 'other', kind: 'image', categories: ['sexual'] }))
  await upsertManifestEntry(dir, entryFor('b.bin', 'b', { version: '2.0.0' }))
  const manifest = await readManifest(dir)
  t.same(
    manifest.models.map((m) => `${m.name}@${m.version}:${m.file}`),
    ['toy@2.0.0:b.bin', 'other@1.0.0:b.bin']
  )
  t.equal((await readManifest(dir)).models.length, 2)
  // a broken manifest is reported, not overwritten
  await t.rejects(upsertManifestEntry(dirWith('{ broken'), entryFor('a.bin', 'a')), { problem: 'invalid-manifest', message: /not valid JSON/ })
})
