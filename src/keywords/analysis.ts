/**
 * What matching needs to know about a field, whoever the user: its atoms and the word keys of each (as ids of the
 * process-wide dictionary), its hashtags and their keys, the texts of atoms that may be read joined, and its
 * substring runs. A user's matcher then only compares integers and walks its own rules (matcher.ts).
 *
 * The same caption is scored for many users, so analyses are cached per text: analysing it once per process
 * is the point. An analysis is immutable: its numbers are written once, in a block no later analysis writes to,
 * and the buffers reused from one analysis to the next are only read while it is made.
 */
import { hashStep, wordKeys } from './dictionary.js'
import { textWordKeys } from './inflection.js'
import { APOSTROPHE, ReadingBuffers, TextBuffers, isTokenClass, normalizeText, readText, type NormalizedText, type Reading } from './normalize.js'
import { RunBuffers, copyNumbers, runTextSize, toRuns, writeRunText } from './substring.js'
import { Atoms, LINK_JOIN, LINK_SPACED, fieldTag, findTags, spacedGaps, tagWord, tokenize, type Tag } from './tokens.js'

/**
 * content = caption / overlayText / transcript (may contain inline #tags); hashtag = one entry of
 * item.hashtags[] (with or without a leading '#'); author = author handle or display name
 */
export type FieldKind = 'content' | 'hashtag' | 'author'

const KIND_INDEX: Readonly<Record<FieldKind, number>> = { content: 0, hashtag: 1, author: 2 }

/** Values of an analysis' atom record, four numbers per atom. */
const ATOM_SPAN_START = 0
const ATOM_SPAN_END = 1
/** where its keys start in the key list; they end where the next atom's start */
const ATOM_KEYS = 2
/** its hashtag plus one, shifted left twice, and its link to the next atom */
const ATOM_TAG_LINK = 3
const ATOM_FIELDS = 4
/** Values of an analysis' hashtag record: source span (what a match reports), then normalised span. */
export const TAG_SOURCE_START = 0
export const TAG_SOURCE_END = 1
export const TAG_START = 2
export const TAG_END = 3
export const TAG_FIELDS = 4
/**
 * Fields with at least this many keys also list them sorted. With fewer, a matcher probes its table with each
 * key of the field: a few dozen probes, about what sorting them would cost.
 */
export const SORTED_KEYS_FROM = 64
/**
 * ... and at most this many: sorting a long transcript's keys costs more than a matcher probing its table with
 * every one of them, and it would hold the event loop while the transcript is first seen.
 */
export const SORTED_KEYS_UNTIL = 4096

function hasSortedKeys(keyCount: number): boolean {
  return keyCount >= SORTED_KEYS_FROM && keyCount <= SORTED_KEYS_UNTIL
}

/** Values of a source segment (see writeSourceSegments). */
const SEGMENT_SOURCE = 1
const SEGMENT_END = 2
const SEGMENT_FIELDS = 3

/**
 * The analysis of one field: opaque to callers, who hand it to KeywordMatcher.matchAnalyzed. Its numbers live
 * in one Int32Array, `data`, laid out as:
 * - per atom (both readings, one after the other: links never cross from one to the other), ATOM_FIELDS
 *   numbers: the source start of a match starting there and the source end of one ending there (a whole
 *   hashtag for an atom inside one), where its keys start in the key list, its hashtag and its link;
 * - the key list: the ids of each atom's keys, atom after atom;
 * - for a field with SORTED_KEYS_FROM to SORTED_KEYS_UNTIL keys, the same keys sorted by id, then the atom of each (in
 *   atom order for one id), so that a matcher with fewer keys can look its own up;
 * - per hashtag, TAG_FIELDS numbers;
 * - pairs (hashtag, key id) for the hashtags read as one word;
 * - the atoms a join of parts may start at (those with a joining link to the next one);
 * - the atoms with a joining link before or after them, whose texts are `joinTexts`;
 * - the runs of each reading (see RunText);
 * - unless unit i is source character i throughout, where the units come from (writeSourceSegments).
 * The array is shared with other analyses (see NumberBlocks): an analysis' numbers start at `atomsAt`.
 */
