/**
 * Which words of a text drove a text-model score: for explanations only (`explain`), never on the scoring path.
 *
 * The model is linear over hashed n-grams, so a head's logit is a sum of one term per feature (the model
 * output `contributions`). To say where those terms came from, the text's features are derived again here,
 * with the source range of every occurrence: the text is folded as `foldText` does, keeping for every folded
 * unit the range of the original characters it came from (the normaliser's offset map, as keyword matching
 * uses), then hashed as `featurizeFolded` does. The hot featuriser stays free of this bookkeeping; a test keeps
 * the two giving the same features.
 *
 * A feature's term is shared among its occurrences and spread evenly over the characters each covers; a
 * word's influence is the sum over its characters. The most influential words (positive terms only) are
 * picked, neighbours merged into one span.
 */
import { LETTER, normalizeText, readText } from '../keywords/normalize.js'
import { FEATURIZER_CONFIG, featurizeFolded, type FeaturizerConfig, type TextFeatures } from './featurize.js'
import { BIGRAM_SEED, CHAR_SEED, PRIME, WORD, WORD_SEED, hashString, mix } from './feature-hash.js'

/** A range of UTF-16 offsets into the original text: [start, end). */
export interface TextRange {
  start: number
  end: number
}

/** A text folded as `foldText` folds it, with each folded unit's original range. */
export interface FoldedWithOffsets {
  text: string
  sourceStart: Int32Array
  sourceEnd: Int32Array
}

/** The features of a text (as `featurize` gives them) and where each occurrence of each came from. */
export interface LocatedFeatures extends TextFeatures {
  /** Words (in order), as original ranges. */
  words: TextRange[]
  /** Per occurrence: the slot of its feature in `indices`, and the words it covers. */
  occurrences: Occurrence[]
  /** Occurrences per slot. */
  counts: Int32Array
}

interface Occurrence {
  slot: number
  /** Per covered word: its index in `words` and the share of the occurrence's characters that lie in it. */
  words: number[]
  shares: number[]
}

/** How many words a span explanation keeps, and the least influence (as a share of the top word's) a word needs. */
export interface SpanOptions {
  maxWords: number
  minShare: number
}

/** Chosen on the Toxic Spans training split (`npm run eval:spans`). */
export const SPAN_OPTIONS: Readonly<SpanOptions> = { maxWords: 6, minShare: 0.7 }

const SPACE = /\s/

/** `foldText(text)` with the original range of every folded unit. */
export function foldWithOffsets(text: string): FoldedWithOffsets {
  const normalized = normalizeText(text)
  const { units, classes, length } = readText(normalized, true)
  const kept: number[] = []
  let out = ''
  for (let index = 0; index < length; index++) {
    const unit = units[index]!
    const last = kept.length
    const elongated = last >= 2 && out.charCodeAt(last - 1) === unit && out.charCodeAt(last - 2) === unit && classes[index] === LETTER
    if (elongated) continue
    kept.push(index)
    out += String.fromCharCode(unit)
  }
  return {
    text: out,
    sourceStart: Int32Array.from(kept, (i) => normalized.sourceStart[i]!),
    sourceEnd: Int32Array.from(kept, (i) => normalized.sourceEnd[i]!)
  }
}

const BREAK = /[\s\p{Z}]/gu

/** The folding of as much of `text` as the featuriser reads (see `foldedHead` in featurize.ts). */
function foldedHeadWithOffsets(text: string, units: number): FoldedWithOffsets {
  for (let end = units * 2; end < text.length; end *= 2) {
    BREAK.lastIndex = end
    const space = BREAK.exec(text)
    if (space === null) break
    const folded = foldWithOffsets(text.slice(0, space.index + space[0].length))
    if (folded.text.length >= units) return folded
  }
  return foldWithOffsets(text)
}

/**
 * The features `featurize(text, config)` gives, with their occurrences located in `text`: the words of the folded
 * text, and per occurrence of a feature, the words it covers.
 */
