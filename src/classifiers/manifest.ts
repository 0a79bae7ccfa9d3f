import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { FeedguardError } from '../errors.js'
import { CATEGORIES } from '../policy/vocabulary.js'

/**
 * `models/manifest.json`: the models the service loads, each with the sha256 of its file. The service
 * verifies every checksum at start-up, so a truncated, swapped or missing model is a start-up error
 * naming the file, never a model that silently scores wrong.
 */

const ManifestEntrySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    version: z.string().min(1),
    /** Path relative to the models directory. */
    file: z
      .string()
      .min(1)
      .refine((file) => !file.startsWith('/') && !file.split(/[\\/]/).includes('..'), 'must be a path inside the models directory'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** What the model reads: `text`, `image`. */
    kind: z.string().min(1),
    categories: z.array(z.enum(CATEGORIES)).min(1),
    /** Identifies the input preparation (featuriser, preprocessing) the model was built for. */
    featuriser: z.string().min(1)
  })
  .strict()

export const ManifestSchema = z.object({ models: z.array(ManifestEntrySchema) }).strict()

export type ManifestEntry = z.infer<typeof ManifestEntrySchema>
export type Manifest = z.infer<typeof ManifestSchema>

/** A manifest entry whose file was read and matched its checksum. */
export interface LoadedModel extends ManifestEntry {
  /** `<name>@<version>`. */
  id: string
  /** Absolute path of the file. */
  path: string
  /** The verified file contents (hand these to the runtime rather than reading the file again). */
  bytes: Uint8Array
}

export type ModelProblem = 'missing' | 'unreadable' | 'corrupt' | 'invalid-manifest'

/** A model (or the manifest itself) that cannot be loaded: the service must not become ready. */
export class ModelLoadError extends FeedguardError {
  constructor(
    readonly file: string,
    readonly problem: ModelProblem,
    message: string
  ) {
    super('FG_MODEL_UNAVAILABLE', 503, message)
    this.name = 'ModelLoadError'
  }
}

export const MANIFEST_FILE = 'manifest.json'

// file system and JSON errors are always Error instances
const describe = (err: unknown) => (err as Error).message

/** Reads and validates the manifest without touching the model files. */
export async function readManifest(modelsDir: string): Promise<Manifest> {
  const path = join(modelsDir, MANIFEST_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
    throw new ModelLoadError(path, missing ? 'missing' : 'unreadable', `model manifest ${path} ${missing ? 'is missing' : `cannot be read: ${describe(err)}`}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ModelLoadError(path, 'invalid-manifest', `model manifest ${path} is not valid JSON: ${describe(err)}`)
  }
  const parsed = ManifestSchema.safeParse(json)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    throw new ModelLoadError(path, 'invalid-manifest', `model manifest ${path} is invalid: ${problems.join('; ')}`)
  }
  const seen = new Set<string>()
  for (const entry of parsed.data.models) {
    if (seen.has(entry.name)) throw new ModelLoadError(path, 'invalid-manifest', `model manifest ${path} lists "${entry.name}" twice`)
    seen.add(entry.name)
  }
  return parsed.data
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Reads one model file and checks it against its manifest entry. */
export async function loadModel(modelsDir: string, entry: ManifestEntry): Promise<LoadedModel> {
  const path = join(modelsDir, entry.file)
  const id = `${entry.name}@${entry.version}`
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT'
    throw new ModelLoadError(
      path,
      missing ? 'missing' : 'unreadable',
      `model ${id}: file ${path} ${missing ? 'is missing' : `cannot be read: ${describe(err)}`}`
    )
  }
  const actual = sha256(bytes)
  if (actual !== entry.sha256) {
    throw new ModelLoadError(
      path,
      'corrupt',
      `model ${id}: file ${path} is corrupt or not the listed version (sha256 ${actual}, manifest says ${entry.sha256}; ${bytes.length} bytes)`
    )
  }
  return { ...entry, id, path, bytes }
}
