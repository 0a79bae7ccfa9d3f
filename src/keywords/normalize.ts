/**
 * Text normalisation shared by keyword matching and the text classifier's featuriser.
 *
 * A text is folded one cluster at a time (a code point with the combining marks that follow it): NFKC, case
 * folding, accents removed on Latin/Greek/Cyrillic bases, homoglyphs mapped to Latin. Every normalised UTF-16
 * unit keeps the original offsets of its cluster, so matches are reported against the text the caller gave.
 * Leetspeak is folded afterwards, per word, because whether `0` is a letter depends on its neighbours.
 */

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

export interface NormalizedText {
  readonly length: number
  readonly text: string
  readonly units: Uint16Array
  readonly classes: Uint8Array
  /** 1 where the original letter was upper or title case: camelCase boundaries in hashtags and handles. */
  readonly upper: Uint8Array
  readonly sourceStart: Int32Array
  readonly sourceEnd: Int32Array
}

/** One way of reading a normalised text: the folded reading (leetspeak folded) or the plain one. */
export interface Reading {
  readonly text: string
  readonly units: Uint16Array
  readonly classes: Uint8Array
  /** Whether leetspeak folding changed anything, i.e. whether a plain reading would differ. */
  readonly changed: boolean
}

/** Where the typed arrays of a call live: a new buffer, or a reused one (see reusableBuffer). */
export type Allocate = (bytes: number) => ArrayBuffer

export const newBuffer: Allocate = (bytes) => new ArrayBuffer(bytes)

/**
 * One buffer reused from call to call, grown when too small. Allocating typed arrays dominates the cost of
 * matching a short text; match() is synchronous and keeps no view past its return, so it can reuse them.
 */
export function reusableBuffer(): Allocate {
  let buffer = new ArrayBuffer(1024)
  return (bytes) => {
    if (buffer.byteLength < bytes) buffer = new ArrayBuffer(Math.max(bytes, buffer.byteLength * 2))
    return buffer
  }
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
    // apostrophes and minus signs
    '\u2019': "'", '\u2018': "'", '\u02bc': "'", '\u2032': "'", '\u2212': '-'
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

const utf16 = new TextDecoder('utf-16le')

function unitsToString(units: Uint16Array): string {
  return utf16.decode(units)
}

/**
 * The per-unit arrays of a normalised text, carved out of one buffer: allocating one buffer costs about as much
 * as allocating one typed array, and match() runs on every field of every item.
 */
class TextBuffers {
  readonly sourceStart: Int32Array
  readonly sourceEnd: Int32Array
  readonly units: Uint16Array
  readonly classes: Uint8Array
  readonly upper: Uint8Array

  constructor(
    readonly capacity: number,
    allocate: Allocate
  ) {
    const buffer = allocate(capacity * 12)
    this.sourceStart = new Int32Array(buffer, 0, capacity)
    this.sourceEnd = new Int32Array(buffer, capacity * 4, capacity)
    this.units = new Uint16Array(buffer, capacity * 8, capacity)
    this.classes = new Uint8Array(buffer, capacity * 10, capacity)
    this.upper = new Uint8Array(buffer, capacity * 11, capacity)
  }

  grownTo(capacity: number): TextBuffers {
    const grown = new TextBuffers(capacity, newBuffer) // never the buffer being copied from
    grown.sourceStart.set(this.sourceStart)
    grown.sourceEnd.set(this.sourceEnd)
    grown.units.set(this.units)
    grown.classes.set(this.classes)
    grown.upper.set(this.upper)
    return grown
  }
}

/** Folds a text cluster by cluster, keeping for every normalised unit the source offsets of its cluster. */
export function normalizeText(source: string, allocate = newBuffer): NormalizedText {
  let buffers = new TextBuffers(source.length + 8, allocate)
  let length = 0
  let position = 0
  while (position < source.length) {
    const clusterStart = position
    const codePoint = source.codePointAt(position)!
    position += codePoint > 0xffff ? 2 : 1
    const baseEnd = position
    while (position < source.length) {
      const next = source.codePointAt(position)!
      if (!continuesCluster(next)) break
      position += next > 0xffff ? 2 : 1
    }
    const entry =
      position > baseEnd
        ? cached(clusterFolds, source.slice(clusterStart, position), foldCluster)
        : codePoint < 128
          ? asciiFolds[codePoint]!
          : cached(codePointFolds, codePoint, foldCodePoint)
    const folded = entry.text
    // NFKC can expand one character into many (ﬃ, ㍻, ﷽)
    if (length + folded.length > buffers.capacity) buffers = buffers.grownTo(Math.max(buffers.capacity * 2, length + folded.length))
    const { units, classes, upper, sourceStart, sourceEnd } = buffers
    for (let index = 0; index < folded.length; index++) {
      units[length] = folded.charCodeAt(index)
      classes[length] = entry.classes[index]!
      upper[length] = index === 0 && entry.upper ? 1 : 0
      sourceStart[length] = clusterStart
      sourceEnd[length] = position
      length++
    }
  }
  const units = buffers.units.subarray(0, length)
  return {
    length,
    text: unitsToString(units),
    units,
    classes: buffers.classes.subarray(0, length),
    upper: buffers.upper.subarray(0, length),
    sourceStart: buffers.sourceStart.subarray(0, length),
    sourceEnd: buffers.sourceEnd.subarray(0, length)
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
export function readText(text: NormalizedText, foldLeetspeak: boolean, allocate = newBuffer): Reading {
  const { length } = text
  // one buffer for both copies; the units are copied only once leetspeak changes one
  const buffer = allocate(length * 3 + 1)
  const classes = new Uint8Array(buffer, 0, length)
  classes.set(text.classes)
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
          if (!changed) units = copyUnits(units, buffer)
          units[index] = letter
          classes[index] = LETTER
          changed = true
        } else {
          classes[index] = OTHER
        }
      } else if (unitClass === DIGIT && foldRun && letter !== 0) {
        if (!changed) units = copyUnits(units, buffer)
        units[index] = letter
        classes[index] = LETTER
        changed = true
      }
    }
  }
  classifyApostrophes(units, classes)
  return { text: changed ? unitsToString(units) : text.text, units, classes, changed }
}

