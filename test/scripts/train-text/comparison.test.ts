import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FEATURIZER_CONFIG, featurize } from '../../../src/text/featurize.js'
import { ABUSE_HEAD, BaselineData, abuseLabel, compare, leaveOneSourceOut } from '../../../scripts/train-text/comparison.js'
import type { DatasetName, Example } from '../../../scripts/train-text/datasets.js'

const RUDE = ['you stupid idiot', 'shut up moron', 'pathetic loser', 'dumb troll', 'worthless clown', 'ugly jerk']
const NICE = ['lovely weather', 'thanks for sharing', 'great recipe', 'nice video', 'happy birthday', 'beautiful sunset']

const example = (dataset: DatasetName, text: string, labels: Example['labels'], split: Example['split'] = 'train'): Example => ({ dataset, group: 'all', split, text, labels })
const examples: Example[] = [
  ...RUDE.map((text, i) => example('stormfront', `${text} ${i}`, { toxicity: 1, hate: 1 })),
  ...NICE.map((text, i) => example('stormfront', `${text} ${i}`, { toxicity: 0, hate: 0 })),
  ...RUDE.map((text, i) => example('jigsaw', `${text} again ${i}`, { toxicity: 1 })),
  ...NICE.map((text, i) => example('jigsaw', `${text} again ${i}`, { toxicity: 0 })),
  // a source with one class only: nothing to rank when it is left out
  ...RUDE.map((text, i) => example('toxigen', `${text} all ${i}`, { toxicity: 1, hate: 1 })),
  example('germeval2026', 'alle aufhängen', { threat: 1, toxicity: 1 }),
  example('germeval2026', 'schönes wetter', { toxicity: 0, threat: 0 }),
  example('sms_spam', 'win a prize', { spam: 1 })
]
const features = examples.map((e) => featurize(e.text))
const options = {
  sources: ['stormfront', 'jigsaw', 'toxigen', 'germeval2026', 'sms_spam'] as DatasetName[],
  datasetWeights: {},
  nbHeads: ['toxicity' as const],
  nbSmoothing: 1e-6,
  buckets: FEATURIZER_CONFIG.buckets,
  seed: 1,
  epochs: 2,
  learningRate: 0.2
}

t.test('abuse labels: toxicity; GermEval 2026 violence against "nothing"; none for spam', async (t) => {
  t.equal(ABUSE_HEAD, 'toxicity')
  t.same(examples.slice(-3).map(abuseLabel), [1, 0, undefined])
  t.equal(abuseLabel(example('jigsaw', 'unlabelled', {})), undefined, 'a masked toxicity stays masked')
})

t.test('GermEval 2026 is compared on the toxicity score, its "nothing" posts the negatives', async (t) => {
  const at = [examples.length - 3, examples.length - 2]
  const row = compare(examples, at, [[0.9, 0, 0.1, 0, 0, 0], [0.1, 0, 0.9, 0, 0, 0]], () => [0.2, 0.8], 'test')
  t.same(row && { head: row.head, count: row.count, positives: row.positives, model: row.model, baseline: row.baseline }, { head: 'toxicity', count: 2, positives: 1, model: 1, baseline: 0 })
})

t.test('leave-one-source-out skips a source with a single class and sources that are not abuse', async (t) => {
  const lines: string[] = []
  const rows = leaveOneSourceOut(examples, features, new BaselineData(examples), options, (l) => lines.push(l), ['toxigen', 'sms_spam', 'stormfront'])
  t.same(
    rows.map((r) => r.dataset),
    ['stormfront']
  )
  t.equal(rows[0]?.split, 'left out')
  t.ok((rows[0]?.model as number) > 0.5 && (rows[0]?.baseline as number) > 0.5, 'both learn from the other source')
  t.equal(lines.length, 1)
})

t.test('compare leaves out texts whose toxicity is masked', async (t) => {
  const rows = [example('jigsaw', 'you idiot', { toxicity: 1 }), example('jigsaw', 'no label', { spam: 0 }), example('jigsaw', 'hello', { toxicity: 0 })]
  const row = compare(rows, [0, 1, 2], [[0.9], [0.5], [0.1]], (kept) => Float64Array.from(kept, (i) => (i === 0 ? 1 : 0)), 'test')
  t.match(row, { count: 2, positives: 1, model: 1, baseline: 1 })
})

t.test('compare needs examples of an abuse dataset', async (t) => {
  const never = () => {
    throw new Error('not called')
  }
  t.equal(compare(examples, [], [], never, 'test'), undefined)
  t.equal(compare(examples, [examples.length - 1], [[0, 0, 0, 0, 0, 1]], never, 'test'), undefined)
})

t.test('with a cache directory, a second fit on the same training rows reads the first fit\'s scores', async (t) => {
  const dir = t.testdir()
  const indices = examples.map((_, i) => i).filter((i) => abuseLabel(examples[i] as Example) !== undefined)
  const first = new BaselineData(examples, dir).fit({})
  t.equal(first.cached, false)
  const files = readdirSync(dir)
  t.equal(files.length, 1)
  const file = join(dir, files[0] as string)
  // scores written elsewhere than by a fit show that the second fit reads them
  const stored = readFileSync(file)
  const values = new Float64Array(stored.buffer, stored.byteOffset, stored.byteLength / 8).slice()
  t.same(values.subarray(1), first.score(indices), 'every row is scored, in row order')
  values[1] = 42
  writeFileSync(file, new Uint8Array(values.buffer))
  const second = new BaselineData(examples, dir).fit({})
  t.equal(second.cached, true)
  t.equal(second.iterations, first.iterations)
  t.equal(second.score(indices)[0], 42)
  const other = new BaselineData(examples, dir).fit({}, (e) => e.dataset !== 'jigsaw')
  t.equal(other.cached, false, 'other training rows are fitted')
  t.equal(readdirSync(dir).length, 2)
  t.equal(new BaselineData(examples).fit({}).cached, false, 'without a directory nothing is cached')
})