export class FieldAnalysis {
  readonly keysAt: number
  /** -1 when the keys are not sorted (few keys) */
  readonly sortedKeysAt: number
  readonly sortedAtomsAt: number
  readonly tagsAt: number
  readonly tagKeysAt: number
  readonly joinStartsAt: number
  readonly joinAtomsAt: number
  readonly sourceSegmentsAt: number

  constructor(
    /** the field as given: match spans are offsets into it */
    readonly text: string,
    readonly kind: FieldKind,
    /** the dictionary generation its key ids belong to */
    readonly generation: number,
    readonly atomCount: number,
    readonly keyCount: number,
    readonly tagCount: number,
    readonly tagKeyCount: number,
    readonly joinStartCount: number,
    /** an array shared with other analyses: this one's numbers are data[atomsAt, atomsAt + size) */
    readonly data: Int32Array,
    readonly atomsAt: number,
    readonly size: number,
    /** the texts of the atoms with a joining link before or after them, in atom order; null when none has */
    readonly joinTexts: readonly string[] | null,
    /** where the runs of the folded reading are in `data` (see RunText) */
    readonly foldedRunsAt: number,
    /** where those of the plain reading are, when leetspeak folding changed it; -1 otherwise */
    readonly plainRunsAt: number,
    /** none when unit i is source character i throughout */
    readonly sourceSegmentCount: number
  ) {
    this.keysAt = atomsAt + atomCount * ATOM_FIELDS
    const sorted = hasSortedKeys(keyCount)
    this.sortedKeysAt = sorted ? this.keysAt + keyCount : -1
    this.sortedAtomsAt = sorted ? this.keysAt + keyCount * 2 : -1
    this.tagsAt = this.keysAt + keyCount * (sorted ? 3 : 1)
    this.tagKeysAt = this.tagsAt + tagCount * TAG_FIELDS
    this.joinStartsAt = this.tagKeysAt + tagKeyCount * 2
    this.joinAtomsAt = this.joinStartsAt + joinStartCount
    this.sourceSegmentsAt = atomsAt + size - sourceSegmentCount * SEGMENT_FIELDS
  }

  /** Source offset where a match starting at the atom starts. */
  spanStart(atom: number): number {
    return this.data[this.atomsAt + atom * ATOM_FIELDS + ATOM_SPAN_START]!
  }

  /** Source offset where a match ending with the atom ends. */
  spanEnd(atom: number): number {
    return this.data[this.atomsAt + atom * ATOM_FIELDS + ATOM_SPAN_END]!
  }

  /** Where an atom's keys start in the key list (from `keysAt`). */
  keysStart(atom: number): number {
    return this.data[this.atomsAt + atom * ATOM_FIELDS + ATOM_KEYS]!
  }

  /** Where an atom's keys end in the key list. */
  keysEnd(atom: number): number {
    return atom + 1 < this.atomCount ? this.data[this.atomsAt + (atom + 1) * ATOM_FIELDS + ATOM_KEYS]! : this.keyCount
  }

  /** The hashtag an atom is in, or -1. */
  tag(atom: number): number {
    return (this.data[this.atomsAt + atom * ATOM_FIELDS + ATOM_TAG_LINK]! >> 2) - 1
  }

  /** How an atom is linked to the next one (LINK_NONE, LINK_PHRASE, …). */
  link(atom: number): number {
    return this.data[this.atomsAt + atom * ATOM_FIELDS + ATOM_TAG_LINK]! & 3
  }

  /** Source offset where a match starting at normalised unit `position` starts. */
  sourceStart(position: number): number {
    const at = this.sourceSegmentAt(position)
    if (at === -1) return position
    const { data } = this
    return data[at + SEGMENT_END] === -1 ? data[at + SEGMENT_SOURCE]! + position - data[at]! : data[at + SEGMENT_SOURCE]!
  }

