import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { readManifest } from '../../src/classifiers/manifest.js'
import { upsertManifestEntry } from '../../scripts/model-manifest.js'
import { dirWith, entryFor } from '../helpers/model-manifests.js'

const root = mkdtempSync(join(tmpdir(), 'fg-manifest-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))

t.test('upsertManifestEntry adds, replaces by name, keeps the others, creates the file', async (t) => {
  const dir = dirWith(root, undefined, { 'a.bin': 'a', 'b.bin': 'b' })
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
  await t.rejects(upsertManifestEntry(dirWith(root, '{ broken'), entryFor('a.bin', 'a')), { problem: 'invalid-manifest', message: /not valid JSON/ })
})
