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
  convAbuseLabels,
  datasetSummary,
  edosLabels,
  hashSplit,
  implicitHateLabels,
  loadDatasets,
  mlmaLabels,
  parseDatasetWeights,
  balancedWeights,
  type Example,
  toxicSpansLabels,
  unquoteField,
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

t.test('the new abuse sets load with their own labels and splits', async (t) => {
  const of = (dataset: string) => all.filter((e) => e.dataset === dataset)
  const edos = of('edos')
  t.equal(edos.length, 42, 'EDOS rows with a known label (6 of 48 unknown)')
  t.same([...new Set(edos.map((e) => e.split))].sort(), ['test', 'train', 'validation'], 'EDOS split column: train, dev = validation, test')
  t.match(edos.find((e) => e.labels.threat === 1)?.text, /\nsecond$/, 'multi-line quoted post kept whole')
  t.ok(edos.some((e) => e.labels.insult === 1) && edos.some((e) => e.labels.hate === 1 && e.labels.insult === 0 && e.labels.threat === 0))

  const spans = of('toxic_spans')
  t.equal(spans.length, 36, 'ties on toxicity dropped')
  t.ok(spans.some((e) => e.labels.toxicity === 0 && e.labels.insult === 0 && e.labels.threat === 0))
  t.ok(spans.some((e) => e.labels.insult === 1 && e.labels.threat === 0), 'insult marked by 2 of 3 annotators (several spans each)')
  const threatened = spans.find((e) => e.labels.toxicity === 1 && e.labels.insult === 0)
  t.equal(threatened?.labels.threat, undefined, 'a type marked by 1 of 3 is masked')
  t.equal(threatened?.labels.hate, 1, 'Identity based Attack → hate')

  const conv = of('convabuse')
  t.equal(conv.length, 54, 'ambiguous turns dropped')
  t.same([...new Set(conv.map((e) => `${e.group}/${e.split}`))].sort(), ['test/test', 'train/train', 'validation/validation'])
  t.ok(conv.some((e) => e.labels.insult === 1 && e.labels.hate === 0))
  t.ok(conv.some((e) => e.labels.hate === 1 && e.labels.insult === 0))
  t.ok(conv.every((e) => e.labels.threat === undefined && e.labels.profanity === undefined))

  const implicit = of('implicit_hate')
  t.equal(implicit.length, 39, 'unknown class skipped')
  t.ok(implicit.some((e) => e.text === ' the "lovely weather" 0 '), 'CSV quoting undone')
  t.ok(implicit.some((e) => e.labels.threat === 1) && implicit.some((e) => e.labels.hate === 1 && e.labels.threat === 0))

  const storm = of('stormfront')
  t.equal(storm.length, 29, 'relation and idk/skip dropped')
  t.ok(storm.some((e) => e.labels.hate === 1) && storm.some((e) => e.labels.hate === 0 && e.text.includes('"meeting')))

  const toxigen = of('toxigen')
  t.equal(toxigen.length, 36)
  t.ok(toxigen.some((e) => e.labels.hate === 0 && e.labels.insult === 0))

  const violence = of('germeval2026')
  t.equal(violence.length, 42, 'unknown labels skipped')
  t.ok(violence.some((e) => e.text.includes('\r')), 'a bare CR stays inside the text')
  t.ok(violence.some((e) => e.text.includes('; aufhängen') && e.text.includes('\nnoch')), 'quoted field with ; and a line break')
  t.ok(violence.some((e) => e.labels.threat === 1 && e.labels.toxicity === 1))
  t.ok(violence.some((e) => e.labels.toxicity === 1 && e.labels.threat === undefined), 'support / glorification / other: threat masked')
  t.same(violence.find((e) => e.labels.threat === 0)?.labels, { toxicity: 0, threat: 0 }, '"nothing": no violent statement, not abusive')
})