  /** Source offset where a match ending with normalised unit `position` ends. */
  sourceEnd(position: number): number {
    const at = this.sourceSegmentAt(position)
    if (at === -1) return position + 1
    const { data } = this
    return data[at + SEGMENT_END] === -1 ? data[at + SEGMENT_SOURCE]! + position - data[at]! + 1 : data[at + SEGMENT_END]!
  }

  /** Where the source segment holding normalised unit `position` is in `data`; -1 for none (identity). */
  private sourceSegmentAt(position: number): number {
    let low = 0
    let high = this.sourceSegmentCount
    while (low < high) {
      const middle = (low + high) >>> 1
      if (this.data[this.sourceSegmentsAt + middle * SEGMENT_FIELDS]! <= position) low = middle + 1
      else high = middle
    }
    return low === 0 ? -1 : this.sourceSegmentsAt + (low - 1) * SEGMENT_FIELDS
  }

  /** The same analysis with its numbers in a new place (see AnalysisCache). */
  copy(): FieldAnalysis {
    const at = numbers.allocate(this.size)
    const data = numbers.block
    data.set(this.data.subarray(this.atomsAt, this.atomsAt + this.size), at)
    return new FieldAnalysis(
      this.text,
      this.kind,
      this.generation,
      this.atomCount,
      this.keyCount,
      this.tagCount,
      this.tagKeyCount,
      this.joinStartCount,
      data,
      at,
      this.size,
      this.joinTexts,
      this.foldedRunsAt - this.atomsAt + at,
      this.plainRunsAt === -1 ? -1 : this.plainRunsAt - this.atomsAt + at,
      this.sourceSegmentCount
    )
  }
}

/** Numbers are carved out of shared blocks of this many: an ArrayBuffer per analysis would cost more than the rest of it. */
const BLOCK_NUMBERS = 1 << 14

/**
 * Where analyses' numbers go. A block is freed once no analysis uses it; the cache copies the analyses it keeps
 * using into new blocks, so that a few long-lived entries do not keep many old blocks.
 */
class NumberBlocks {
  block = new Int32Array(BLOCK_NUMBERS)
  private used = 0

  /** Room for `length` numbers in `block` (a new one when needed), from the offset returned. */
  allocate(length: number): number {
    if (length > BLOCK_NUMBERS / 8) {
      // large analyses get an array of their own, full at once
      this.block = new Int32Array(length)
      this.used = length
      return 0
    }
    if (this.used + length > this.block.length) {
      this.block = new Int32Array(BLOCK_NUMBERS)
      this.used = 0
    }
    const at = this.used
    this.used += length
    return at
  }
}

const numbers = new NumberBlocks()

/** A list of numbers reused from one analysis to the next, written directly once room is made. */
class IntList {
  data = new Int32Array(256)
  length = 0

  /** Makes room for `more` numbers; returns the array to write them to (from index `length`). */
  reserve(more: number): Int32Array {
    if (this.length + more > this.data.length) {
      const grown = new Int32Array(Math.max(this.data.length * 2, this.length + more))
      grown.set(this.data.subarray(0, this.length))
      this.data = grown
    }
    return this.data
  }

  push(value: number): void {
    this.reserve(1)[this.length++] = value
  }
}

const NO_TAGS: readonly Tag[] = []
const EMPTY_READING: Reading = { length: 0, text: '', units: new Uint16Array(0), classes: new Uint8Array(0), changed: false }

function isJoinLink(link: number): boolean {
  return link === LINK_JOIN || link === LINK_SPACED
}

const LOWER_S = 0x73
const LOWER_E = 0x65
const LOWER_I = 0x69
const LOWER_Y = 0x79
const LOWER_H = 0x68
/** The most keys the plain path gives a word: itself and three stems. */
const PLAIN_WORD_KEYS = 4

/** Units of an `-es` plural: after s, x, z, o, ch or sh (inflection.ts reads the same). */
function endsWithPluralEs(units: Uint16Array, start: number, end: number): boolean {
  if (end - start < 5 || units[end - 1] !== LOWER_S || units[end - 2] !== LOWER_E) return false
  const before = units[end - 3]!
  if (before === LOWER_S || before === 0x78 || before === 0x7a || before === 0x6f) return true
  return before === LOWER_H && (units[end - 4] === 0x63 || units[end - 4] === LOWER_S)
}

