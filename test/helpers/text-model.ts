import { fileURLToPath } from 'node:url'
import { loadModel, readManifest, type LoadedModel } from '../../src/classifiers/manifest.js'

export const modelsDir = fileURLToPath(new URL('../../models/', import.meta.url))
export const textModelPath = fileURLToPath(new URL('../../models/text/feedguard-text.onnx', import.meta.url))
export const metricsPath = fileURLToPath(new URL('../../models/text/metrics.json', import.meta.url))

/** Texts the parity test scores: varied scripts, lengths, evasions, empty-ish input. */
export const PARITY_TEXTS = [
  'you are an idiot',
  'Y0U ARE AN 1D10T!!!',
  'Thanks for the recipe, my kids loved it ❤️',
  'I will find you and hurt you',
  'Check out my channel and subscribe for a free giveaway http://example.com',
  'Du bist so ein Idiot, halt die Klappe',
  "T'es vraiment nul, ferme-la",
  'هذا تعليق عادي جدا',
  '今日はいい天気ですね #散歩',
  '#SpoilerAlert the ending was amazing',
  'a',
  'x'.repeat(3000),
  'word '.repeat(400)
]

/** Every model the manifest in `dir` lists, each read and checked against its checksum: the first problem throws. */
export async function verifiedModels(dir: string): Promise<LoadedModel[]> {
  const loaded: LoadedModel[] = []
  for (const entry of (await readManifest(dir)).models) loaded.push(await loadModel(dir, entry))
  return loaded
}
