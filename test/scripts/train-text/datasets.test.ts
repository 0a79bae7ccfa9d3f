import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  DATASETS,
  LABEL_MAPPING,
  MLMA_LANGUAGES,
  MissingDatasetsError,
  YOUTUBE_TEST_VIDEO,
  datasetSummary,
  loadDatasets,
  mlmaLabels,
  stableHash,
  textKey
} from '../../../scripts/train-text/datasets.js'
import { writeFixtureDatasets } from './fixture-datasets.js'

const dir = mkdtempSync(join(tmpdir(), 'fg-datasets-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
writeFixtureDatasets(dir)
const all = loadDatasets(dir, { datasets: DATASETS, mlmaLanguages: MLMA_LANGUAGES })

t.test('every dataset loads, with its own split and labels', async (t) => {
  const count = (dataset: string, split?: string) => all.filter((e) => e.dataset === dataset && (!split || e.split === split)).length
  for (const name of DATASETS) t.ok(count(name) > 0, `${name} has rows`)
  t.equal(count('jigsaw', 'test'), 24, 'Jigsaw test pools are the test split')
  t.equal(count('olid', 'test'), 23, 'OLID test-A rows with a gold label (one unknown label skipped)')
  t.equal(count('germeval', 'test'), 20, 'GermEval test rows with a known label')
  t.ok(all.filter((e) => e.dataset === 'youtube_spam' && e.split === 'test').every((e) => e.group === YOUTUBE_TEST_VIDEO))
  t.ok(all.some((e) => e.split === 'validation') && all.some((e) => e.split === 'train'))

  const jigsawBad = all.find((e) => e.dataset === 'jigsaw' && e.labels.toxicity === 1)
  t.match(jigsawBad?.text, /\n\nI will hurt you$/, 'multi-line quoted comment kept whole')
  t.same(Object.keys(jigsawBad?.labels ?? {}).sort(), ['hate', 'insult', 'profanity', 'threat', 'toxicity'])
  const olidUnt = all.find((e) => e.dataset === 'olid' && e.labels.profanity === 1)
  t.same(olidUnt?.labels, { toxicity: 1, insult: 0, threat: 0, hate: 0, profanity: 1 })
  t.ok(all.some((e) => e.dataset === 'olid' && e.split !== 'test' && e.text.includes('"quote')), 'stray quotes in TSV do not swallow rows')
  t.ok(all.some((e) => e.dataset === 'olid' && e.labels.toxicity === 1 && Object.keys(e.labels).length === 1), 'unknown subtask_b masks all but toxicity')
  t.ok(all.some((e) => e.dataset === 'germeval' && e.labels.hate === 1))
  t.ok(all.filter((e) => e.dataset === 'sms_spam').every((e) => e.labels.spam !== undefined && !e.text.includes('SMS')), 'header and odd lines skipped')
  t.notOk(all.some((e) => e.dataset === 'davidson' && e.text.startsWith('RT') && e.labels.toxicity === undefined))
})

t.test('training rows that repeat a test text are dropped', async (t) => {
  const testKeys = new Set(all.filter((e) => e.split === 'test').map((e) => textKey(e.text)))
  t.notOk(all.some((e) => e.split !== 'test' && testKeys.has(textKey(e.text))))
})

t.test('selection: datasets and MLMA languages', async (t) => {
  const some = loadDatasets(dir, { datasets: ['mlma', 'sms_spam'], mlmaLanguages: ['fr'] })
  t.same([...new Set(some.map((e) => `${e.dataset}/${e.group}`))].sort(), ['mlma/fr', 'sms_spam/all'])
})

t.test('MLMA label sets', async (t) => {
  t.same(mlmaLabels('normal'), { toxicity: 0, hate: 0 })
  t.same(mlmaLabels('offensive_hateful'), { toxicity: 1, hate: 1 })
  t.same(mlmaLabels('abusive_disrespectful'), { toxicity: 1, hate: 0 })
  t.same(mlmaLabels('offensive_normal'), {}, 'annotators disagree: masked')
  t.same(mlmaLabels('fearful'), {}, 'fear alone is not abuse')
})

t.test('label mapping table covers every dataset', async (t) => {
  for (const name of DATASETS) t.ok(LABEL_MAPPING.some((row) => row.dataset === name), name)
})

t.test('split hashing is stable and text keys fold case and spacing', async (t) => {
  t.equal(stableHash('abc'), stableHash('abc'))
  t.not(stableHash('abc'), stableHash('abd'))
  t.equal(textKey('  Hello\n  World '), 'hello world')
})

t.test('summary counts labelled and positive examples per head', async (t) => {
  const rows = datasetSummary([
    { dataset: 'sms_spam', group: 'all', split: 'train', text: 'a', labels: { spam: 1 } },
    { dataset: 'sms_spam', group: 'all', split: 'train', text: 'b', labels: { spam: 0 } }
  ])
  t.equal(rows.length, 1)
  t.equal(rows[0]?.count, 2)
  t.equal(rows[0]?.labelled.spam, 2)
  t.equal(rows[0]?.positives.spam, 1)
  t.equal(rows[0]?.labelled.toxicity, 0)
})

t.test('a data directory without the datasets is refused up front, naming every missing file', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'fg-no-datasets-'))
  t.teardown(() => rmSync(empty, { recursive: true, force: true }))
  const err = t.throws(() => loadDatasets(empty, { datasets: DATASETS, mlmaLanguages: ['fr'] })) as MissingDatasetsError
  t.ok(err instanceof MissingDatasetsError)
  t.equal(err.dir, empty)
  t.same(err.missing, [
    'jigsaw_subsets/',
    'olid/olid-training-v1.0.tsv',
    'olid/labels-levela.csv',
    'olid/testset-levela.tsv',
    'germeval2018/germeval2018.training.txt',
    'germeval2018/germeval2018.test.txt',
    'mlma/fr_dataset.csv',
    'davidson/labeled_data.csv',
    'sms_spam/SMSSpamCollection',
    'youtube_spam/'
  ])
  t.match(err.message, /^training data not found in .* \(set it with --data <dir>.*\n {2}- jigsaw_subsets\/\n/)
  t.doesNotThrow(() => loadDatasets(dir, { datasets: ['sms_spam'], mlmaLanguages: [] }), 'nothing missing: loads')
})