/**
 * Appends to `keys` the ids of textWordKeys(the word units[start, end)): the word and its plural stems, hashed in
 * one pass, found without making strings when the word is known. Returns false, adding nothing, for a word with
 * an apostrophe or an elongation (rarer): its keys go through strings.
 */
function addPlainWordKeys(reading: Reading, start: number, end: number, keys: IntList): boolean {
  const { units, classes } = reading
  // the hashes of the word less its last one, two and three units: the stems'
  let hash = wordKeys.hashStart
  let lessOne = 0
  let lessTwo = 0
  let lessThree = 0
  let previous = -1
  let repeats = 0
  for (let position = start; position < end; position++) {
    const unit = units[position]!
    repeats = unit === previous ? repeats + 1 : 0
    if ((repeats >= 2 && !isDigit(unit)) || classes[position] === APOSTROPHE) return false
    previous = unit
    lessThree = lessTwo
    lessTwo = lessOne
    lessOne = hash
    hash = hashStep(hash, unit)
  }
  const ids = keys.reserve(PLAIN_WORD_KEYS)
  let count = keys.length
  ids[count++] = wordKeys.idOfUnits(hash, units, start, end)
  const length = end - start
  if (length >= 5 && units[end - 1] === LOWER_S && units[end - 2] === LOWER_E && units[end - 3] === LOWER_I) {
    ids[count++] = wordKeys.idOfUnits(hashStep(lessThree, LOWER_Y), units, start, end - 3, LOWER_Y)
  }
  if (endsWithPluralEs(units, start, end)) ids[count++] = wordKeys.idOfUnits(lessTwo, units, start, end - 2)
  if (length >= 4 && units[end - 1] === LOWER_S && units[end - 2] !== LOWER_S) {
    ids[count++] = wordKeys.idOfUnits(lessOne, units, start, end - 1)
  }
  keys.length = count
  return true
}

/**
 * Builds analyses. analyzeField is synchronous and the finished analysis copies what it keeps, so one builder and
 * its buffers serve every call.
 */
class AnalysisBuilder {
  private readonly buffers = { text: new TextBuffers(), folded: new ReadingBuffers(), plain: new ReadingBuffers(), runs: new RunBuffers() }
  private readonly atoms = new Atoms(EMPTY_READING, 64)
  /** ATOM_FIELDS numbers per atom */
  private readonly atomData = new IntList()
  private atomCount = 0
  private readonly keyIds = new IntList()
  /** the atom of each key in keyIds, for long fields' sorted keys */
  private readonly keyAtoms = new IntList()
  private readonly tagKeys = new IntList()
  private readonly tagWordKeys = new IntList()
  private readonly runNumbers = new IntList()
  private readonly sourceSegments = new IntList()
  /** atoms with a joining link before or after them, and their texts */
  private readonly joinAtoms = new IntList()
  private readonly joinTexts: string[] = []
  private readonly joinStarts = new IntList()
  /** where each reading's runs start in runNumbers */
  private readonly runsAt = new IntList()
  private gaps = new Uint8Array(256)

  analyze(text: string, kind: FieldKind): FieldAnalysis {
    const generation = wordKeys.startAnalysis()
    this.atomData.length = 0
    this.atomCount = 0
    this.keyIds.length = 0
    this.tagKeys.length = 0
    this.joinAtoms.length = 0
    this.joinTexts.length = 0
    this.joinStarts.length = 0
    this.runsAt.length = 0
    this.runNumbers.length = 0
    const normalized = normalizeText(text, this.buffers.text)
    const tags = kind === 'content' ? findTags(normalized) : kind === 'hashtag' ? fieldTag(normalized) : NO_TAGS
    const folded = readText(normalized, true, this.buffers.folded)
    this.addReading(normalized, folded, tags, kind)
    if (folded.changed) this.addReading(normalized, readText(normalized, false, this.buffers.plain), tags, kind)
    return this.finish(text, kind, generation, normalized, tags)
  }

