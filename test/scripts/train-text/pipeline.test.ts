import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { FEATURIZER_VERSION } from '../../../src/text/featurize.js'
import { TEXT_HEADS } from '../../../src/text/heads.js'
import { TEXT_MODEL_FILE } from '../../../src/text/model-spec.js'
import { TextClassifier } from '../../../src/text/text-classifier.js'
import { FEED_PREVALENCE } from '../../../scripts/train-text/calibration.js'
import { renderModelCard } from '../../../scripts/train-text/model-card.js'
import { readOnnxWeights } from '../../../scripts/train-text/onnx-export.js'
import { DEFAULT_TRAIN_OPTIONS, checkParity, trainTextModel, type TextMetrics } from '../../../scripts/train-text/pipeline.js'
import { verifiedModels } from '../../helpers/text-model.js'
import { writeFixtureDatasets } from './fixture-datasets.js'

// Seven trainings on fourteen fixture datasets, each with its baseline fit, take minutes on a loaded machine.
t.setTimeout(900_000)

const root = mkdtempSync(join(tmpdir(), 'fg-train-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
const dataDir = join(root, 'data')
// enough validation texts that, after minPositives and the Wilson bounds, thresholds exist at the feed prevalences too
writeFixtureDatasets(dataDir, 96)

const lines: string[] = []
const options = (modelsDir: string) => ({ ...DEFAULT_TRAIN_OPTIONS, dataDir, modelsDir, epochs: 2, log: (line: string) => lines.push(line) })

t.test('trains from the datasets and writes model, manifest entry, metrics, thresholds and card', async (t) => {
  const modelsDir = join(root, 'models-a')
  const metrics = await trainTextModel(options(modelsDir))

  const [entry, ...others] = await verifiedModels(modelsDir)
  t.equal(others.length, 0)
  t.match(entry, { name: 'feedguard-text', version: DEFAULT_TRAIN_OPTIONS.version, file: TEXT_MODEL_FILE, kind: 'text', featuriser: FEATURIZER_VERSION })
  t.same(entry?.categories, [...TEXT_HEADS])
  t.equal(entry?.bytes.length, metrics.model.sizeBytes)
  t.ok(metrics.model.parityMaxAbsDiff <= 1e-5)

  const onDisk = JSON.parse(readFileSync(join(modelsDir, 'text/metrics.json'), 'utf8'))
  t.same(onDisk.targets.map((x: { dataset: string }) => x.dataset), ['jigsaw', 'olid', 'germeval', 'youtube_spam'])
  t.ok(metrics.evaluations.some((e) => e.split === 'test' && e.dataset === 'jigsaw' && e.head === 'toxicity'))
  t.ok(metrics.testCalibration.length > 0)
  t.equal(metrics.probes.length > 0, true)
  t.same(metrics.identityBias.map((b) => b.split), ['validation', 'test'])

  const thresholds = JSON.parse(readFileSync(join(modelsDir, 'text/thresholds.json'), 'utf8'))
  t.equal(thresholds.model, metrics.model.id)
  t.same(thresholds.feedPrevalence, FEED_PREVALENCE, 'the prevalences the precision targets are met at')
  t.match(thresholds.derivedFrom, /reweighted to the feed prevalence/)
  for (const check of Object.values(metrics.thresholdChecks).flat()) t.type(check.feedPrecision, 'number')
  for (const probe of metrics.probes) t.same(Object.keys(probe.actions), ['strict', 'standard', 'relaxed'])
  t.ok(metrics.probes.some((p) => p.group === 'casual'), 'casual captions are probed')
  t.same(Object.keys(thresholds.categories), [...TEXT_HEADS])
  for (const head of TEXT_HEADS) t.same(Object.keys(thresholds.categories[head]), ['strict', 'standard', 'relaxed'])

  t.ok(metrics.comparisons.some((c) => c.dataset === 'edos' && c.split === 'test' && c.head === 'toxicity'))
  t.ok(metrics.comparisons.some((c) => c.dataset === 'germeval2026' && c.head === 'toxicity'))
  t.notOk(metrics.comparisons.some((c) => c.split === 'left out'), 'leave-one-source-out runs only when asked')
  for (const c of metrics.comparisons) t.ok(c.model >= 0 && c.model <= 1 && c.baseline >= 0 && c.baseline <= 1)
  t.ok(lines.some((l) => /^fitted the baseline on the same training texts: \d+ n-grams/.test(l)))

  const card = readFileSync(join(modelsDir, 'text/MODEL_CARD.md'), 'utf8')
  t.match(card, 'leave-one-source-out was not run')
  for (const section of ['## Model vs baseline', '## Results against the targets', '## Calibration', '## Policy thresholds', '## Training data', '## Label mapping', '## Limitations and biases']) {
    t.match(card, section)
  }
  t.match(card, metrics.model.sha256)
  t.match(card, 'precision(t) = TPR(t) · π / (TPR(t) · π + FPR(t) · (1 − π))')
  t.match(card, '| toxicity | 0.05 |', 'the feed prevalences are listed')
  t.match(card, `one-sided Wilson bound\n(z = 1)`, 'the rule that chose the thresholds')
  t.match(onDisk.thresholds, { minPositives: 10, confidenceZ: 1 })
  t.match(card, '| precision at feed prevalence |')
  t.match(card, /\| strict \| standard \| relaxed \|\n/, 'probes show the action at each sensitivity')
  t.match(card, 'CC-BY-4.0')
  t.ok(lines.some((l) => l.startsWith('wrote ')))

  const classifier = await TextClassifier.fromManifest(entry!)
  t.teardown(() => classifier.release())
  t.equal(classifier.id, metrics.model.id)
  const [rude, nice] = await classifier.score(['you stupid idiot', 'lovely weather'])
  t.ok(rude![0]! > nice![0]!, 'the fixture model learned its toy task')

  t.test('the card shows misses, absent thresholds and unusual settings plainly', async (t) => {
    const changed: TextMetrics = structuredClone(metrics)
    changed.targets[0]!.met = false
    changed.thresholds.categories.toxicity.standard = {}
    changed.thresholds.categories.toxicity.relaxed = { blurAt: 0.9 }
    changed.thresholds.categories.spam = { strict: { blurAt: 0.3, hideAt: 0.8 }, standard: { hideAt: 0.85 }, relaxed: {} }
    changed.model.featuriserConfig = { ...changed.model.featuriserConfig, wordNgrams: 1 }
    changed.training.datasetWeights = {}
    changed.comparisons.push(
      { dataset: 'stormfront', split: 'left out', head: 'toxicity', count: 10, positives: 3, model: 0.61, baseline: 0.72 },
      { dataset: 'toxigen', split: 'left out', head: 'toxicity', count: 10, positives: 3, model: 0.81, baseline: 0.72 }
    )
    changed.probes[0]!.actions = {
      strict: { action: 'hide', heads: ['toxicity', 'insult'] },
      standard: { action: 'blur', heads: ['toxicity'] },
      relaxed: { action: 'allow', heads: [] }
    }
    changed.thresholdChecks.toxicity.push({
      sensitivity: 'strict',
      action: 'blur',
      threshold: 0.5,
      on: 'x',
      precision: Number.NaN,
      feedPrecision: Number.NaN,
      recall: 0,
      falsePositiveRate: 0,
      flagged: 0
    })
    const card = renderModelCard(changed)
    t.match(card, '| **no** |')
    t.match(card, '| never | never | 0.9 | never |')
    t.match(card, '| spam | 0.3 | 0.8 | never | 0.85 | never | never |')
    t.match(card, 'word unigrams, hashed')
    t.match(card, 'Dataset loss weights: all 1')
    t.match(card, '| hide (toxicity, insult) | blur (toxicity) | allow |')
    t.match(card, '| 0 | – | – | 0.000 | 0.000 |')
    t.match(card, '| stormfront | left out | toxicity | 10 | 3 | 0.6100 | 0.7200 | **no** |')
    t.match(card, '| toxigen | left out | toxicity | 10 | 3 | 0.8100 | 0.7200 | yes |')
    const balanced = structuredClone(metrics)
    balanced.training.sourceBalance = 0.5
    balanced.training.datasetWeights = { jigsaw: 1.08287, sms_spam: 0.1 }
    t.match(renderModelCard(balanced), 'Dataset loss weights: jigsaw 1.083, sms_spam 0.1 (others 1; 0 = validation only); those not set by hand are (5000 / training texts)^0.5, within 0.2–4.')
    const older: Partial<TextMetrics> = structuredClone(metrics)
    delete older.comparisons
    t.match(renderModelCard(older as TextMetrics), 'Not measured for this model: it was trained before the baseline was part of the run.')
    const countedTexts = structuredClone(metrics) as TextMetrics & { thresholds: { minFlagged?: number } }
    delete (countedTexts.thresholds as Partial<TextMetrics['thresholds']>).minPositives
    countedTexts.thresholds.minFlagged = 20
    t.match(renderModelCard(countedTexts), 'once at least\n20 are flagged)', 'a metrics file from before the Wilson bounds keeps its rule')
  })

  t.test('checkParity refuses a model that does not match the reference', async (t) => {
    const file = readFileSync(join(modelsDir, TEXT_MODEL_FILE))
    const weights = readOnnxWeights(file)
    t.ok((await checkParity(file, weights, ['some text'])) <= 1e-5)
    weights.bias[0] = weights.bias[0]! + 0.5
    await t.rejects(checkParity(file, weights, ['some text']), /disagrees with the training forward pass/)
  })
})

t.test('the same data and seed give the same file; other manifest entries are kept', async (t) => {
  const modelsDir = join(root, 'models-b')
  const other = { name: 'other', version: '1', file: 'other.bin', sha256: 'a'.repeat(64), kind: 'image', categories: ['sexual'], featuriser: 'x' }
  const { mkdirSync } = await import('node:fs')
  mkdirSync(modelsDir, { recursive: true })
  writeFileSync(join(modelsDir, 'manifest.json'), JSON.stringify({ models: [other] }))
  const baselineCache = join(root, 'baseline-cache')
  const a = await trainTextModel({ ...options(modelsDir), baselineCache })
  const logged: string[] = []
  const b = await trainTextModel({ ...options(join(root, 'models-c')), baselineCache, log: (line) => logged.push(line) })
  t.equal(a.model.sha256, b.model.sha256)
  t.ok(logged.some((l) => /^fitted the baseline .*, scores read from the cache/.test(l)), 'the second run reads the baseline from the cache')
  t.same(b.comparisons, a.comparisons, 'and compares as the first did')
  const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'))
  t.same(manifest.models.map((m: { name: string }) => m.name), ['other', 'feedguard-text'])
  const c = await trainTextModel({ ...options(join(root, 'models-d')), seed: 2 })
  t.not(c.model.sha256, a.model.sha256, 'another seed, another model')
})

t.test('leave-one-source-out trains without each abuse source and compares on it', async (t) => {
  const logged: string[] = []
  const metrics = await trainTextModel({
    ...options(join(root, 'models-f')),
    selection: { datasets: ['jigsaw', 'stormfront', 'toxigen', 'sms_spam'], mlmaLanguages: [] },
    losoEpochs: 1,
    losoSources: ['toxigen', 'sms_spam', 'stormfront', 'jigsaw', 'edos'],
    // and the sources balanced by their size, as the LOSO figures of a balanced candidate are made
    sourceBalance: 0.5,
    baseRateOffsets: true,
    log: (line) => logged.push(line)
  })
  const left = metrics.comparisons.filter((c) => c.split === 'left out')
  t.same(
    left.map((c) => c.dataset),
    ['toxigen', 'stormfront', 'jigsaw'],
    'the abuse sources asked for, in that order; not spam, not a source out of the selection'
  )
  t.ok(left.every((c) => c.count > 0 && c.positives > 0))
  t.ok(logged.some((l) => l.startsWith('left out stormfront: toxicity ROC-AUC model')))
  t.equal(metrics.training.losoEpochs, 1)
  t.equal(metrics.training.sourceBalance, 0.5)
  t.equal(metrics.training.baseRateOffsets, true)
  t.match(readFileSync(join(root, 'models-f/text/MODEL_CARD.md'), 'utf8'), '"left out" rows train both without that source (the model with 1 epochs instead of 2)')
  t.match(readFileSync(join(root, 'models-f/text/MODEL_CARD.md'), 'utf8'), "(dropped afterwards; started at the log-odds of the dataset's base rate)")
})

t.test('a selection without English abuse data has no identity-bias table', async (t) => {
  const metrics = await trainTextModel({
    ...options(join(root, 'models-e')),
    selection: { datasets: ['sms_spam', 'youtube_spam'], mlmaLanguages: [] }
  })
  t.same(metrics.identityBias, [])
  t.same(metrics.comparisons, [], 'no abuse data: no baseline')
  t.same(metrics.targets.map((x) => x.dataset), ['youtube_spam'])
  t.notMatch(readFileSync(join(root, 'models-e/text/MODEL_CARD.md'), 'utf8'), 'Identity-term false positives')
})
