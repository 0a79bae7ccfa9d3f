import t from 'tap'
import { FEATURIZER_CONFIG, FEATURIZER_VERSION, featurize, featurizeBatch, featurizeFolded, foldedHead, packFeatures } from '../../src/text/featurize.js'
import fc from 'fast-check'
import { foldText } from '../../src/keywords/normalize.js'
import { BIGRAM_SEED, CHAR_SEED, PRIME, WORD, WORD_SEED, hashString, mix } from '../../src/text/feature-hash.js'
import { isWhitespace } from '../../src/text/featurize.js'

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

/**
 * The features as the featuriser's definition reads: the folded text's whitespace collapsed by a regex, character
 * n-grams of the padded string, words as `WORD` matches them. The featuriser computes them without building these
 * strings; it must give exactly these features, which the model was trained on.
 */
function definedFeatures(folded: string, config = FEATURIZER_CONFIG): number[] {
  const body = folded.slice(0, config.maxChars).replace(/\s+/g, ' ').trim()
  if (body === '') return []
  const stream = ` ${body} `
  const raw: number[] = []
  for (let i = 0; i < stream.length; i++) {
    let h = CHAR_SEED
    for (let j = i; j < Math.min(stream.length, i + config.charMax); j++) {
      h = Math.imul(h ^ stream.charCodeAt(j), PRIME)
      if (j - i + 1 >= config.charMin) raw.push(mix(h) & (config.buckets - 1))
    }
  }
  let previous = 0
  ;(config.wordNgrams > 0 ? (stream.match(WORD) ?? []) : []).forEach((word, w) => {
    const h = hashString(word, WORD_SEED)
    raw.push(mix(h) & (config.buckets - 1))
    if (config.wordNgrams > 1 && w > 0) raw.push(mix(Math.imul(previous ^ BIGRAM_SEED, PRIME) ^ h) & (config.buckets - 1))
    previous = h
  })
  return raw
}

/** The distinct indexes of raw hashes with their weights before normalising, as the featuriser weighs them. */
function weighed(raw: readonly number[]): Array<[number, number]> {
  const counts = new Map<number, number>()
  for (const index of raw) counts.set(index, (counts.get(index) ?? 0) + 1)
  return [...counts].sort((a, b) => a[0] - b[0]).map(([index, count]) => [index, 1 + Math.log(count)])
}

function matchesDefinition(folded: string, config = FEATURIZER_CONFIG): boolean {
  const expected = weighed(definedFeatures(folded, config))
  const { indices, weights } = featurizeFolded(folded, config)
  const scale = 1 / Math.sqrt(expected.reduce((sum, [, w]) => sum + w * w, 0))
  return indices.length === expected.length && expected.every(([index, w], i) => indices[i] === index && weights[i] === Math.fround(Math.fround(w) * scale))
}

t.test('features are those of the definition: whitespace, surrogates, marks, emoji and words of every script', async (t) => {
  const texts = [
    '',
    ' \u00a0\u2028\ufeff ',
    'a\u3000\u3000b\u1680c\u205fd\u180ee',
    'naïve café x\u0301y 😂😂 👍🏽 #fyp',
    'emoji joined 👨\u200d👩\u200d👧 flags 🇫🇷 keycap 1\u20e3 ©®™',
    '\ud83d lone high \ude02 lone low \ud83d',
    '日本語のテキスト 中文 한국어 العربية עברית हिन्दी',
    '𝐛𝐨𝐥𝐝 𝔣𝔯𝔞𝔨𝔱𝔲𝔯 𐐀𐐨 ancient 𒀀',
    'ﬁne ½ ², ٣ ⅷ',
    'tab\tnew\nline\r\nvertical\u000bform\u000c',
    'word '.repeat(300) + 'tail cut at the character limit'
  ]
  // by index: some of these texts would break a line of the test's report
  texts.forEach((text, i) => {
    t.ok(matchesDefinition(text), `text ${i}`)
    t.ok(matchesDefinition(foldText(text)), `text ${i} folded`)
  })
  // a surrogate pair cut by the character limit
  t.ok(matchesDefinition('x'.repeat(FEATURIZER_CONFIG.maxChars - 1) + '😂 tail'))
  // a longer limit than the default, and other n-gram ranges
  const long = texts.join(' ').repeat(3)
  t.ok(matchesDefinition(long, { ...FEATURIZER_CONFIG, maxChars: 4000 }))
  t.ok(matchesDefinition(long, { ...FEATURIZER_CONFIG, charMin: 2, charMax: 4, wordNgrams: 1 }))
  t.ok(matchesDefinition(long, { ...FEATURIZER_CONFIG, wordNgrams: 0 }))
  // and arbitrary text
  const pieces = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom(' ', '\n', '\u00a0', '\u3000', '😂', '👍🏽', 'é', 'e\u0301', '\ud83d', '1', "'", '-', '日本')
  )
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
      const text = parts.join('')
      return matchesDefinition(text) && matchesDefinition(foldText(text))
    }),
    { numRuns: 2000 }
  )
})

t.test('isWhitespace is what \\s matches, on every UTF-16 unit', async (t) => {
  let differ = 0
  for (let code = 0; code < 0x10000; code++) if (isWhitespace(code) !== /\s/.test(String.fromCharCode(code))) differ++
  t.equal(differ, 0)
})