  private addReading(normalized: NormalizedText, reading: Reading, tags: readonly Tag[], kind: FieldKind): void {
    const atoms = tokenize(reading, normalized, tags, kind === 'author', this.atoms)
    const { start, end, tag, link, count } = atoms
    const { sourceStart, sourceEnd } = normalized
    let at = this.atomData.length
    const atomData = this.atomData.reserve(count * ATOM_FIELDS)
    for (let atom = 0; atom < count; atom++) {
      const atomTag = tag[atom]!
      atomData[at + ATOM_SPAN_START] = sourceStart[atomTag >= 0 ? tags[atomTag]!.start : start[atom]!]!
      atomData[at + ATOM_SPAN_END] = sourceEnd[(atomTag >= 0 ? tags[atomTag]!.end : end[atom]!) - 1]!
      atomData[at + ATOM_KEYS] = this.keyIds.length
      atomData[at + ATOM_TAG_LINK] = ((atomTag + 1) << 2) | link[atom]!
      at += ATOM_FIELDS
      const index = this.atomCount++
      this.addAtomKeys(atoms, atom)
      if (isJoinLink(link[atom]!)) this.joinStarts.push(index)
      if (isJoinLink(link[atom]!) || (atom > 0 && isJoinLink(link[atom - 1]!))) {
        this.joinAtoms.push(index)
        this.joinTexts.push(atoms.text(atom))
      }
    }
    this.atomData.length = at
    for (let index = 0; index < tags.length; index++) this.addTagKeys(reading, tags, index)
    if (this.gaps.length < normalized.length) this.gaps = new Uint8Array(normalized.length * 2)
    const runs = toRuns(reading, spacedGaps(atoms, normalized.length, this.gaps), this.buffers.runs)
    const size = runTextSize(runs)
    writeRunText(runs, this.runNumbers.reserve(size), this.runNumbers.length)
    this.runsAt.push(this.runNumbers.length)
    this.runNumbers.length += size
  }

  /** The keys of an atom's text (textWordKeys), from its units when it is a plain word. */
  private addAtomKeys(atoms: Atoms, atom: number): void {
    if (!addPlainWordKeys(atoms.reading, atoms.start[atom]!, atoms.end[atom]!, this.keyIds)) {
      for (const key of textWordKeys(atoms.text(atom))) this.keyIds.push(wordKeys.idOf(key))
    }
  }

  /** The keys of a hashtag read as one word, from its units when they are a plain word (no `_`). */
  private addTagKeys(reading: Reading, tags: readonly Tag[], index: number): void {
    const { bodyStart, end } = tags[index]!
    const keys = this.tagWordKeys
    keys.length = 0
    let plain = true
    for (let position = bodyStart; position < end && plain; position++) plain = isTokenClass(reading.classes[position]!)
    if (!plain || !addPlainWordKeys(reading, bodyStart, end, keys)) {
      for (const key of textWordKeys(tagWord(reading, tags[index]!))) keys.push(wordKeys.idOf(key))
    }
    for (let key = 0; key < keys.length; key++) this.addTagKey(index, keys.data[key]!)
  }

  private addTagKey(tag: number, key: number): void {
    const { data, length } = this.tagKeys
    for (let pair = 0; pair < length; pair += 2) if (data[pair] === tag && data[pair + 1] === key) return
    this.tagKeys.push(tag)
    this.tagKeys.push(key)
  }

