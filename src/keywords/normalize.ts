/**
 * Text normalisation shared by keyword matching and the text classifier's featuriser.
 *
 * A text is folded one cluster at a time (a code point with the combining marks that follow it): NFKC, case
 * folding, accents removed on Latin/Greek/Cyrillic bases, homoglyphs mapped to Latin. Every normalised UTF-16
 * unit keeps the original offsets of its cluster, so matches are reported against the text the caller gave.
 * Leetspeak is folded afterwards, per word, because whether `0` is a letter depends on its neighbours.
 */

import { Buffer } from 'node:buffer'

/** What a normalised unit is, as the tokeniser sees it. */
export const SPACE = 0
export const LETTER = 1
export const MARK = 2
export const DIGIT = 3
export const LEET = 4
export const APOSTROPHE = 5
export const JOINER = 6
export const NO_SPACE = 7
export const EMOJI = 8
export const HASH = 9
export const OTHER = 10

/**
 * A normalised text. Its arrays may be longer than `length` when they are buffers reused from call to call (see
 * TextBuffers): only [0, length) is the text.
 */
export interface NormalizedText {
  readonly length: number
  readonly text: string
  readonly units: Uint16Array
  readonly classes: Uint8Array
  /** 1 where the original letter was upper or title case: camelCase boundaries in hashtags and handles. */
  readonly upper: Uint8Array
  readonly sourceStart: Int32Array
  readonly sourceEnd: Int32Array
  /** Whether a unit is a digit or a leetspeak symbol: only then may a reading differ from the text. */
  readonly hasLeetCandidates: boolean
  readonly hasApostrophes: boolean
  /** Whether every character was ASCII, folded to one unit: unit i is then source character i. */
  readonly asciiOnly: boolean
}

/**
 * One way of reading a normalised text: the folded reading (leetspeak folded) or the plain one. Like the text's,
 * its arrays may be longer than `length`.
 */
export interface Reading {
  readonly length: number
  readonly text: string
  readonly units: Uint16Array
  readonly classes: Uint8Array
  /** Whether leetspeak folding changed anything, i.e. whether a plain reading would differ. */
  readonly changed: boolean
}

interface FoldEntry {
  readonly text: string
  readonly classes: Uint8Array
  readonly upper: boolean
}

