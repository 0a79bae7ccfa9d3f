import t from 'tap'
import { FEATURIZER_CONFIG, FEATURIZER_VERSION, featurize, featurizeBatch, featurizeFolded, foldedHead, packFeatures } from '../../src/text/featurize.js'
import { foldText } from '../../src/keywords/normalize.js'

const norm = (w: Float32Array) => Math.sqrt(w.reduce((a, x) => a + x * x, 0))

t.test('features are sorted, distinct, in range, with unit L2 norm', async (t) => {
  const { indices, weights } = featurize('Hello hello world! This is a caption #fyp 😂')
  t.ok(indices.length > 20)
  t.equal(indices.length, weights.length)
  for (let i = 1; i < indices.length; i++) t.ok(indices[i]! > indices[i - 1]!)
  t.ok(indices.every((x) => x >= 0 && x < FEATURIZER_CONFIG.buckets))
  t.ok(Math.abs(norm(weights) - 1) < 1e-6)
  t.match(FEATURIZER_VERSION, /^fg-text-/)
})

t.test('every hash space size gives sorted, distinct features: the same multiset as the unsorted hashes', async (t) => {
  const text = foldText('Hello hello world! This is a caption #fyp 😂 with some more words to hash, hash, hash')
  for (const bits of [1, 7, 8, 10, 11, 16, 20, 21, 24]) {
    const config = { ...FEATURIZER_CONFIG, buckets: 2 ** bits }
    const { indices, weights } = featurizeFolded(text, config)
    for (let i = 1; i < indices.length; i++) t.ok(indices[i]! > indices[i - 1]!, `ascending at ${bits} bits`)
    t.ok(indices.every((x) => x >= 0 && x < config.buckets))
    t.ok(Math.abs(norm(weights) - 1) < 1e-6)
    // the indexes are the full-width ones masked: fewer bits can only merge features
    const wide = featurizeFolded(text, { ...FEATURIZER_CONFIG, buckets: 2 ** 24 }).indices
    t.same([...indices], [...new Set([...wide].map((x) => x & (config.buckets - 1)))].sort((a, b) => a - b), `${bits} bits`)
  }
})

t.test('repeated features weigh 1 + ln(count) before normalising', async (t) => {
  const config = { buckets: 1 << 20, maxChars: 100, charMin: 1, charMax: 1, wordNgrams: 0 }
  // stream " aab ": ' ' ×2, 'a' ×2, 'b' ×1
  const { weights } = featurizeFolded('aab', config)
  const sorted = [...weights].sort()
  const raw = [1, 1 + Math.log(2), 1 + Math.log(2)]
  const scale = Math.sqrt(raw.reduce((a, x) => a + x * x, 0))
  raw.forEach((x, i) => t.ok(Math.abs(sorted[i]! - x / scale) < 1e-6))
})

t.test('evasions fold to the same features as the plain text', async (t) => {
  const plain = featurize('you are an idiot')
  for (const evasion of ['YOU ARE AN IDIOT', 'y0u are an 1d10t', 'ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ', 'уоu аrе аn idiot']) {
    t.same(featurize(evasion).indices, plain.indices, evasion)
  }
  t.same(featurize('so stuuuupid').indices, featurize('so stuuuuuuuupid').indices, 'elongation squeezed')
})

t.test('whitespace is collapsed and text beyond maxChars ignored', async (t) => {
  t.same(featurize('a   b\n\nc'), featurize('a b c'))
  const long = 'word '.repeat(1000)
  t.same(featurize(long), featurize(long + ' extra tail'))
})

t.test('empty text has no features and packs as padding', async (t) => {
  t.equal(featurize('').indices.length, 0)
  const spaces = featurizeFolded(' \n\t ')
  t.equal(spaces.indices.length, 0)
  t.same(spaces.weights, new Float32Array(0))
  const batch = packFeatures([featurize('abc'), spaces, featurize('a much longer text than the first')])
  t.equal(batch.batch, 3)
  t.equal(batch.width, featurize('a much longer text than the first').indices.length)
  t.equal(batch.indices.length, 3 * batch.width)
  const second = batch.weights.subarray(batch.width, 2 * batch.width)
  t.ok(second.every((w) => w === 0), 'an empty row is all padding (weight 0)')
  t.same(packFeatures([]).width, 1)
})

t.test('a batch featurised at once is the texts featurised one by one and packed', async (t) => {
  const texts = ['abc', '', ' \n ', 'a much longer text than the first 😂 #fyp', 'ÉCOLE 1d10t', 'x '.repeat(600)]
  const same = (batch: readonly string[]) => {
    const packed = packFeatures(batch.map((text) => featurize(text)))
    const direct = featurizeBatch(batch)
    t.equal(direct.batch, packed.batch)
    t.equal(direct.width, packed.width)
    t.same([...direct.indices], [...packed.indices])
    t.same([...direct.weights], [...packed.weights])
  }
  same(texts)
  same([])
  same(['', ''])
  // ~1,000 features each: the shared space grows while the batch is written, keeping the rows before
  same(Array.from({ length: 12 }, (_, i) => Array.from({ length: 200 }, (_, k) => `w${i}x${k}`).join(' ')))
})

t.test('text without words still has character features', async (t) => {
  t.ok(featurize('!!! ...').indices.length > 0)
})

t.test('long texts grow the scratch space', async (t) => {
  const text = Array.from({ length: 900 }, (_, i) => `w${i}`).join(' ')
  t.ok(featurize(text).indices.length > 1000)
})

t.test('a long text is folded only as far as the features read, with the same features', async (t) => {
  const words = ['Sp0iler', 'goooood', "don't", 'ﬁne', 'naïve', '\u00a0', 'C@T', '12abc', 'x\u0301y', 'aaaa1']
  const text = Array.from({ length: 30_000 }, (_, index) => words[(index * 7) % words.length]).join(' ')
  t.same(foldedHead(text, 1000), foldText(text).slice(0, foldedHead(text, 1000).length))
  t.ok(foldedHead(text, 1000).length >= 1000 && foldedHead(text, 1000).length < 10_000)
  t.same(featurize(text), featurizeFolded(foldText(text)))
  // no whitespace past the start, or too little text once folded: all of it is folded
  const squeezed = 'a'.repeat(5000) + ' ' + 'b'.repeat(5000) + ' end'
  t.equal(foldedHead(squeezed, 1000), foldText(squeezed))
  const unbroken = 'word '.repeat(10) + 'x'.repeat(50_000)
  t.equal(foldedHead(unbroken, 1000), foldText(unbroken))
})
