/**
 * Symbols are part of a keyword. A keyword written with symbols before or after its words (`C#`, `C++`, `F#`,
 * `.NET`, `Yahoo!`, `(iykyk)`) or between them (`AT&T`, `R&B`, `9/11`, `turtles, or how`) matches only where
 * the text has those symbols, folded like the rest of the text (full-width `＃` is `#`):
 * - before and after the words, the symbols must touch them as they do in the keyword: `C#` does not match
 *   "vitamin C #health" (a space is allowed in the text only where the keyword has one: `C #` matches both);
 * - between the words, each group of symbols must be found between the matched words, in order; spaces around
 *   it do not matter (`R&B` matches "R & B") and the text may have more punctuation (as any phrase may).
 * Every trailing symbol is required, sentence punctuation too: `Yahoo!` does not match "Yahoo", `etc.` does
 * not match "etc" (as Bluesky and Mastodon have it). Two kinds of symbols stay out of this:
 * - one joining character between words (`super-bad`, `AC/DC`, `e-mail`, `rock'n'roll`): a spelling, matched
 *   written together, apart or joined (tokens.ts); between two numbers it is kept (`9/11` is not `911`);
 * - leetspeak symbols in or at the start of a word, read as letters (`$TSLA` is `stsla`, `!command` is
 *   `icommand`): the symbol, or its letter, is still required, and the bare word (`tsla`) does not match.
 *
 * The word matcher finds the words; a match of a keyword with symbols is then checked here against the text
 * around it (rare: only when its words matched), so keywords without symbols cost nothing more.
 */
import {
  APOSTROPHE,
  ASCII_CLASSES,
  ASCII_UNITS,
  DIGIT,
  EMOJI,
  HASH,
  JOINER,
  LETTER,
  MARK,
  NO_SPACE,
  OTHER,
  SPACE,
  TextBuffers,
  normalizeText,
  type NormalizedText,
  type Reading
} from './normalize.js'
import { isNumber, type Atoms } from './tokens.js'

/** What a keyword's symbols require of a match. */
export interface KeywordSymbols {
  /** the units right before the first word; a space stands for any whitespace, or none */
  readonly leading: string
  /** the units right after the last word, likewise */
  readonly trailing: string
  /** the groups of symbols between its words, spaces left out, in order */
  readonly inner: readonly string[]
  /** the links (atom indexes) that a group of symbols keeps from being joined into one word */
  readonly keptApart: ReadonlySet<number>
}

const SPACE_UNIT = 0x20

/** Units that make words, in the text as in keywords: everything else but whitespace is a symbol. */
const WORD_CLASSES = new Uint8Array(16)
for (const wordClass of [LETTER, MARK, DIGIT, NO_SPACE, EMOJI]) WORD_CLASSES[wordClass] = 1
/**
 * Symbols around the words of a hashtag's span: its `#`, and anything a hashtags[] entry holds. Leetspeak symbols
 * are not among them: they may be letters of the word (`a$$`).
 */
const TAG_EDGE_CLASSES = new Uint8Array(16)
for (const symbolClass of [HASH, JOINER, OTHER, APOSTROPHE]) TAG_EDGE_CLASSES[symbolClass] = 1

/** reading[start, end) with every run of whitespace as one space. */
function edgeUnits(reading: Reading, start: number, end: number): string {
  let units = ''
  for (let position = start; position < end; position++) {
    if (reading.classes[position] !== SPACE) units += reading.text[position]
    else if (!units.endsWith(' ')) units += ' '
  }
  return units
}

/**
 * The symbols of a keyword, from its folded reading and the atoms of that reading (its words); null for a keyword
 * without any (the usual case). `normalized` gives where the keyword's text starts and ends.
 */
export function keywordSymbols(normalized: NormalizedText, reading: Reading, atoms: Atoms): KeywordSymbols | null {
  if (atoms.count === 0) return null
  const { classes, text } = reading
  let start = 0
  while (start < normalized.length && classes[start] === SPACE) start++
  let end = normalized.length
  while (end > start && classes[end - 1] === SPACE) end--
  // both start or end with a symbol: the keyword's own ends are not whitespace
  const leading = edgeUnits(reading, start, atoms.start[0]!)
  const trailing = edgeUnits(reading, atoms.end[atoms.count - 1]!, end)
  const inner: string[] = []
  const keptApart = new Set<number>()
  for (let atom = 0; atom + 1 < atoms.count; atom++) {
    const gapStart = atoms.end[atom]!
    const gapEnd = atoms.start[atom + 1]!
    let group = ''
    let joiner = -1
    for (let position = gapStart; position < gapEnd; position++) {
      if (classes[position] === SPACE) continue
      group += text[position]
      joiner = classes[position] === JOINER ? position : -1
    }
    const joining =
      group.length === 1 && joiner !== -1 && !(isNumber(reading, atoms.start[atom]!, gapStart) && isNumber(reading, gapEnd, atoms.end[atom + 1]!))
    if (group === '' || joining) continue
    inner.push(group)
    keptApart.add(atom)
  }
  if (leading === '' && trailing === '' && inner.length === 0) return null
  return { leading, trailing, inner, keptApart }
}

