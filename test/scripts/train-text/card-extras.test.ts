import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadPolicy } from '../../../src/policy/policy.js'
import { TextClassifier } from '../../../src/text/text-classifier.js'
import { renderCardExtras, updateCardExtras } from '../../../scripts/train-text/card-extras.js'
import { PHENOMENA } from '../../../scripts/train-text/functional-cases.js'
import { modelsDir, textModelPath } from '../../helpers/text-model.js'

const classifier = await TextClassifier.create({ model: textModelPath })
t.teardown(() => classifier.release())

function copy(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'fg-card-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'text'))
  for (const file of files) cpSync(join(modelsDir, file), join(root, file))
  return root
}

t.test('the shipped card shows the functional suite and the spans figure, as the metrics hold them', async (t) => {
  const card = readFileSync(join(modelsDir, 'text', 'MODEL_CARD.md'), 'utf8')
  const metrics = JSON.parse(readFileSync(join(modelsDir, 'text', 'metrics.json'), 'utf8'))
  for (const line of renderCardExtras(metrics).filter((l) => l !== '')) t.ok(card.includes(line), line.slice(0, 60))
  t.match(card, '## Functional suite')
  t.match(card, `**${metrics.spans.f1EveryPost}** with spans for every post`)
  t.same(renderCardExtras({}), [])
})

t.test('updating the extras runs the suite, reads the spans figure when there is one, and writes both', async (t) => {
  const policy = await loadPolicy(join(modelsDir, 'policy.json'))
  const withSpans = copy(['text/metrics.json', 'text/spans-metrics.json'])
  const extras = await updateCardExtras(withSpans, classifier, policy)
  t.same(
    extras.functional!.map((r) => r.phenomenon),
    [...PHENOMENA]
  )
  t.same(extras.spans, JSON.parse(readFileSync(join(modelsDir, 'text', 'spans-metrics.json'), 'utf8')))
  t.equal(readFileSync(join(withSpans, 'text', 'MODEL_CARD.md'), 'utf8'), readFileSync(join(modelsDir, 'text', 'MODEL_CARD.md'), 'utf8'), 'the shipped card')
  const without = copy(['text/metrics.json'])
  t.notOk('spans' in (await updateCardExtras(without, classifier, policy)))
})