  private finish(text: string, kind: FieldKind, generation: number, normalized: NormalizedText, tags: readonly Tag[]): FieldAnalysis {
    const { atomCount } = this
    const keyCount = this.keyIds.length
    const sourceSegments = normalized.asciiOnly ? 0 : writeSourceSegments(normalized, this.sourceSegments)
    const sortedKeys = hasSortedKeys(keyCount) ? keyCount * 2 : 0
    const size =
      atomCount * ATOM_FIELDS +
      keyCount +
      sortedKeys +
      tags.length * TAG_FIELDS +
      this.tagKeys.length +
      this.joinStarts.length +
      this.joinAtoms.length +
      this.runNumbers.length +
      sourceSegments * SEGMENT_FIELDS
    const base = numbers.allocate(size)
    const data = numbers.block
    copyNumbers(this.atomData.data, this.atomData.length, data, base)
    let at = base + this.atomData.length
    copyNumbers(this.keyIds.data, keyCount, data, at)
    at += keyCount
    if (sortedKeys > 0) this.writeSortedKeys(data, at, keyCount)
    at += sortedKeys
    for (const tag of tags) {
      data[at + TAG_SOURCE_START] = normalized.sourceStart[tag.start]!
      data[at + TAG_SOURCE_END] = normalized.sourceEnd[tag.end - 1]!
      data[at + TAG_START] = tag.start
      data[at + TAG_END] = tag.end
      at += TAG_FIELDS
    }
    copyNumbers(this.tagKeys.data, this.tagKeys.length, data, at)
    at += this.tagKeys.length
    copyNumbers(this.joinStarts.data, this.joinStarts.length, data, at)
    at += this.joinStarts.length
    copyNumbers(this.joinAtoms.data, this.joinAtoms.length, data, at)
    at += this.joinAtoms.length
    copyNumbers(this.runNumbers.data, this.runNumbers.length, data, at)
    const runsAt = at
    at += this.runNumbers.length
    copyNumbers(this.sourceSegments.data, sourceSegments * SEGMENT_FIELDS, data, at)
    return new FieldAnalysis(
      text,
      kind,
      generation,
      atomCount,
      keyCount,
      tags.length,
      this.tagKeys.length / 2,
      this.joinStarts.length,
      data,
      base,
      size,
      this.joinTexts.length > 0 ? this.joinTexts.slice() : null,
      runsAt + this.runsAt.data[0]!,
      this.runsAt.length > 1 ? runsAt + this.runsAt.data[1]! : -1,
      sourceSegments
    )
  }

  /** Writes the keys sorted by id (in atom order for one id, as they were listed), then their atoms, at `at`. */
  private writeSortedKeys(data: Int32Array, at: number, keyCount: number): void {
    const keyIds = this.keyIds.data
    const keyAtoms = this.keyAtoms.reserve(keyCount)
    for (let atom = 0; atom < this.atomCount; atom++) {
      const end = atom + 1 < this.atomCount ? this.atomData.data[(atom + 1) * ATOM_FIELDS + ATOM_KEYS]! : keyCount
      for (let key = this.atomData.data[atom * ATOM_FIELDS + ATOM_KEYS]!; key < end; key++) keyAtoms[key] = atom
    }
    // id * count + index: one number to sort, and the index breaks ties in list order
    const sorted = new Float64Array(keyCount)
    for (let index = 0; index < keyCount; index++) sorted[index] = keyIds[index]! * keyCount + index
    sorted.sort()
    for (let index = 0; index < keyCount; index++) {
      const entry = sorted[index]! % keyCount
      data[at + index] = keyIds[entry]!
      data[at + keyCount + index] = keyAtoms[entry]!
    }
  }
}

function isDigit(unit: number): boolean {
  return unit >= 0x30 && unit <= 0x39
}

/**
 * Writes where the normalised units come from in the source, as segments of SEGMENT_FIELDS numbers: the first
 * unit, then a source offset, then -1 for a segment mapping its units one to one onto the source characters from
 * that offset, or the source end for one whose units all come from [offset, end) (a character's expansion, a
 * surrogate pair, a letter and its marks). A segment lasts until the next one. Returns the number of segments, 0
 * when unit i is source character i throughout.
 */
