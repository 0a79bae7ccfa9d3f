import { foldText } from '../keywords/normalize.js'
import { BIGRAM_SEED, CHAR_SEED, PRIME, WORD_SEED, mix } from './feature-hash.js'

/**
 * Turns text into the sparse, hashed features the text model reads. The same code runs in training and
 * in serving, so the model sees in production exactly what it was trained on.
 *
 * Text is first folded by the keyword matcher's normaliser (NFKC, case, accents, homoglyphs, leetspeak,
 * elongation), so evasions that the keyword filters see through don't evade the model either. Features:
 * character n-grams of the folded text (whitespace collapsed, padded with a space at both ends), and
 * word unigrams and bigrams, each hashed into `buckets` slots. Repeated features are merged; a feature's
 * weight is 1 + ln(count), and the weights of a text are scaled to unit L2 norm, so long and short texts
 * are comparable.
 */

export interface FeaturizerConfig {
  /** Hash space size: a power of two. */
  buckets: number
  /** Characters of folded text read; the rest is ignored, which bounds the cost of long transcripts. */
  maxChars: number
  charMin: number
  charMax: number
  /** 1 = word unigrams, 2 = unigrams and bigrams, 0 = no word features. */
  wordNgrams: number
}

/** Changes whenever features change for the same text: a model is only valid with the version it was trained with. */
export const FEATURIZER_VERSION = 'fg-text-hash-1'

export const FEATURIZER_CONFIG: Readonly<FeaturizerConfig> = {
  buckets: 1 << 20,
  maxChars: 1000,
  charMin: 1,
  charMax: 5,
  wordNgrams: 2
}

/** Sparse features of a batch, padded to the longest row: padding has index 0 and weight 0. */
export interface FeatureBatch {
  indices: Int32Array
  weights: Float32Array
  batch: number
  width: number
}

/** Sparse features of one text: sorted, distinct bucket indexes and their weights. */
export interface TextFeatures {
  indices: Int32Array
  weights: Float32Array
}

const SPACE = 0x20

/** Bits of an index that place it in its bucket of the first sorting pass: 1,024 buckets, a few indexes in each. */
const TOP_BITS = 10
/**
 * A text with a bucket holding more indexes than this (a crafted text) is sorted by the engine, so no text costs
 * n². Equal indexes crowd a bucket too, cheaply: the space between words alone is ~30 indexes of a caption, and
 * at 32 one caption in twelve of the cold benchmark's fell back to the engine's slower sort.
 */
const INSERTION_LIMIT = 64
/** 1 + ln(k), the weight of a feature seen k times, for the counts short texts have: the same doubles Math.log gives. */
const REPEAT_WEIGHTS = Float64Array.from({ length: 64 }, (_, k) => (k < 2 ? 1 : 1 + Math.log(k)))

/** The code point at `at` of the first `length` units (a lone surrogate is a code point of its own, as in a `u` regex). */
function codePointAt(units: Uint16Array, at: number, length: number): number {
  const unit = units[at]!
  if (unit < 0xd800 || unit > 0xdbff || at + 1 >= length) return unit
  const low = units[at + 1]!
  return low >= 0xdc00 && low <= 0xdfff ? ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000 : unit
}

/** Reusable scratch space: featurising allocates only the returned arrays. */
class Scratch {
  raw = new Int32Array(1024)
  sorted = new Int32Array(1024)
  /** Where each bucket of the first sorting pass starts, plus one. */
  starts = new Int32Array((1 << TOP_BITS) + 1)
  /** The padded text: at most `maxChars` + 2 units, which only a configuration other than the default exceeds. */
  units = new Uint16Array(FEATURIZER_CONFIG.maxChars + 2)
  ensureUnits(size: number) {
    if (this.units.length < size) this.units = new Uint16Array(size)
    return this.units
  }
  ensure(size: number) {
    if (this.raw.length < size) {
      this.raw = new Int32Array(Math.max(size, this.raw.length * 2))
      this.sorted = new Int32Array(this.raw.length)
    }
    return this.raw
  }
}
const scratch = new Scratch()

/** Features of many texts, each written after the previous one, so that a batch is packed without a copy per text. */
class Rows {
  indices = new Int32Array(4096)
  weights = new Float32Array(4096)
  /** Room for `more` features from `offset` on, keeping what is before it. */
  reserve(offset: number, more: number): void {
    if (offset + more <= this.indices.length) return
    const size = Math.max(offset + more, this.indices.length * 2)
    const indices = new Int32Array(size)
    const weights = new Float32Array(size)
    indices.set(this.indices.subarray(0, offset))
    weights.set(this.weights.subarray(0, offset))
    this.indices = indices
    this.weights = weights
  }
}
const rows = new Rows()

