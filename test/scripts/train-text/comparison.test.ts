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
  example('germeval2026', 'schönes wetter', { threat: 0 }),
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

t.test('abuse labels: toxicity, threat for GermEval 2026, none for spam', async (t) => {
  t.equal(ABUSE_HEAD.germeval2026, 'threat')
  t.same(examples.slice(-3).map(abuseLabel), [1, 0, undefined])
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

t.test('compare needs examples of an abuse dataset', async (t) => {
  const never = () => {
    throw new Error('not called')
  }
  t.equal(compare(examples, [], [], never, 'test'), undefined)
  t.equal(compare(examples, [examples.length - 1], [[0, 0, 0, 0, 0, 1]], never, 'test'), undefined)
})