function copyUnits(units: Uint16Array, buffer: ArrayBuffer): Uint16Array {
  const copy = new Uint16Array(buffer, units.length + (units.length % 2), units.length)
  copy.set(units)
  return copy
}

const LOWER_N = 0x6e
const LOWER_T = 0x74

/**
 * An apostrophe between letters splits a word into parts that are also read joined (cat's, l'amour,
 * rock'n'roll), except in a negation (don't, can't), which would otherwise read as `don` or `can`.
 * At either end of a word it is punctuation.
 */
function classifyApostrophes(units: Uint16Array, classes: Uint8Array): void {
  const { length } = classes
  for (let index = 0; index < length; index++) {
    if (classes[index] !== APOSTROPHE) continue
    const inWord = index > 0 && index + 1 < length && isTokenClass(classes[index - 1]!) && isTokenClass(classes[index + 1]!)
    if (!inWord) classes[index] = OTHER
    else if (!(units[index - 1] === LOWER_N && units[index + 1] === LOWER_T && !isTokenClass(classes[index + 2] ?? SPACE))) {
      classes[index] = JOINER
    }
  }
}

/** foldText is synchronous and returns a string: its typed arrays are reused from call to call. */
const foldBuffers = { text: reusableBuffer(), reading: reusableBuffer(), squeezed: reusableBuffer() }

/**
 * The folded reading of a text as one plain string: NFKC, case folding, accents removed, homoglyphs and
 * leetspeak folded, and letters repeated three times or more squeezed to two (`goooood` reads `good`,
 * never `god`), so that classifier features can't be evaded the ways keyword rules can't.
 */
export function foldText(text: string): string {
  const { units, classes } = readText(normalizeText(text, foldBuffers.text), true, foldBuffers.reading)
  const squeezed = new Uint16Array(foldBuffers.squeezed(units.length * 2), 0, units.length)
  let length = 0
  for (let index = 0; index < units.length; index++) {
    const unit = units[index]!
    const elongated =
      length >= 2 && squeezed[length - 1] === unit && squeezed[length - 2] === unit && classes[index] === LETTER
    if (!elongated) squeezed[length++] = unit
  }
  return unitsToString(squeezed.subarray(0, length))
}