/**
 * Sorts the first `n` bucket indexes of `scratch.raw` (each below `buckets`), ascending; returns the array that
 * holds the result. One counting pass puts each index in the bucket of its top TOP_BITS bits: hashes spread
 * evenly, so the ~750 indexes of a 150-character caption land a few to a bucket, and one insertion pass, whose
 * moves never leave a bucket, finishes the sort. A text whose indexes crowd one bucket is sorted by the engine.
 * Featurising the benchmark's captions (~160 characters, ~880 indexes) took 41 µs each with `TypedArray#sort`,
 * 23 µs with a two-pass 10-bit radix sort and 19 µs with this sort (built code, in process, on an Intel Xeon).
 */
function sortIndexes(n: number, buckets: number): Int32Array {
  const from = scratch.raw
  const to = scratch.sorted
  const starts = scratch.starts
  const shift = Math.max(0, Math.log2(buckets) - TOP_BITS)
  starts.fill(0)
  for (let i = 0; i < n; i++) {
    const next = ((from[i] as number) >>> shift) + 1
    starts[next] = (starts[next] as number) + 1
  }
  let crowded = 0
  for (let bucket = 1; bucket < starts.length; bucket++) {
    crowded = Math.max(crowded, starts[bucket] as number)
    starts[bucket] = (starts[bucket] as number) + (starts[bucket - 1] as number)
  }
  for (let i = 0; i < n; i++) {
    const value = from[i] as number
    const bucket = value >>> shift
    const at = starts[bucket] as number
    to[at] = value
    starts[bucket] = at + 1
  }
  if (crowded > INSERTION_LIMIT) return to.subarray(0, n).sort()
  for (let i = 1; i < n; i++) {
    const value = to[i] as number
    let j = i - 1
    while (j >= 0 && (to[j] as number) > value) {
      to[j + 1] = to[j] as number
      j--
    }
    to[j + 1] = value
  }
  return to
}

/** Features of text that has already been folded (training folds once and caches; serving calls `featurize`). */
export function featurizeFolded(folded: string, config: Readonly<FeaturizerConfig> = FEATURIZER_CONFIG): TextFeatures {
  const count = featuresInto(folded, config, rows, 0)
  return { indices: rows.indices.slice(0, count), weights: rows.weights.slice(0, count) }
}

/**
 * Whitespace as `\s` and `String#trim` know it (ECMAScript's WhiteSpace and LineTerminator): the stream
 * collapses each run of it into one space.
 */
export function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d)
  return (
    code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 ||
    code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  )
}

/** What a code point is to the word features, as `WORD` matches them: part of a word, an emoji word alone, or neither. */
const WORD_PART = 1
const EMOJI_WORD = 2
const NOT_WORD = 3
const WORD_PART_RE = /[\p{L}\p{N}\p{M}]/u
const EMOJI_RE = /\p{Extended_Pictographic}/u
/**
 * Kinds of the BMP's code points, found on first sight (0: not yet). An astral one is looked up each time: a
 * caption has a few (emoji), and a table for them all would be 1 MB.
 */
const bmpKinds = new Uint8Array(0x10000)

function kindOf(codePoint: number): number {
  if (codePoint > 0xffff) return kindByRegex(codePoint)
  const known = bmpKinds[codePoint]!
  return known === 0 ? (bmpKinds[codePoint] = kindByRegex(codePoint)) : known
}

function kindByRegex(codePoint: number): number {
  const character = String.fromCodePoint(codePoint)
  return WORD_PART_RE.test(character) ? WORD_PART : EMOJI_RE.test(character) ? EMOJI_WORD : NOT_WORD
}

/**
 * Writes the features of folded text into `into` from `offset` on; returns how many there are.
 *
 * The text is copied once into an array of UTF-16 units (whitespace collapsed, a space at both ends) and every
 * hash reads that array; the words are found in it code point by code point, as `WORD` would match them. Hashing
 * a ~165-character caption this way takes ~12 µs; reading the padded string (a concatenation, slow to read unit by
 * unit) and `WORD`'s matches took 18–21 µs (built code, in process, AMD EPYC). `definedFeatures` in the tests
 * is the plain definition this must equal.
 */
