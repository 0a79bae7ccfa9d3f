import { readFileSync } from 'node:fs'
import t from 'tap'
import { featurize } from '../../src/text/featurize.js'
import { TEXT_HEADS } from '../../src/text/heads.js'
import { TextClassifier } from '../../src/text/text-classifier.js'
import { predict } from '../../scripts/train-text/model.js'
import { readOnnxWeights } from '../../scripts/train-text/onnx-export.js'
import { PARITY_TEXTS, metricsPath, textModelPath } from '../helpers/text-model.js'

const file = readFileSync(textModelPath)
const classifier = await TextClassifier.create({ model: file })
t.teardown(() => classifier.release())
const weights = readOnnxWeights(file)

t.test('onnxruntime scores equal the training forward pass within 1e-5', async (t) => {
  const served = await classifier.score(PARITY_TEXTS)
  const reference = predict(
    weights,
    PARITY_TEXTS.map((text) => featurize(text))
  )
  let max = 0
  served.forEach((row, i) => row.forEach((p, k) => (max = Math.max(max, Math.abs(p - reference[i]![k]!)))))
  t.ok(max <= 1e-5, `max |served - reference| = ${max}`)
  t.equal(weights.heads, TEXT_HEADS.length)
})

t.test('the shipped model still scores the probe texts as when it was trained', async (t) => {
  // fails when the featuriser or the keyword normaliser it reuses changed since training: retrain then
  const metrics = JSON.parse(readFileSync(metricsPath, 'utf8')) as { probes: Array<{ text: string; scores: Record<string, number> }> }
  const scores = await classifier.score(metrics.probes.map((p) => p.text))
  metrics.probes.forEach((probe, i) => {
    TEXT_HEADS.forEach((head, k) => {
      t.ok(Math.abs(scores[i]![k]! - probe.scores[head]!) < 1.5e-3, `${probe.text} / ${head}`)
    })
  })
})