/** findWithSymbols normalises the text around a match into these: it is synchronous. */
const buffers = new TextBuffers()
/** normalizeText's reading of ASCII characters, held in this module: measured faster in the loop below than the imports */
const asciiUnits: Uint16Array = ASCII_UNITS
const asciiClasses: Uint8Array = ASCII_CLASSES

/** Source characters around a match normalised to check its symbols: room for the symbols and what folds away. */
function margin(units: string): number {
  return units === '' ? 0 : 8 + units.length * 2
}

/** The normalised units around a match, their classes and where they come from in the text (from `from`). */
type Window = Pick<NormalizedText, 'length' | 'units' | 'classes' | 'sourceStart' | 'sourceEnd'>

/**
 * text[from, to) normalised. Text around a match is usually ASCII, one unit per character: it is then read as
 * normalizeText reads it, without the strings that normalizeText makes (the check costs a fraction of it).
 */
function normalizedWindow(text: string, from: number, to: number): Window {
  const length = to - from
  buffers.grow(length, 0)
  const { units, classes, sourceStart, sourceEnd } = buffers
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(from + index)
    if (code >= 128) return normalizeText(text.slice(from, to), buffers)
    units[index] = asciiUnits[code]!
    classes[index] = asciiClasses[code]!
    sourceStart[index] = index
    sourceEnd[index] = index + 1
  }
  return { length, units, classes, sourceStart, sourceEnd }
}

/**
 * Whether a match of a keyword's words at text[start, end) has the keyword's symbols; the match with its
 * leading and trailing symbols (offsets into `text`) if it has, null if not. A match of words inside a hashtag
 * (which reports the whole hashtag, `#` included) is checked from its first word to its last.
 */
export function findWithSymbols(symbols: KeywordSymbols, text: string, start: number, end: number): { start: number; end: number } | null {
  const from = Math.max(0, start - margin(symbols.leading))
  const to = Math.min(text.length, end + margin(symbols.trailing))
  const around = normalizedWindow(text, from, to)
  const { units, classes, sourceStart, sourceEnd, length } = around
  let first = 0
  while (first < length && sourceStart[first]! < start - from) first++
  let last = first
  while (last < length && sourceStart[last]! < end - from) last++
  last--
  // a match inside a hashtag reports the whole hashtag, symbols around its words included
  while (first < last && TAG_EDGE_CLASSES[classes[first]!] === 1) first++
  while (last > first && TAG_EDGE_CLASSES[classes[last]!] === 1) last--

  // leading symbols, read backwards from the first word
  let before = first - 1
  for (let index = symbols.leading.length - 1; index >= 0; index--) {
    const unit = symbols.leading.charCodeAt(index)
    if (unit === SPACE_UNIT) {
      while (before >= 0 && classes[before] === SPACE) before--
    } else if (before >= 0 && units[before] === unit) {
      before--
    } else {
      return null
    }
  }
  let after = last + 1
  for (let index = 0; index < symbols.trailing.length; index++) {
    const unit = symbols.trailing.charCodeAt(index)
    if (unit === SPACE_UNIT) {
      while (after < length && classes[after] === SPACE) after++
    } else if (after < length && units[after] === unit) {
      after++
    } else {
      return null
    }
  }
  if (!hasInnerGroups(symbols.inner, around, first, last)) return null
  return {
    start: before + 1 < first ? from + sourceStart[before + 1]! : start,
    end: after - 1 > last ? from + sourceEnd[after - 1]! : end
  }
}

/** Whether the groups of symbols between the words of units [first, last] include `inner`, in order. */
function hasInnerGroups(inner: readonly string[], around: Window, first: number, last: number): boolean {
  let found = 0
  let group = ''
  for (let position = first; position <= last && found < inner.length; position++) {
    const unitClass = around.classes[position]!
    if (WORD_CLASSES[unitClass] === 1) {
      if (group !== '' && group === inner[found]) found++
      group = ''
    } else if (unitClass !== SPACE) {
      group += String.fromCharCode(around.units[position]!)
    }
  }
  return found === inner.length
}