export function locateFeatures(text: string, config: Readonly<FeaturizerConfig> = FEATURIZER_CONFIG): LocatedFeatures {
  const folded = foldedHeadWithOffsets(text, config.maxChars)
  const features = featurizeFolded(folded.text, config)
  const head = folded.text.slice(0, config.maxChars)
  // the featuriser's stream, ` ${body} ` with whitespace runs collapsed, and each of its units' folded offset (-1: a space)
  let stream = ' '
  const origin: number[] = [-1]
  let pendingSpace = false
  for (let i = 0; i < head.length; i++) {
    if (SPACE.test(head[i]!)) {
      pendingSpace = stream.length > 1
      continue
    }
    if (pendingSpace) {
      stream += ' '
      origin.push(-1)
      pendingSpace = false
    }
    stream += head[i]
    origin.push(i)
  }
  stream += ' '
  origin.push(-1)

  const mask = config.buckets - 1
  const slotOf = (index: number) => binarySearch(features.indices, index)
  const words: TextRange[] = []
  const wordOfUnit = new Int32Array(stream.length).fill(-1)
  const wordSpans: Array<[number, number]> = []
  const wordHashes: number[] = []
  for (const match of stream.matchAll(WORD)) {
    const first = match.index
    const last = first + match[0].length - 1
    for (let u = first; u <= last; u++) wordOfUnit[u] = words.length
    words.push({ start: folded.sourceStart[origin[first]!]!, end: folded.sourceEnd[origin[last]!]! })
    wordSpans.push([first, last + 1])
    wordHashes.push(hashString(match[0], WORD_SEED))
  }
  const occurrences: Occurrence[] = []
  const counts = new Int32Array(features.indices.length)
  const add = (index: number, from: number, to: number) => {
    const slot = slotOf(index)
    counts[slot]!++
    const covered = new Map<number, number>()
    for (let u = from; u < to; u++) {
      const word = wordOfUnit[u]!
      if (word >= 0) covered.set(word, (covered.get(word) ?? 0) + 1 / (to - from))
    }
    occurrences.push({ slot, words: [...covered.keys()], shares: [...covered.values()] })
  }
  if (stream.length > 2) {
    for (let i = 0; i < stream.length; i++) {
      let h = CHAR_SEED
      const end = Math.min(stream.length, i + config.charMax)
      for (let j = i; j < end; j++) {
        h = Math.imul(h ^ stream.charCodeAt(j), PRIME)
        if (j - i + 1 >= config.charMin) add(mix(h) & mask, i, j + 1)
      }
    }
    if (config.wordNgrams > 0) {
      for (let w = 0; w < words.length; w++) {
        const h = wordHashes[w]!
        add(mix(h) & mask, wordSpans[w]![0], wordSpans[w]![1])
        if (config.wordNgrams > 1 && w > 0) add(mix(Math.imul(wordHashes[w - 1]! ^ BIGRAM_SEED, PRIME) ^ h) & mask, wordSpans[w - 1]![0], wordSpans[w]![1])
      }
    }
  }
  return { ...features, words, occurrences, counts }
}

function binarySearch(sorted: Int32Array, value: number): number {
  let low = 0
  let high = sorted.length - 1
  while (low < high) {
    const mid = (low + high) >>> 1
    if (sorted[mid]! < value) low = mid + 1
    else high = mid
  }
  return low
}

/**
 * Each word's share of one head's logit: `contributions` are the model's per-feature terms for this text, as
 * laid out in its row (`[width, heads]`, slot-major), `head` the column.
 */
export function wordInfluence(located: LocatedFeatures, contributions: Float32Array, heads: number, head: number): Float64Array {
  const influence = new Float64Array(located.words.length)
  for (const { slot, words, shares } of located.occurrences) {
    const term = contributions[slot * heads + head]! / located.counts[slot]!
    for (let k = 0; k < words.length; k++) {
      const word = words[k]!
      influence[word] = influence[word]! + term * shares[k]!
    }
  }
  return influence
}

/**
 * The spans that drove a score, most influential first: the words with the largest positive influence (at
 * least `minShare` of the top one's, at most `maxWords`), neighbouring words merged into one span.
 */
export function pickSpans(words: readonly TextRange[], influence: Float64Array, options: Readonly<SpanOptions> = SPAN_OPTIONS): TextRange[] {
  let top = 0
  for (const value of influence) top = Math.max(top, value)
  if (top <= 0) return []
  const chosen = [...influence.keys()]
    .filter((w) => influence[w]! > 0 && influence[w]! >= options.minShare * top)
    .sort((a, b) => influence[b]! - influence[a]! || a - b)
    .slice(0, options.maxWords)
    .sort((a, b) => a - b)
  const spans: Array<TextRange & { weight: number }> = []
  let previous = -2
  for (const w of chosen) {
    const last = spans[spans.length - 1]
    if (last !== undefined && w === previous + 1) {
      last.end = words[w]!.end
      last.weight += influence[w]!
    } else {
      spans.push({ start: words[w]!.start, end: words[w]!.end, weight: influence[w]! })
    }
    previous = w
  }
  return spans.sort((a, b) => b.weight - a.weight || a.start - b.start).map(({ start, end }) => ({ start, end }))
}
