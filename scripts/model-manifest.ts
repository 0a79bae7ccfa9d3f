/**
 * Writing `models/manifest.json`, for the offline tools that make models (train:text, convert:image).
 * The service only reads it (src/classifiers/manifest.ts).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MANIFEST_FILE, ModelLoadError, readManifest, type Manifest, type ManifestEntry } from '../src/classifiers/manifest.js'

/**
 * Adds or replaces (by name) one entry of the manifest, keeping the others as they are; creates the
 * manifest when there is none. Used by the training pipelines that write models.
 */
export async function upsertManifestEntry(modelsDir: string, entry: ManifestEntry): Promise<Manifest> {
  let manifest: Manifest = { models: [] }
  try {
    manifest = await readManifest(modelsDir)
  } catch (err) {
    if (!(err instanceof ModelLoadError && err.problem === 'missing')) throw err
  }
  const at = manifest.models.findIndex((m) => m.name === entry.name)
  if (at >= 0) manifest.models[at] = entry
  else manifest.models.push(entry)
  await writeFile(join(modelsDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}