function writeSourceSegments(normalized: NormalizedText, into: IntList): number {
  const { length, sourceStart, sourceEnd } = normalized
  into.length = 0
  let oneToOneFrom = -1
  for (let position = 0; position < length; ) {
    const start = sourceStart[position]!
    const end = sourceEnd[position]!
    let next = position + 1
    while (next < length && sourceStart[next] === start) next++
    const oneToOne = next === position + 1 && end === start + 1
    // a one-to-one unit continues the one-to-one segment before it when their offsets run on
    if (!oneToOne || oneToOneFrom === -1 || into.data[oneToOneFrom + SEGMENT_SOURCE]! + position - into.data[oneToOneFrom]! !== start) {
      oneToOneFrom = oneToOne ? into.length : -1
      const segment = into.reserve(SEGMENT_FIELDS)
      segment[into.length] = position
      segment[into.length + SEGMENT_SOURCE] = start
      segment[into.length + SEGMENT_END] = oneToOne ? -1 : end
      into.length += SEGMENT_FIELDS
    }
    position = next
  }
  const identity = into.length === SEGMENT_FIELDS && into.data[SEGMENT_SOURCE] === 0 && into.data[SEGMENT_END] === -1
  return identity ? 0 : into.length / SEGMENT_FIELDS
}

const builder = new AnalysisBuilder()

/** Characters of a text its cache hash reads, spread over it. */
const HASH_SAMPLES = 24
/** Texts sharing a cache hash that one cache generation keeps, the most recent. */
const BUCKET_SIZE = 4

/**
 * A cheap hash of a text for the cache: its length and HASH_SAMPLES of its characters. A Map keyed by the text
 * would hash all of it, and the texts of a request are new strings, hashed once each: for a caption that costs
 * more than the rest of a warm match. Texts sharing a hash are told apart by comparing them; at most BUCKET_SIZE
 * are kept per hash, so that texts made to share one cannot make lookups long.
 */
function cacheHash(text: string): number {
  const { length } = text
  let hash = hashStep(wordKeys.hashStart, length)
  if (length <= HASH_SAMPLES) {
    for (let position = 0; position < length; position++) hash = hashStep(hash, text.charCodeAt(position))
  } else {
    const step = length / HASH_SAMPLES
    for (let sample = 0; sample < HASH_SAMPLES; sample++) hash = hashStep(hash, text.charCodeAt(Math.floor(sample * step)))
  }
  return hash
}

/** The analyses of the texts sharing a cache hash: one, the usual case, or a few. */
type Bucket = FieldAnalysis | FieldAnalysis[]

function find(bucket: Bucket | undefined, text: string): FieldAnalysis | undefined {
  if (bucket === undefined) return undefined
  if (!Array.isArray(bucket)) return bucket.text === text ? bucket : undefined
  for (const analysis of bucket) if (analysis.text === text) return analysis
  return undefined
}

/**
 * The analyses of recently seen texts, one map per field kind. Two generations: new entries go to the recent
 * one, and when it is full it becomes the older one, dropping the previous older one; a hit in the older one
 * moves the entry back. Nearly least-recently-used, with nothing to update on a hit in the recent generation.
 * Analyses in the cache were made (or moved) during its last two generations, so the blocks holding their
 * numbers were too: older blocks are freed.
 */
class AnalysisCache {
  private recent = [new Map<number, Bucket>(), new Map<number, Bucket>(), new Map<number, Bucket>()]
  private older = [new Map<number, Bucket>(), new Map<number, Bucket>(), new Map<number, Bucket>()]
  private recentEntries = 0
  private olderEntries = 0
  /** entries weigh what they hold (see weightOf); a generation holds `generationWeight` */
  private recentWeight = 0

  constructor(private generationWeight: number) {}

  configure(maxEntries: number): void {
    this.generationWeight = Math.ceil(maxEntries / 2)
    this.clear()
  }

  get entries(): number {
    return this.recentEntries + this.olderEntries
  }

  get enabled(): boolean {
    return this.generationWeight > 0
  }

  clear(): void {
    for (let kind = 0; kind < 3; kind++) {
      this.recent[kind]!.clear()
      this.older[kind]!.clear()
    }
    this.recentEntries = 0
    this.olderEntries = 0
    this.recentWeight = 0
  }

