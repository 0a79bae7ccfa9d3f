import fc from 'fast-check'
import t from 'tap'
import { foldText } from '../../src/keywords/normalize.js'
import { featurize, FEATURIZER_CONFIG } from '../../src/text/featurize.js'
import { foldWithOffsets, locateFeatures, pickSpans, wordInfluence } from '../../src/text/spans.js'
import { PARITY_TEXTS } from '../helpers/text-model.js'

const TRICKY = [
  ...PARITY_TEXTS,
  '',
  '   ',
  '  leading and trailing  ',
  'tabs\tand\nnew\r\nlines\u3000and\u00a0nbsp',
  'Ｆｕｌｌ－ｗｉｄｔｈ ＩＤＩＯＴ',
  'Crème brûlée, naïve café — Straße',
  'sooooo gooooood!!!! 🔥🔥🔥 👍🏽',
  'y o u  a r e  a n  i d i o t',
  'ﬃ ligature and ㍻ and ﷽',
  "don't can't cat's rock'n'roll",
  'sh!t $tsla c@t 2024 sp0iler',
  'z\u0301\u0302a\u0300 zero\u200bwidth',
  `${'long words '.repeat(150)} tail`,
  `${'xy'.repeat(1250)} idiot`,
  `a b ${'x'.repeat(3000)}`,
  `${'\u200b'.repeat(2100)} ${'word '.repeat(300)}`
]

t.test('folding with offsets gives foldText, each unit within the source', async (t) => {
  const check = (text: string) => {
    const folded = foldWithOffsets(text)
    if (folded.text !== foldText(text)) return false
    return folded.sourceStart.every((s, i) => s >= 0 && s < folded.sourceEnd[i]! && folded.sourceEnd[i]! <= text.length)
  }
  for (const text of TRICKY) t.ok(check(text), JSON.stringify(text.slice(0, 40)))
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), check), { numRuns: 300 })
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'A', '0', '1', '@', '$', '!', "'", ' ', 'é', 'ß', '🔥', '\u0301', '-', '\n'), maxLength: 40 }), check), {
    numRuns: 300
  })
})

t.test('the located features are exactly the features featurize() gives', async (t) => {
  const same = (text: string) => {
    const located = locateFeatures(text)
    const served = featurize(text)
    if (located.indices.join() !== served.indices.join() || located.weights.join() !== served.weights.join()) return false
    // every slot has at least one occurrence, and only the slots there are
    return located.counts.every((c) => c > 0) && located.occurrences.every((o) => o.slot < served.indices.length)
  }
  for (const text of TRICKY) t.ok(same(text), JSON.stringify(text.slice(0, 40)))
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), same), { numRuns: 200 })
  fc.assert(
    fc.property(fc.array(fc.constantFrom('you', 'idiot', 'Idi0t', '🔥', 'café', '  ', '\n', 'x!', "it's", 'ＩＤ'), { maxLength: 20 }), (parts) => same(parts.join(' '))),
    { numRuns: 200 }
  )
  const small = { ...FEATURIZER_CONFIG, buckets: 1 << 8, wordNgrams: 1, maxChars: 20 }
  const text = 'one two three four five six seven'
  t.same([...locateFeatures(text, small).indices], [...featurize(text, small).indices], 'under another configuration too')
  t.same([...locateFeatures(text, { ...small, wordNgrams: 0 }).indices], [...featurize(text, { ...small, wordNgrams: 0 }).indices])
})

t.test('words are ranges of the original text', async (t) => {
  const text = '😀 Ｆｕｌｌ Crème Y0U 1D10T!!!'
  const located = locateFeatures(text)
  t.same(
    located.words.map(({ start, end }) => text.slice(start, end)),
    ['😀', 'Ｆｕｌｌ', 'Crème', 'Y0U', '1D10T']
  )
  t.same(locateFeatures('   ').words, [])
  t.same(locateFeatures('   ').occurrences, [])
})

t.test('influence: each feature term shared by its occurrences, spread over the words it covers', async (t) => {
  const located = locateFeatures('aa bb aa')
  const heads = 2
  // every feature gives 1 to head 0 and -1 to head 1
  const terms = new Float32Array(located.indices.length * heads).map((_, i) => (i % heads === 0 ? 1 : -1))
  const influence = wordInfluence(located, terms, heads, 0)
  t.equal(influence.length, 3)
  t.ok(Math.abs(influence[0]! - influence[2]!) < 1e-9, 'the same word twice gets the same influence')
  const total = influence.reduce((a, b) => a + b, 0)
  t.ok(total > 0 && total < located.indices.length, 'n-grams over spaces only count for no word')
  t.ok(wordInfluence(located, terms, heads, 1).every((v) => v < 0))
})

t.test('picking spans: top positive words, neighbours merged, most influential first', async (t) => {
  const words = [0, 1, 2, 3, 4, 5].map((i) => ({ start: i * 3, end: i * 3 + 2 }))
  t.same(pickSpans(words, Float64Array.of(0.1, 2, 1.5, -3, 0.9, 0), { maxWords: 4, minShare: 0.3 }), [
    { start: 3, end: 8 },
    { start: 12, end: 14 }
  ])
  t.same(pickSpans(words, Float64Array.of(-1, -2, 0, 0, 0, 0)), [], 'nothing positive, nothing picked')
  t.same(pickSpans(words, Float64Array.of(0.1, 2, 1.5, -3, 0.9, 0)), [{ start: 3, end: 8 }], 'by default, words with 70 % of the top one\'s influence')
  t.same(pickSpans(words, Float64Array.of(1, 1, 1, 1, 1, 1), { maxWords: 2, minShare: 0 }), [{ start: 0, end: 5 }], 'at most maxWords, ties in text order')
  t.same(pickSpans(words, Float64Array.of(1, 0, 3, 0, 0, 0), { maxWords: 4, minShare: 0.5 }), [{ start: 6, end: 8 }], 'below minShare of the top left out')
  t.same(pickSpans(words, Float64Array.of(1, 0, 1, 0, 0, 0), { maxWords: 4, minShare: 0.5 }), [
    { start: 0, end: 2 },
    { start: 6, end: 8 }
  ])
})