const KEYCAP = '\u20e3'
// format characters (zero-width spaces and joiners, soft hyphens), variation selectors, lone surrogates
const IGNORED = /[\p{Cf}\ufe00-\ufe0f\u{e0100}-\u{e01ef}\ud800-\udfff]/u
const MARK_RE = /\p{M}/u
const UPPER_RE = /[\p{Lu}\p{Lt}]/u
// Accents are noise on these bases; on kana, Hangul, Indic or Thai letters they change the letter.
const STRIP_MARKS_BASE = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]/u
const SPACE_RE = /[\s\p{Z}]/u
const NO_SPACE_RE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Hangul}\u30fc\uff70]/u
const LETTER_RE = /\p{L}/u
const NUMBER_RE = /\p{N}/u
const EMOJI_RE = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u
const JOINER_RE = /[\p{Pd}._/*·•~+|\\\u2044\u2027\u2219]/u
const CONTINUATION_RE = /[\p{M}\uff9e\uff9f\u1160-\u11ff\ud7b0-\ud7ff]/u

/** Letters NFKC leaves alone that are read as Latin ones: look-alikes from other scripts, ligatures, stroked letters. */
const LETTER_FOLDS = new Map<string, string>(
  Object.entries({
    // Cyrillic
    а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', п: 'n', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
    ѕ: 's', і: 'i', ј: 'j', ԁ: 'd', ӏ: 'l', һ: 'h', ԛ: 'q', ԝ: 'w', ү: 'y',
    // Greek
    α: 'a', β: 'b', γ: 'y', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
    ω: 'w', ϲ: 'c', ϳ: 'j', ς: 'σ',
    // Latin letters without a decomposition
    ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th', ø: 'o', đ: 'd', ð: 'd', ł: 'l', ħ: 'h', ŧ: 't', ƀ: 'b', ɨ: 'i',
    ʉ: 'u', ı: 'i', ȷ: 'j', ɑ: 'a', ɡ: 'g',
    // small capitals
    ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ꜰ: 'f', ɢ: 'g', ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm',
    ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z',
    // apostrophes, minus signs, and the sharp sign written for the number sign (C♯)
    '\u2019': "'", '\u2018': "'", '\u02bc': "'", '\u2032': "'", '\u2212': '-', '\u266f': '#'
  })
)

/** Leetspeak, applied only inside words that contain letters. Indexed by char code. */
const LEET_LETTERS = new Uint16Array(128)
for (const [from, to] of Object.entries({ 0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', '@': 'a', $: 's', '!': 'i' })) {
  LEET_LETTERS[from.charCodeAt(0)] = to.charCodeAt(0)
}
const BANG = 0x21

/** Emoji skin-tone modifiers: 👍🏽 is matched as 👍. */
function isSkinTone(codePoint: number): boolean {
  return codePoint >= 0x1f3fb && codePoint <= 0x1f3ff
}

function classifyCharacter(character: string): number {
  if (SPACE_RE.test(character)) return SPACE
  switch (character) {
    case "'":
      return APOSTROPHE
    case '#':
      return HASH
    case '@':
    case '$':
    case '!':
      return LEET
    case KEYCAP:
      return EMOJI
  }
  if (MARK_RE.test(character)) return MARK
  if (NO_SPACE_RE.test(character)) return NO_SPACE
  if (LETTER_RE.test(character)) return LETTER
  if (NUMBER_RE.test(character)) return DIGIT
  if (EMOJI_RE.test(character)) return EMOJI
  if (JOINER_RE.test(character)) return JOINER
  return OTHER
}

function classify(folded: string): Uint8Array {
  const classes = new Uint8Array(folded.length)
  let index = 0
  let baseClass = OTHER
  for (const character of folded) {
    let characterClass = classifyCharacter(character)
    // A kept mark belongs to its base: a Thai vowel sign is as space-less as the consonant it sits on.
    if (characterClass === MARK && baseClass === NO_SPACE) characterClass = NO_SPACE
    else if (characterClass !== MARK) baseClass = characterClass
    classes.fill(characterClass, index, index + character.length)
    index += character.length
  }
  return classes
}

function foldCluster(cluster: string): FoldEntry {
  let folded = ''
  let stripMarks = true // a mark with no base is noise
  for (const character of cluster.normalize('NFKC').toLowerCase().normalize('NFD')) {
    if (IGNORED.test(character) || isSkinTone(character.codePointAt(0)!)) continue
    if (MARK_RE.test(character)) {
      if (!stripMarks || character === KEYCAP) folded += character
      continue
    }
    stripMarks = STRIP_MARKS_BASE.test(character)
    folded += LETTER_FOLDS.get(character) ?? character
  }
  folded = folded.normalize('NFC')
  const upper = folded.length > 0 && UPPER_RE.test(String.fromCodePoint(cluster.codePointAt(0)!))
  return { text: folded, classes: classify(folded), upper }
}

// Caches are bounded so that a stream of unusual text cannot grow them without limit.
const CACHE_LIMIT = 50_000
const asciiFolds: FoldEntry[] = Array.from({ length: 128 }, (_, code) => foldCluster(String.fromCharCode(code)))
const codePointFolds = new Map<number, FoldEntry>()
const clusterFolds = new Map<string, FoldEntry>()
const continuations = new Map<number, boolean>()

function cached<K, V>(cache: Map<K, V>, key: K, compute: (key: K) => V): V {
  let value = cache.get(key)
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear()
    value = compute(key)
    cache.set(key, value)
  }
  return value
}

const foldCodePoint = (codePoint: number): FoldEntry => foldCluster(String.fromCodePoint(codePoint))
const isContinuation = (codePoint: number): boolean =>
  isSkinTone(codePoint) || CONTINUATION_RE.test(String.fromCodePoint(codePoint))

function continuesCluster(codePoint: number): boolean {
  return codePoint >= 0x300 && cached(continuations, codePoint, isContinuation)
}

/** A Buffer over each ArrayBuffer decoded lately: creating the view costs more than decoding a short text. */
const decodeViews = new WeakMap<ArrayBufferLike, Buffer>()

/** The string of the first `length` UTF-16 units (normalised text has no lone surrogate to replace). */
export function unitsToString(units: Uint16Array, length = units.length): string {
  let view = decodeViews.get(units.buffer)
  if (view === undefined) {
    view = Buffer.from(units.buffer)
    decodeViews.set(units.buffer, view)
  }
  return view.toString('utf16le', units.byteOffset, units.byteOffset + length * 2)
}

/**
 * The per-unit arrays of normalised texts, reused from call to call by a caller that keeps no text past the next
 * call (an analysis copies what it keeps): allocating typed arrays would cost more than filling them.
 */
export class TextBuffers {
  sourceStart: Int32Array
  sourceEnd: Int32Array
  units: Uint16Array
  classes: Uint8Array
  upper: Uint8Array

  constructor(public capacity = 256) {
    this.sourceStart = new Int32Array(capacity)
    this.sourceEnd = new Int32Array(capacity)
    this.units = new Uint16Array(capacity)
    this.classes = new Uint8Array(capacity)
    this.upper = new Uint8Array(capacity)
  }

  /** Grows to hold `capacity` units, keeping the first `kept`. */
  grow(capacity: number, kept: number): void {
    if (capacity <= this.capacity) return
    const grown = new TextBuffers(Math.max(capacity, this.capacity * 2))
    grown.sourceStart.set(this.sourceStart.subarray(0, kept))
    grown.sourceEnd.set(this.sourceEnd.subarray(0, kept))
    grown.units.set(this.units.subarray(0, kept))
    grown.classes.set(this.classes.subarray(0, kept))
    grown.upper.set(this.upper.subarray(0, kept))
    Object.assign(this, grown)
  }
}

/** ASCII characters fold to one unit each (lower case, nothing else): their unit, class and case, by code. */
export const ASCII_UNITS = Uint16Array.from(asciiFolds, (entry) => entry.text.charCodeAt(0))
export const ASCII_CLASSES = Uint8Array.from(asciiFolds, (entry) => entry.classes[0]!)
const ASCII_UPPER = Uint8Array.from(asciiFolds, (entry) => (entry.upper ? 1 : 0))
/** What a class tells readText: LEET_CANDIDATE for digits and leet symbols, AN_APOSTROPHE. */
const LEET_CANDIDATE = 1
const AN_APOSTROPHE = 2
const CLASS_FLAGS = new Uint8Array(OTHER + 1)
CLASS_FLAGS[DIGIT] = LEET_CANDIDATE
CLASS_FLAGS[LEET] = LEET_CANDIDATE
CLASS_FLAGS[APOSTROPHE] = AN_APOSTROPHE
/** Combining marks and other cluster continuations all start here: below it, a character ends its cluster. */
const FIRST_CONTINUATION = 0x300

/**
 * Folds a text cluster by cluster, keeping for every normalised unit the source offsets of its cluster. With
 * `into`, the arrays returned are those buffers (longer than the text); without, they are the text's own.
 */
export function normalizeText(source: string, into?: TextBuffers): NormalizedText {
  const buffers = into ?? new TextBuffers(source.length + 8)
  buffers.grow(source.length + 8, 0)
  let length = 0
  let position = 0
  let flags = 0
  let asciiOnly = true
  const end = source.length
  // each code is read once; reading past the end (NaN) would keep the loop from being optimised
  let next = end > 0 ? source.charCodeAt(0) : 0
  while (position < end) {
    const code = next
    next = position + 1 < end ? source.charCodeAt(position + 1) : 0
    // the usual character: ASCII, not followed by a combining mark
    if (code < 128 && next < FIRST_CONTINUATION) {
      if (length === buffers.capacity) buffers.grow(length + 1, length) // after expansions
      const unitClass = ASCII_CLASSES[code]!
      buffers.units[length] = ASCII_UNITS[code]!
      buffers.classes[length] = unitClass
      buffers.upper[length] = ASCII_UPPER[code]!
      buffers.sourceStart[length] = position
      buffers.sourceEnd[length] = ++position
      flags |= CLASS_FLAGS[unitClass]!
      length++
      continue
    }
    asciiOnly = false
    const clusterStart = position
    const codePoint = source.codePointAt(position)!
    position += codePoint > 0xffff ? 2 : 1
    const baseEnd = position
    while (position < end) {
      const continuation = source.codePointAt(position)!
      if (!continuesCluster(continuation)) break
      position += continuation > 0xffff ? 2 : 1
    }
    next = position < end ? source.charCodeAt(position) : 0
    const entry =
      position > baseEnd
        ? cached(clusterFolds, source.slice(clusterStart, position), foldCluster)
        : codePoint < 128
          ? asciiFolds[codePoint]!
          : cached(codePointFolds, codePoint, foldCodePoint)
    const folded = entry.text
    // NFKC can expand one character into many (ﬃ, ㍻, ﷽)
    buffers.grow(length + folded.length, length)
    const { units, classes, upper, sourceStart, sourceEnd } = buffers
    for (let index = 0; index < folded.length; index++) {
      units[length] = folded.charCodeAt(index)
      classes[length] = entry.classes[index]!
      flags |= CLASS_FLAGS[entry.classes[index]!]!
      upper[length] = index === 0 && entry.upper ? 1 : 0
      sourceStart[length] = clusterStart
      sourceEnd[length] = position
      length++
    }
  }
  const exact = into === undefined
  return {
    length,
    // ASCII folds to lower case, one unit per character
    text: asciiOnly ? source.toLowerCase() : unitsToString(buffers.units, length),
    units: exact ? buffers.units.subarray(0, length) : buffers.units,
    classes: exact ? buffers.classes.subarray(0, length) : buffers.classes,
    upper: exact ? buffers.upper.subarray(0, length) : buffers.upper,
    sourceStart: exact ? buffers.sourceStart.subarray(0, length) : buffers.sourceStart,
    sourceEnd: exact ? buffers.sourceEnd.subarray(0, length) : buffers.sourceEnd,
    hasLeetCandidates: (flags & LEET_CANDIDATE) !== 0,
    hasApostrophes: (flags & AN_APOSTROPHE) !== 0,
    asciiOnly
  }
}

/** Units that make up words: letters, their marks, digits, and (for now) leetspeak symbols and apostrophes. */
function isWordUnit(unitClass: number): boolean {
  return unitClass === LETTER || unitClass === MARK || unitClass === DIGIT || unitClass === LEET || unitClass === APOSTROPHE
}

export function isTokenClass(unitClass: number): boolean {
  return unitClass === LETTER || unitClass === MARK || unitClass === DIGIT
}

/**
 * One reading of a normalised text. The folded reading turns leetspeak into letters inside words that contain a
 * letter (c@t, sp0iler, sh!t) and leaves numbers such as 2024 alone; the plain reading keeps digits and treats
 * the leet symbols as separators, so `$tsla` still reads `tsla`. A `!` ending a word stays punctuation.
 */
export function readText(text: NormalizedText, foldLeetspeak: boolean, into?: ReadingBuffers): Reading {
  const { length } = text
  // without digits or leet symbols both readings are the text, apostrophes classified
  if (!text.hasLeetCandidates && !text.hasApostrophes) {
    return { length, text: text.text, units: text.units, classes: text.classes, changed: false }
  }
  const buffers = into ?? new ReadingBuffers(length)
  buffers.grow(length)
  const { classes } = buffers
  classes.set(text.classes.subarray(0, length))
  let units = text.units
  let changed = false
  let position = 0
  while (position < length) {
    if (!isWordUnit(classes[position]!)) {
      position++
      continue
    }
    const runStart = position
    let hasLetter = false
    let lastNonBang = -1
    for (; position < length && isWordUnit(classes[position]!); position++) {
      const unitClass = classes[position]!
      if (unitClass === LETTER) hasLetter = true
      if (unitClass !== APOSTROPHE && units[position] !== BANG) lastNonBang = position
    }
    const foldRun = foldLeetspeak && hasLetter
    for (let index = runStart; index < position; index++) {
      const unitClass = classes[index]!
      const unit = units[index]!
      const letter = unit < 128 ? LEET_LETTERS[unit]! : 0
      if (unitClass === LEET) {
        if (foldRun && (unit !== BANG || index < lastNonBang)) {
          if (!changed) units = copyUnits(units, buffers.units, length)
          units[index] = letter
          classes[index] = LETTER
          changed = true
        } else {
          classes[index] = OTHER
        }
      } else if (unitClass === DIGIT && foldRun && letter !== 0) {
        if (!changed) units = copyUnits(units, buffers.units, length)
        units[index] = letter
        classes[index] = LETTER
        changed = true
      }
    }
  }
  classifyApostrophes(units, classes, length)
  return { length, text: changed ? unitsToString(units, length) : text.text, units, classes, changed }
}

/** The arrays of a reading that differs from its text, reused from call to call like TextBuffers. */
export class ReadingBuffers {
  units: Uint16Array
  classes: Uint8Array

  constructor(capacity = 256) {
    this.units = new Uint16Array(capacity)
    this.classes = new Uint8Array(capacity)
  }

  grow(capacity: number): void {
    if (capacity <= this.classes.length) return
    this.units = new Uint16Array(Math.max(capacity, this.classes.length * 2))
    this.classes = new Uint8Array(this.units.length)
  }
}

/** The leetspeak folding writes to a copy: the units are the text's until then. */
function copyUnits(units: Uint16Array, copy: Uint16Array, length: number): Uint16Array {
  copy.set(units.subarray(0, length))
  return copy
}

const LOWER_N = 0x6e
const LOWER_T = 0x74

/**
 * An apostrophe between letters splits a word into parts that are also read joined (cat's, l'amour,
 * rock'n'roll), except in a negation (don't, can't), which would otherwise read as `don` or `can`.
 * At either end of a word it is punctuation.
 */
function classifyApostrophes(units: Uint16Array, classes: Uint8Array, length: number): void {  for (let index = 0; index < length; index++) {
    if (classes[index] !== APOSTROPHE) continue
    const inWord = index > 0 && index + 1 < length && isTokenClass(classes[index - 1]!) && isTokenClass(classes[index + 1]!)
    if (!inWord) classes[index] = OTHER
    else if (!(units[index - 1] === LOWER_N && units[index + 1] === LOWER_T && !(index + 2 < length && isTokenClass(classes[index + 2]!)))) {
      classes[index] = JOINER
    }
  }
}

/** foldText is synchronous and returns a string: its arrays are reused from call to call. */
const foldBuffers = { text: new TextBuffers(), reading: new ReadingBuffers(), squeezed: new Uint16Array(256) }

/**
 * The folded reading of a text as one plain string: NFKC, case folding, accents removed, homoglyphs and
 * leetspeak folded, and letters repeated three times or more squeezed to two (`goooood` reads `good`,
 * never `god`), so that classifier features can't be evaded the ways keyword rules can't.
 */
export function foldText(text: string): string {
  const { units, classes, length: readingLength } = readText(normalizeText(text, foldBuffers.text), true, foldBuffers.reading)
  if (foldBuffers.squeezed.length < readingLength) foldBuffers.squeezed = new Uint16Array(readingLength * 2)
  const { squeezed } = foldBuffers
  let length = 0
  for (let index = 0; index < readingLength; index++) {
    const unit = units[index]!
    const elongated =
      length >= 2 && squeezed[length - 1] === unit && squeezed[length - 2] === unit && classes[index] === LETTER
    if (!elongated) squeezed[length++] = unit
  }
  return unitsToString(squeezed, length)
}
