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
  SPACE,
  isTokenClass,
  type NormalizedText,
  type Reading
} from './normalize.js'

/** The atoms are not neighbours: a phrase does not continue across them. */
export const LINK_NONE = 0
/** Neighbours in a phrase. */
export const LINK_PHRASE = 1
/** Neighbours that are also read joined: one joining character between them, or a camelCase boundary. */
export const LINK_JOIN = 2
/** Single characters a short gap apart: read joined when at least three of them are. */
export const LINK_SPACED = 3

export interface Atom {
  /** normalised offsets */
  readonly start: number
  readonly end: number
  readonly text: string
  /** the hashtag it belongs to (index into the field's tags), or -1 */
  readonly tag: number
  /** a whole word of one character */
  readonly single: boolean
  /** how it is linked to the next atom */
  link: number
}

/** A hashtag, in normalised offsets: `start` is its `#` (or its first character in a hashtags[] entry). */
export interface Tag {
  readonly start: number
  readonly bodyStart: number
  readonly end: number
}

const COMMA = 0x2c
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

function atomText(reading: Reading, start: number, end: number): string {
  const text = reading.text.slice(start, end)
  return text.includes("'") ? text.replaceAll("'", '') : text
}

/**
 * The atoms of a reading. Words are runs of letters, marks and digits (a negation's apostrophe stays inside);
 * with `splitParts` (author names), and inside hashtags, words are also split at camelCase and letter/digit
 * boundaries into parts linked with LINK_JOIN.
 */
export function tokenize(reading: Reading, text: NormalizedText, tags: readonly Tag[], splitParts: boolean): Atom[] {
  const { classes } = reading
  const { length } = text
  const atoms: Atom[] = []
  let tagIndex = 0
  let previousEnd = 0
  let previousSingle = false
  let position = 0
  while (position < length) {
    if (!isTokenClass(classes[position]!)) {
      position++
      continue
    }
    const start = position
    while (position < length && (isTokenClass(classes[position]!) || classes[position] === APOSTROPHE)) position++
    const end = position
    while (tagIndex < tags.length && tags[tagIndex]!.end < end) tagIndex++
    const tag = tagIndex < tags.length && tags[tagIndex]!.start <= start ? tagIndex : -1
    const single = end - start === 1
    const previous = atoms[atoms.length - 1]
    if (previous !== undefined) previous.link = linkBetween(reading, previousEnd, start, previousSingle && single)
    let partStart = start
    if (splitParts || tag >= 0) {
      for (let boundary = start + 1; boundary < end; boundary++) {
        if (!isPartBoundary(reading, text.upper, boundary, end)) continue
        atoms.push({ start: partStart, end: boundary, text: atomText(reading, partStart, boundary), tag, single, link: LINK_JOIN })
        partStart = boundary
      }
    }
    atoms.push({ start: partStart, end, text: atomText(reading, partStart, end), tag, single, link: LINK_NONE })
    previousEnd = end
    previousSingle = single
  }
  return atoms
}

/**
 * Normalised positions to leave out of a substring reading: the gaps inside runs of three or more single
 * characters (`s p o i l e r`, `s.p.o.i.l.e.r`), which are read joined.
 */
export function spacedGaps(atoms: readonly Atom[], length: number): Uint8Array | null {
  let gaps: Uint8Array | null = null
  let runStart = 0
  for (let index = 0; index <= atoms.length; index++) {
    const atom = atoms[index]
    const previous = atoms[index - 1]
    const continues =
      atom !== undefined &&
      atom.single &&
      previous !== undefined &&
      previous.single &&
      (previous.link === LINK_SPACED || previous.link === LINK_JOIN)
    if (continues) continue
    if (index - runStart >= 3) {
      gaps ??= new Uint8Array(length)
      for (let member = runStart; member < index - 1; member++) gaps.fill(1, atoms[member]!.end, atoms[member + 1]!.start)
    }
    runStart = index
  }
  return gaps
}