function featuresInto(folded: string, config: Readonly<FeaturizerConfig>, into: Rows, offset: number): number {
  const mask = config.buckets - 1
  const read = Math.min(folded.length, config.maxChars)
  const units = scratch.ensureUnits(read + 2)
  let length = 1
  units[0] = SPACE
  let spaced = false
  for (let i = 0; i < read; i++) {
    const unit = folded.charCodeAt(i)
    if (isWhitespace(unit)) {
      spaced = length > 1
      continue
    }
    if (spaced) {
      units[length++] = SPACE
      spaced = false
    }
    units[length++] = unit
  }
  if (length === 1) return 0
  units[length++] = SPACE
  const spans = config.charMax - config.charMin + 1
  // a word takes at least one unit
  const raw = scratch.ensure(length * (spans + 2))
  let n = 0
  for (let i = 0; i < length; i++) {
    let h = CHAR_SEED
    const end = Math.min(length, i + config.charMax)
    for (let j = i; j < end; j++) {
      h = Math.imul(h ^ units[j]!, PRIME)
      if (j - i + 1 >= config.charMin) raw[n++] = mix(h) & mask
    }
  }
  if (config.wordNgrams > 0) {
    let previous = 0
    let words = 0
    for (let i = 0; i < length; ) {
      const first = codePointAt(units, i, length)
      const kind = kindOf(first)
      let end = i + (first > 0xffff ? 2 : 1)
      if (kind === NOT_WORD) {
        i = end
        continue
      }
      if (kind === WORD_PART) {
        while (end < length) {
          const code = codePointAt(units, end, length)
          if (kindOf(code) !== WORD_PART) break
          end += code > 0xffff ? 2 : 1
        }
      }
      let h = WORD_SEED
      for (let j = i; j < end; j++) h = Math.imul(h ^ units[j]!, PRIME)
      raw[n++] = mix(h) & mask
      if (config.wordNgrams > 1 && words > 0) raw[n++] = mix(Math.imul(previous ^ BIGRAM_SEED, PRIME) ^ h) & mask
      previous = h
      words++
      i = end
    }
  }
  const sorted = sortIndexes(n, config.buckets)
  // each run of equal indexes is one feature, weighing 1 + ln(its length)
  into.reserve(offset, n)
  const { indices, weights } = into
  let distinct = offset
  let norm = 0
  for (let i = 0; i < n; ) {
    const index = sorted[i] as number
    let j = i + 1
    while (j < n && sorted[j] === index) j++
    const repeats = j - i
    const w = repeats < REPEAT_WEIGHTS.length ? (REPEAT_WEIGHTS[repeats] as number) : 1 + Math.log(repeats)
    indices[distinct] = index
    weights[distinct++] = w
    norm += w * w
    i = j
  }
  const scale = 1 / Math.sqrt(norm) // a non-empty text has at least one character feature
  for (let i = offset; i < distinct; i++) weights[i] = (weights[i] as number) * scale
  return distinct - offset
}

/** Features of raw text, as served: fold, then hash. */
export function featurize(text: string, config: Readonly<FeaturizerConfig> = FEATURIZER_CONFIG): TextFeatures {
  return featurizeFolded(foldedHead(text, config.maxChars), config)
}

const WHITESPACE = /[\s\p{Z}]/gu

/**
 * foldText(text), or a start of it at least `units` long: the features read no further, and a 100,000-character
 * transcript would otherwise be folded whole, on the event loop. Folding text cut just after a whitespace gives
 * the start of the whole text's folding (words, the clusters of normalisation and leetspeak all end there).
 */
export function foldedHead(text: string, units: number): string {
  for (let end = units * 2; end < text.length; end *= 2) {
    WHITESPACE.lastIndex = end
    const space = WHITESPACE.exec(text)
    if (space === null) break
    const folded = foldText(text.slice(0, space.index + space[0].length))
    if (folded.length >= units) return folded
  }
  return foldText(text)
}

/**
 * The padded `[batch, width]` tensors of raw texts, as served: `packFeatures(texts.map(featurize))`, with the
 * features of each text written once into shared scratch space and copied into the tensors, not into arrays of
 * their own first.
 */
export function featurizeBatch(texts: readonly string[], config: Readonly<FeaturizerConfig> = FEATURIZER_CONFIG): FeatureBatch {
  const ends = new Int32Array(texts.length)
  let offset = 0
  let width = 1
  texts.forEach((text, row) => {
    const count = featuresInto(foldedHead(text, config.maxChars), config, rows, offset)
    offset += count
    ends[row] = offset
    width = Math.max(width, count)
  })
  const indices = new Int32Array(texts.length * width)
  const weights = new Float32Array(texts.length * width)
  let start = 0
  ends.forEach((end, row) => {
    indices.set(rows.indices.subarray(start, end), row * width)
    weights.set(rows.weights.subarray(start, end), row * width)
    start = end
  })
  return { indices, weights, batch: texts.length, width }
}

/** Packs per-text features into the padded `[batch, width]` tensors the model takes. */
export function packFeatures(rows: readonly TextFeatures[]): FeatureBatch {
  let width = 1
  for (const row of rows) width = Math.max(width, row.indices.length)
  const indices = new Int32Array(rows.length * width)
  const weights = new Float32Array(rows.length * width)
  rows.forEach((row, r) => {
    indices.set(row.indices, r * width)
    weights.set(row.weights, r * width)
  })
  return { indices, weights, batch: rows.length, width }
}
