import { mkdtempSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MANIFEST_FILE, sha256, type ManifestEntry } from '../../src/classifiers/manifest.js'

/** A new models directory under `root` with this manifest (a string is written as is; undefined: none) and these files. */
export function dirWith(root: string, manifest: unknown, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(root, 'dir-'))
  if (manifest !== undefined) writeFileSync(join(dir, MANIFEST_FILE), typeof manifest === 'string' ? manifest : JSON.stringify(manifest))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

/** A manifest entry for a file holding `content`. */
export const entryFor = (file: string, content: string, extra: Partial<ManifestEntry> = {}): ManifestEntry => ({
  name: 'toy',
  version: '1.0.0',
  file,
  sha256: sha256(Buffer.from(content)),
  kind: 'text',
  categories: ['spam'],
  featuriser: 'toy-1',
  ...extra
})
