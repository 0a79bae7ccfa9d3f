/**
 * Words of a reading, as atoms linked to their neighbours. Matching walks these atoms: a phrase follows links,
 * and linked atoms can also be read joined (`super-bad` as `superbad`, `s p o i l e r` as `spoiler`).
 */
import {
  APOSTROPHE,
  DIGIT,
  EMOJI,
  HASH,
  JOINER,
  LETTER,
  MARK,
  NO_SPACE,
  OTHER,
  SPACE,
  isTokenClass,
  type NormalizedText,
  type Reading
} from './normalize.js'
import { isFunctionWord } from './function-words.js'

/** The atoms are not neighbours: a phrase does not continue across them. */
export const LINK_NONE = 0
/** Neighbours in a phrase. */
export const LINK_PHRASE = 1
/** Neighbours that are also read joined: one joining character between them, or a camelCase boundary. */
export const LINK_JOIN = 2
/** Single characters a short gap apart: read joined when at least three of them are. */
export const LINK_SPACED = 3

/**
 * The atoms of one reading, as parallel arrays: every field of every item is tokenized, and an object per word
 * would be most of the cost. Offsets are normalised ones.
 */
export class Atoms {
  count = 0
  start: Int32Array
  end: Int32Array
  /** the hashtag each belongs to (index into the field's tags), or -1 */
  tag: Int32Array
  /** 1 for a whole word of one character */
  single: Uint8Array
  /** how each is linked to the next atom */
  link: Uint8Array

  constructor(
    public reading: Reading,
    capacity = 16
  ) {
    this.start = new Int32Array(capacity)
    this.end = new Int32Array(capacity)
    this.tag = new Int32Array(capacity)
    this.single = new Uint8Array(capacity)
    this.link = new Uint8Array(capacity)
  }

  /** An atom's text, apostrophes left out (`cat's` is `cats`). */
  text(index: number): string {
    const text = this.reading.text.slice(this.start[index], this.end[index])
    return text.includes("'") ? text.replaceAll("'", '') : text
  }

  push(start: number, end: number, tag: number, single: boolean, link: number): void {
    if (this.count === this.start.length) this.grow()
    const index = this.count++
    this.start[index] = start
    this.end[index] = end
    this.tag[index] = tag
    this.single[index] = single ? 1 : 0
    this.link[index] = link
  }

  private grow(): void {
    const capacity = this.start.length * 2
    const grown = <T extends Int32Array | Uint8Array>(array: T, next: T): T => {
      next.set(array)
      return next
    }
    this.start = grown(this.start, new Int32Array(capacity))
    this.end = grown(this.end, new Int32Array(capacity))
    this.tag = grown(this.tag, new Int32Array(capacity))
    this.single = grown(this.single, new Uint8Array(capacity))
    this.link = grown(this.link, new Uint8Array(capacity))
  }
}

/** A hashtag, in normalised offsets: `start` is its `#` (or its first character in a hashtags[] entry). */
export interface Tag {
  readonly start: number
  readonly bodyStart: number
  readonly end: number
}

const COMMA = 0x2c
/** `/`, `\\`, `|` and the fraction slash: joiners that list alternatives (see joiningLink). */
const SLASHES = new Set([0x2f, 0x5c, 0x7c, 0x2044])
const MAX_SPACED_GAP = 3

function isTagBody(text: NormalizedText, position: number): boolean {
  const unitClass = text.classes[position]!
  return isTokenClass(unitClass) || unitClass === NO_SPACE || text.units[position] === 0x5f
}

/** Inline hashtags of a content field: `#` after a non-word character, then letters, digits or underscores. */
export function findTags(text: NormalizedText): Tag[] {
  const tags: Tag[] = []
  const { classes, length } = text
  for (let position = 0; position < length; position++) {
    if (classes[position] !== HASH) continue
    if (position > 0 && (isTokenClass(classes[position - 1]!) || classes[position - 1] === NO_SPACE)) continue
    let end = position + 1
    while (end < length && isTagBody(text, end)) end++
    if (end > position + 1) tags.push({ start: position, bodyStart: position + 1, end })
    position = end - 1
  }
  return tags
}

/** A hashtags[] entry is one tag, with or without its `#`. */
export function fieldTag(text: NormalizedText): Tag[] {
  const { classes } = text
  let start = 0
  let end = text.length
  while (start < end && classes[start] === SPACE) start++
  while (end > start && classes[end - 1] === SPACE) end--
  let bodyStart = start
  while (bodyStart < end && classes[bodyStart] === HASH) bodyStart++
  return bodyStart < end ? [{ start, bodyStart, end }] : []
}

/** A tag as one word, every separator dropped: what a `#keyword` rule compares with. */
export function tagWord(reading: Reading, tag: Tag): string {
  let word = ''
  for (let position = tag.bodyStart; position < tag.end; position++) {
    const unitClass = reading.classes[position]!
    if (isTokenClass(unitClass) || unitClass === NO_SPACE || unitClass === EMOJI) word += reading.text[position]
  }
  return word
}

function linkBetween(reading: Reading, gapStart: number, gapEnd: number, bothSingle: boolean): number {
  let spaced = bothSingle && gapEnd - gapStart <= MAX_SPACED_GAP
  for (let position = gapStart; position < gapEnd; position++) {
    const unitClass = reading.classes[position]!
    if (unitClass === NO_SPACE) return LINK_NONE
    if (unitClass !== SPACE && unitClass !== JOINER && reading.units[position] !== COMMA) spaced = false
  }
  if (gapEnd - gapStart === 1 && reading.classes[gapStart] === JOINER) return LINK_JOIN
  return spaced ? LINK_SPACED : LINK_PHRASE
}

