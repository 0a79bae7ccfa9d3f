import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import t from 'tap'
import { sha256 } from '../../../src/classifiers/manifest.js'
import { CONTRIBUTIONS_OUTPUT } from '../../../src/text/model-spec.js'
import { TextClassifier } from '../../../src/text/text-classifier.js'
import { reexportTextModel } from '../../../scripts/train-text/reexport.js'
import { modelsDir, PARITY_TEXTS, textModelPath } from '../../helpers/text-model.js'

const { onnx } = onnxProto
const shipped = readFileSync(textModelPath)

/** A models directory holding the shipped text model as `change` makes it (e.g. as it was before the contributions output). */
function modelsWith(change: (model: onnxProto.onnx.ModelProto) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'fg-reexport-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'text'))
  for (const file of ['manifest.json', 'text/metrics.json', 'text/MODEL_CARD.md']) cpSync(join(modelsDir, file), join(root, file))
  const model = onnx.ModelProto.decode(shipped)
  change(model)
  writeFileSync(join(root, 'text', 'feedguard-text.onnx'), onnx.ModelProto.encode(model).finish())
  return root
}

const withoutContributions = (model: onnxProto.onnx.ModelProto) => {
  model.graph!.output = model.graph!.output!.filter((o) => o.name !== CONTRIBUTIONS_OUTPUT)
}

t.test('a model exported before the contributions output gets it, scores unchanged, its facts updated', async (t) => {
  const root = modelsWith(withoutContributions)
  const old = readFileSync(join(root, 'text', 'feedguard-text.onnx'))
  const { before, after } = await reexportTextModel(root, PARITY_TEXTS)
  t.equal(before, sha256(old))
  t.equal(after, sha256(shipped), 'the same file as the shipped one: the export is deterministic')
  const file = readFileSync(join(root, 'text', 'feedguard-text.onnx'))
  const classifier = await TextClassifier.create({ model: file })
  t.teardown(() => classifier.release())
  t.equal(classifier.explains, true)
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { models: Array<{ name: string; sha256: string }> }
  t.equal(manifest.models.find((m) => m.name === 'feedguard-text')!.sha256, after)
  t.equal(manifest.models.length, 2, 'the image model entry is kept')
  const metrics = JSON.parse(readFileSync(join(root, 'text', 'metrics.json'), 'utf8')) as { model: { sha256: string; sizeBytes: number } }
  t.same(metrics.model, { ...metrics.model, sha256: after, sizeBytes: file.length })
  const card = readFileSync(join(root, 'text', 'MODEL_CARD.md'), 'utf8')
  t.match(card, after)
  t.equal(card, readFileSync(join(modelsDir, 'text', 'MODEL_CARD.md'), 'utf8'), 'the card is the shipped one')
})

t.test('a model whose scores the export would change is left as it is', async (t) => {
  const root = modelsWith((model) => {
    withoutContributions(model)
    const sigmoid = model.graph!.node!.find((n) => n.opType === 'Sigmoid')!
    sigmoid.opType = 'Softsign'
  })
  const file = join(root, 'text', 'feedguard-text.onnx')
  const before = readFileSync(file)
  await t.rejects(reexportTextModel(root, PARITY_TEXTS), /re-exported model scores differently: value 0 was/)
  t.same(readFileSync(file), before)
})