  analysisOf(text: string, kind: FieldKind): FieldAnalysis {
    if (this.generationWeight === 0) return builder.analyze(text, kind)
    const index = KIND_INDEX[kind]
    const hash = cacheHash(text)
    const recent = find(this.recent[index]!.get(hash), text)
    if (recent !== undefined && recent.generation === wordKeys.generation) return recent
    const older = find(this.older[index]!.get(hash), text)
    // moved to a new array with the entry, so that the blocks of older entries can be freed with them
    const analysis = older !== undefined && older.generation === wordKeys.generation ? older.copy() : builder.analyze(text, kind)
    // a text too long for a generation (a long transcript) is analysed each time
    if (weightOf(analysis) <= this.generationWeight) this.add(index, hash, analysis, recent)
    return analysis
  }

  /** Adds an analysis to the recent generation, in place of `stale` (same text, older dictionary) if given. */
  private add(kind: number, hash: number, analysis: FieldAnalysis, stale: FieldAnalysis | undefined): void {
    if (stale === undefined && this.recentWeight + weightOf(analysis) > this.generationWeight) {
      this.older = this.recent
      this.olderEntries = this.recentEntries
      this.recent = [new Map(), new Map(), new Map()]
      this.recentEntries = 0
      this.recentWeight = 0
    }
    const map = this.recent[kind]!
    const bucket = map.get(hash)
    let dropped = stale
    if (bucket === undefined || bucket === stale) {
      map.set(hash, analysis)
    } else if (!Array.isArray(bucket)) {
      map.set(hash, [bucket, analysis])
    } else if (stale !== undefined) {
      bucket[bucket.indexOf(stale)] = analysis
    } else {
      if (bucket.length === BUCKET_SIZE) dropped = bucket.shift()
      bucket.push(analysis)
    }
    this.recentWeight += weightOf(analysis)
    this.recentEntries++
    if (dropped !== undefined) {
      this.recentWeight -= weightOf(dropped)
      this.recentEntries--
    }
  }
}

/**
 * Numbers an entry of the cache is counted for: about those of a caption's analysis. Longer texts count for
 * more, so that maxEntries bounds the memory a stream of long texts (transcripts) can take.
 */
const ENTRY_NUMBERS = 512

function weightOf(analysis: FieldAnalysis): number {
  return Math.ceil(analysis.size / ENTRY_NUMBERS)
}

const DEFAULT_MAX_ENTRIES = 20_000
const cache = new AnalysisCache(DEFAULT_MAX_ENTRIES / 2)

/**
 * The analysis of a field: from the cache when the text was seen recently. It is immutable and may be matched
 * by any number of matchers (KeywordMatcher.matchAnalyzed).
 */
export function analyzeField(text: string, kind: FieldKind): FieldAnalysis {
  return cache.analysisOf(text, kind)
}

/**
 * Analyses a field now, into the cache, so that a later analyzeField of the same text (a matcher's match) finds it
 * there: work done ahead, while the event loop would otherwise wait for something else. Nothing when the cache is
 * off, where the analysis would only be made twice.
 */
export function analyzeAhead(text: string, kind: FieldKind): void {
  if (cache.enabled) cache.analysisOf(text, kind)
}

export interface AnalysisCacheOptions {
  /**
   * Analyses kept, at most (rounded up to an even number); one of a long text counts as several, one per 512
   * numbers it holds (a 150-character caption holds about 250). 0 disables the cache. Default 20,000.
   */
  maxEntries: number
  /**
   * Word keys the process-wide dictionary holds before it starts afresh (and every analysis and matcher
   * rebuilds its ids). Default 500,000.
   */
  maxKeys?: number
}

/** Resizes (and empties) the analysis cache. */
export function configureAnalysisCache(options: AnalysisCacheOptions): void {
  if (options.maxKeys !== undefined) wordKeys.configure(options.maxKeys)
  cache.configure(options.maxEntries)
}

/** How many analyses the cache holds. */
export function analysisCacheSize(): number {
  return cache.entries
}
