import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { sha256 } from '../../src/classifiers/manifest.js'
import { TextClassifier } from '../../src/text/text-classifier.js'
import { upsertManifestEntry } from '../model-manifest.js'
import { renderModelCard } from './model-card.js'
import { exportOnnx, readOnnxWeights } from './onnx-export.js'
import type { TextMetrics } from './pipeline.js'

/**
 * Writes the shipped text model again with the current export (e.g. a new optional output), without
 * retraining: the same weights, read back from the file. Refuses unless the new file scores `texts`
 * bit for bit as the old one does. Updates the manifest entry, metrics.json's file facts and the card.
 */
export async function reexportTextModel(modelsDir: string, texts: readonly string[]): Promise<{ before: string; after: string }> {
  const metricsFile = join(modelsDir, 'text', 'metrics.json')
  const metrics = JSON.parse(await readFile(metricsFile, 'utf8')) as TextMetrics
  const file = join(modelsDir, metrics.model.file)
  const old = new Uint8Array(await readFile(file))
  const onnx = exportOnnx(readOnnxWeights(old), {
    name: metrics.model.name,
    version: metrics.model.version,
    featurizer: metrics.model.featuriser,
    heads: metrics.model.heads
  })
  const [before, after] = await Promise.all([scoreWith(old, texts), scoreWith(onnx, texts)])
  const differ = before.findIndex((value, i) => !Object.is(value, after[i]))
  if (differ >= 0) throw new Error(`re-exported model scores differently: value ${differ} was ${before[differ]}, is ${after[differ]}`)
  await writeFile(file, onnx)
  const { model } = metrics
  await upsertManifestEntry(modelsDir, {
    name: model.name,
    version: model.version,
    file: model.file,
    sha256: sha256(onnx),
    kind: 'text',
    categories: [...model.heads],
    featuriser: model.featuriser
  })
  metrics.model = { ...model, sha256: sha256(onnx), sizeBytes: onnx.length }
  await writeFile(metricsFile, `${JSON.stringify(metrics, null, 2)}\n`)
  await writeFile(join(dirname(file), 'MODEL_CARD.md'), renderModelCard(metrics))
  return { before: sha256(old), after: sha256(onnx) }
}

async function scoreWith(model: Uint8Array, texts: readonly string[]): Promise<Float32Array> {
  const classifier = await TextClassifier.create({ model })
  try {
    return Float32Array.from((await classifier.score(texts)).flatMap((row) => [...row]))
  } finally {
    await classifier.release()
  }
}
