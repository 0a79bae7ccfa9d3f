/**
 * Writes models/text/feedguard-text.onnx again with the current ONNX export, without retraining (e.g. to add
 * the `contributions` output to a model trained before it existed). Refuses unless the new file scores the
 * probe texts, and the lines of `--texts` files, bit for bit as the old one.
 *
 *   npm run model:reexport -- [--models models] [--texts ../shared/datasets/toxic_spans/comments.csv]
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { TextMetrics } from './train-text/pipeline.js'
import { reexportTextModel } from './train-text/reexport.js'

const { values } = parseArgs({
  options: { models: { type: 'string', default: 'models' }, texts: { type: 'string', multiple: true, default: [] } }
})
const modelsDir = resolve(values.models)
const metrics = JSON.parse(readFileSync(resolve(modelsDir, 'text', 'metrics.json'), 'utf8')) as TextMetrics
const texts = [...metrics.probes.map((p) => p.text), ...values.texts.flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== ''))]
const { before, after } = await reexportTextModel(modelsDir, texts)
console.log(`${texts.length} texts score bit for bit alike; ${before} -> ${after}`)
