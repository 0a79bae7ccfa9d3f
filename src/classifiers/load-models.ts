import { TextClassifier } from '../text/text-classifier.js'
import { loadModel, readManifest, type LoadedModel } from './manifest.js'
import type { Classifier } from './types.js'

export interface LoadedClassifiers {
  /** Text models, ready to score. */
  text: Classifier[]
  /** Verified model files of other kinds, for the components that serve them (e.g. images). */
  others: LoadedModel[]
  /** Every model that could not be loaded, and why: the service is not ready while any is listed. */
  problems: string[]
  release(): Promise<void>
}

export interface LoadOptions {
  textThreads: number
}

/**
 * Loads what `models/manifest.json` lists, verifying every file's checksum. A missing or corrupt
 * model does not stop the process: it is reported (log, /readyz 503, `degradedReasons`) so an
 * orchestrator keeps traffic away while the cause is plain to see.
 */
export async function loadClassifiers(modelsDir: string, options: LoadOptions): Promise<LoadedClassifiers> {
  const text: TextClassifier[] = []
  const others: LoadedModel[] = []
  const problems: string[] = []
  try {
    const manifest = await readManifest(modelsDir)
    for (const entry of manifest.models) {
      try {
        const model = await loadModel(modelsDir, entry)
        if (entry.kind === 'text') text.push(await TextClassifier.fromManifest(model, { intraOpNumThreads: options.textThreads }))
        else others.push(model)
      } catch (err) {
        problems.push((err as Error).message)
      }
    }
  } catch (err) {
    problems.push((err as Error).message)
  }
  return {
    text,
    others,
    problems,
    release: async () => {
      await Promise.all(text.map((model) => model.release()))
    }
  }
}