/** Whether reading[start, end) is all digits. */
export function isNumber(reading: Reading, start: number, end: number): boolean {
  for (let position = start; position < end; position++) if (reading.classes[position] !== DIGIT) return false
  return true
}

/**
 * The link between two words written with one joining character between them. Joins must not invent words: two
 * numbers stay apart (`9/11` is not `911`, `3.5` not `35`), and so do two function words around a slash, which
 * lists alternatives (`and/or` is not `andor`, `his/her` not `hisher`). Any other join stays: compounds
 * (`super-bad`, `make-up`, `how-to`) and abbreviations (`AC/DC`, `TCP/IP`, `I/O`, `COVID-19`).
 */
function joiningLink(reading: Reading, previousStart: number, previousEnd: number, start: number, end: number): number {
  if (isNumber(reading, previousStart, previousEnd) && isNumber(reading, start, end)) return LINK_PHRASE
  const alternatives =
    SLASHES.has(reading.units[previousEnd]!) && isFunctionWord(reading.text, previousStart, previousEnd) && isFunctionWord(reading.text, start, end)
  return alternatives ? LINK_PHRASE : LINK_JOIN
}

/** camelCase (`spoilerAlert`, `HTMLParser`) and letter/digit boundaries, inside hashtags and author names. */
function isPartBoundary(reading: Reading, upper: Uint8Array, position: number, end: number): boolean {
  const { classes } = reading
  const before = classes[position - 1]!
  const here = classes[position]!
  if (here === MARK || here === APOSTROPHE || before === APOSTROPHE) return false
  if ((before === DIGIT) !== (here === DIGIT)) return true
  if (upper[position] === 1 && upper[position - 1] === 0) return true
  return (
    upper[position] === 1 &&
    position + 1 < end &&
    classes[position + 1] === LETTER &&
    upper[position + 1] === 0
  )
}

/** What a class is to a word: TOKEN (letters, marks, digits), IN_WORD (a negation's apostrophe), or 0. */
const TOKEN = 1
const IN_WORD = 2
const WORD_UNITS = new Uint8Array(OTHER + 1)
WORD_UNITS[LETTER] = TOKEN
WORD_UNITS[MARK] = TOKEN
WORD_UNITS[DIGIT] = TOKEN
WORD_UNITS[APOSTROPHE] = IN_WORD

/**
 * The atoms of a reading. Words are runs of letters, marks and digits (a negation's apostrophe stays inside);
 * with `splitParts` (author names), and inside hashtags, words are also split at camelCase and letter/digit
 * boundaries into parts linked with LINK_JOIN. They are written to `into`, reused by callers that tokenize many readings.
 */
export function tokenize(
  reading: Reading,
  text: NormalizedText,
  tags: readonly Tag[],
  splitParts: boolean,
  into: Atoms
): Atoms {
  const { classes } = reading
  const { length } = text
  const atoms = into
  atoms.reading = reading
  atoms.count = 0
  let tagIndex = 0
  let previousStart = 0
  let previousEnd = 0
  let previousSingle = false
  let position = 0
  while (position < length) {
    if (WORD_UNITS[classes[position]!] !== TOKEN) {
      position++
      continue
    }
    const start = position
    while (position < length && WORD_UNITS[classes[position]!] !== 0) position++
    const end = position
    while (tagIndex < tags.length && tags[tagIndex]!.end < end) tagIndex++
    const tag = tagIndex < tags.length && tags[tagIndex]!.start <= start ? tagIndex : -1
    const single = end - start === 1
    if (atoms.count > 0) {
      const link = linkBetween(reading, previousEnd, start, previousSingle && single)
      atoms.link[atoms.count - 1] = link === LINK_JOIN ? joiningLink(reading, previousStart, previousEnd, start, end) : link
    }
    let partStart = start
    if (splitParts || tag >= 0) {
      for (let boundary = start + 1; boundary < end; boundary++) {
        if (!isPartBoundary(reading, text.upper, boundary, end)) continue
        atoms.push(partStart, boundary, tag, single, LINK_JOIN)
        partStart = boundary
      }
    }
    atoms.push(partStart, end, tag, single, LINK_NONE)
    previousStart = start
    previousEnd = end
    previousSingle = single
  }
  return atoms
}

/**
 * Normalised positions to leave out of a substring reading: the gaps inside runs of three or more single
 * characters (`s p o i l e r`, `s.p.o.i.l.e.r`), which are read joined. `into`, when given, is reused (it has
 * room for `length` positions).
 */
export function spacedGaps(atoms: Atoms, length: number, into?: Uint8Array): Uint8Array | null {
  let gaps: Uint8Array | null = null
  const { single, link, start, end } = atoms
  let runStart = 0
  for (let index = 0; index <= atoms.count; index++) {
    const continues =
      index > 0 &&
      index < atoms.count &&
      single[index] === 1 &&
      single[index - 1] === 1 &&
      (link[index - 1] === LINK_SPACED || link[index - 1] === LINK_JOIN)
    if (continues) continue
    if (index - runStart >= 3) {
      if (gaps === null) {
        gaps = into === undefined ? new Uint8Array(length) : into.subarray(0, length)
        gaps.fill(0)
      }
      for (let member = runStart; member < index - 1; member++) gaps.fill(1, end[member]!, start[member + 1]!)
    }
    runStart = index
  }
  return gaps
}