t.test('label functions', async (t) => {
  t.same(edosLabels('not sexist', 'none', 'none'), { toxicity: 0, hate: 0 })
  t.same(edosLabels('sexist', '1. threats, plans to harm and incitement', '1.2 incitement and encouragement of harm'), { toxicity: 1, hate: 1, threat: 1, insult: 0 })
  t.same(edosLabels('sexist', '3. animosity', '3.1 casual use of gendered slurs, profanities, and insults'), { toxicity: 1, hate: 1, threat: 0, insult: 1 })
  t.equal(edosLabels('maybe', 'none', 'none'), undefined)
  t.equal(toxicSpansLabels(0, 0, {}), undefined)
  t.equal(toxicSpansLabels(4, 2, {}), undefined, 'tie')
  t.same(toxicSpansLabels(5, 1, { Insult: 3, Threat: 2, 'Other Toxicity': 4 }), { toxicity: 1, insult: 1, hate: 0, profanity: 0 })
  t.same(convAbuseLabels({ annotators: 3, abusive: 0, notAbusive: 2, personTarget: 0, hateType: 0 }), { toxicity: 0, insult: 0, hate: 0 })
  t.equal(convAbuseLabels({ annotators: 2, abusive: 1, notAbusive: 1, personTarget: 1, hateType: 0 }), undefined)
  t.same(convAbuseLabels({ annotators: 3, abusive: 2, notAbusive: 1, personTarget: 2, hateType: 1 }), { toxicity: 1, insult: 1, hate: 0 })
  t.same(implicitHateLabels('not_hate', undefined), { toxicity: 0, hate: 0, threat: 0 })
  t.same(implicitHateLabels('implicit_hate', 'incitement'), { toxicity: 1, hate: 1, threat: 1 })
  t.same(implicitHateLabels('implicit_hate', 'irony'), { toxicity: 1, hate: 1, threat: 0 })
  t.same(implicitHateLabels('implicit_hate', undefined), { toxicity: 1, hate: 1 })
  t.same(implicitHateLabels('explicit_hate', 'threatening'), { toxicity: 1, hate: 1 })
  t.equal(implicitHateLabels('', undefined), undefined)
  t.equal(unquoteField('"say ""hi"""'), 'say "hi"')
  t.equal(unquoteField('"'), '"')
  t.equal(unquoteField('plain "x"'), 'plain "x"')
})

t.test('hash split: validation and test at the two ends of the hash range, stable', async (t) => {
  const texts = Array.from({ length: 4000 }, (_, i) => `text number ${i}`)
  const splits = texts.map(hashSplit)
  const share = (s: string) => splits.filter((x) => x === s).length / texts.length
  t.ok(Math.abs(share('test') - 0.15) < 0.03 && Math.abs(share('validation') - 0.15) < 0.03, `${share('test')} ${share('validation')}`)
  t.same(texts.map(hashSplit), splits)
  t.equal(hashSplit('Text Number 7 '), hashSplit('text number 7'), 'case and spacing do not move a text')
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
    'youtube_spam/',
    'edos/edos_labelled_aggregated.csv',
    'toxic_spans/comments.csv',
    'toxic_spans/annotations.csv',
    'toxic_spans/spans.csv',
    'convabuse/ConvAbuseEMNLPtrain.csv',
    'convabuse/ConvAbuseEMNLPvalid.csv',
    'convabuse/ConvAbuseEMNLPtest.csv',
    'implicit_hate/implicit_hate_v1_stg1_posts.tsv',
    'implicit_hate/implicit_hate_v1_stg2_posts.tsv',
    'stormfront/stormfront.tsv',
    'toxigen_seeds/toxigen_seeds.tsv',
    'germeval2026_violence/vio_train_26.csv'
  ])
  t.match(err.message, /^training data not found in .* \(set it with --data <dir>.*\n {2}- jigsaw_subsets\/\n/)
  t.doesNotThrow(() => loadDatasets(dir, { datasets: ['sms_spam'], mlmaLanguages: [] }), 'nothing missing: loads')
})

t.test('dataset weights from the command line', async (t) => {
  t.same(parseDatasetWeights('jigsaw=3, toxic_spans = 0.2,sms_spam=0'), { jigsaw: 3, toxic_spans: 0.2, sms_spam: 0 })
  for (const bad of ['jigsaw', 'jigsaw=', 'jigsaw=-1', 'jigsaw=x', 'jigsaw=1=2', 'reddit=1', 'jigsaw=Infinity', '']) {
    t.throws(() => parseDatasetWeights(bad), RangeError, bad)
  }
})

t.test('balanced weights: (5000 / training texts)^power within 0.2–4, explicit weights kept', async (t) => {
  const rows = (dataset: Example['dataset'], n: number, split: Example['split'] = 'train') =>
    Array.from({ length: n }, (): Example => ({ dataset, group: 'all', split, text: '', labels: {} }))
  const examples = [...rows('jigsaw', 1250), ...rows('jigsaw', 999, 'test'), ...rows('edos', 20000), ...rows('toxigen', 100), ...rows('olid', 50000), ...rows('sms_spam', 5000)]
  const out = balancedWeights(examples, { sms_spam: 0.1, davidson: 0 }, 0.5)
  t.same(out, { sms_spam: 0.1, davidson: 0, jigsaw: 2, edos: 0.5, toxigen: 4, olid: Math.sqrt(0.1) })
  t.equal(balancedWeights(examples, {}, 1).olid, 0.2, 'clamped below')
})
