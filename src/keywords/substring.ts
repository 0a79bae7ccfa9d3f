/**
 * Substring matching over a reading with one Aho–Corasick automaton for all patterns of all rules.
 *
 * Both the text and the patterns are run-length encoded (`spooooiler` is s p o×4 i l e r), and the automaton
 * runs over the runs. A candidate is then checked run by run: counts must agree, except that a letter repeated
 * three times or more is an elongation and stands for one or two (`spoooiler` contains `spoil`, `good` does
 * not contain `god`). The first and last runs of a pattern may be the end or start of a longer run.
 *
 * A text's runs are kept in its field analysis and searched for every user; a user with few patterns skips the
 * automaton: a bigram filter rules most patterns out, and a plain search finds the others.
 */
import { LETTER, MARK, NO_SPACE, OTHER, SPACE, unitsToString, type Reading } from './normalize.js'

const ELONGATION = 3
const SPACE_UNIT = 0x20

/** Where a run's first unit is among the units kept, with the run's letter flag above it. */
const LETTER_RUN = 1 << 30
const RUN_START = LETTER_RUN - 1
/**
 * Bits of a 512-bit set, one per unit and one per pair of neighbouring units: a pattern's must all be in the
 * text's. A 150-character caption sets about a fifth of them; fewer bits would let most short patterns through.
 */
const GRAM_WORDS = 16
const GRAM_SHIFT = 23
/** LETTER_RUN for the classes whose runs may be elongations: letters, their marks, scripts without spaces. */
const RUN_FLAGS = new Int32Array(OTHER + 1)
RUN_FLAGS[LETTER] = LETTER_RUN
RUN_FLAGS[MARK] = LETTER_RUN
RUN_FLAGS[NO_SPACE] = LETTER_RUN

/** A reading as runs, in reusable arrays: what toRuns builds, before it is kept (RunText) or made a pattern. */
export interface Runs {
  readonly count: number
  /** units kept */
  readonly kept: number
  readonly units: Uint16Array
  /**
   * per run, the index among the units kept of its first unit, plus LETTER_RUN for a run of letters (which may
   * be an elongation); then `kept`: a run's length is the difference of two starts
   */
  readonly starts: Int32Array
  /**
   * Pairs (run, its start less its index) where that difference changes, i.e. after a run of several units:
   * the starts in a few numbers, runs of one unit being the rule.
   */
  readonly startChanges: Int32Array
  readonly startChangeCount: number
  /**
   * Pairs (unit kept, its position less its index) where that difference changes, i.e. after units left out:
   * the positions in a few numbers.
   */
  readonly positionChanges: Int32Array
  readonly positionChangeCount: number
  /** a bit per run, set for runs of letters */
  readonly letters: Int32Array
  /** the bigram filter of the runs' units */
  readonly grams: Int32Array
}

function runLength(starts: Int32Array, run: number): number {
  return (starts[run + 1]! & RUN_START) - (starts[run]! & RUN_START)
}

/** The arrays of Runs, reused from call to call by a caller that keeps no runs past the next call. */
export class RunBuffers {
  starts: Int32Array
  units: Uint16Array
  startChanges: Int32Array
  positionChanges: Int32Array
  letters: Int32Array
  readonly grams = new Int32Array(GRAM_WORDS)

  constructor(capacity = 256) {
    this.starts = new Int32Array(capacity + 1)
    this.units = new Uint16Array(capacity)
    this.startChanges = new Int32Array(capacity * 2)
    this.positionChanges = new Int32Array(capacity * 2)
    this.letters = new Int32Array((capacity >>> 5) + 1)
  }

  grow(capacity: number): void {
    if (capacity <= this.units.length) return
    Object.assign(this, new RunBuffers(Math.max(capacity, this.units.length * 2)))
  }
}

/**
 * A reading as runs: whitespace runs become one space, or none between characters of scripts written without
 * spaces; `skip` marks positions left out (the gaps of spaced-out letters).
 */
export function toRuns(reading: Reading, skip: Uint8Array | null, into?: RunBuffers): Runs {
  const { length, classes } = reading
  const readingUnits = reading.units
  const buffers = into ?? new RunBuffers(length)
  buffers.grow(length)
  const { starts, units, startChanges, positionChanges, letters, grams } = buffers
  letters.fill(0, 0, (length >>> 5) + 1)
  grams.fill(0)
  let count = 0
  let kept = 0
  let lastUnit = -1
  let previousClass = SPACE
  let startChangeCount = 0
  let positionChangeCount = 0
  let skipped = 0
  // the last run's start less its index
  let extra = 0
  for (let position = 0; position < length; position++) {
    if (skip !== null && skip[position] === 1) continue
    const unitClass = classes[position]!
    const isSpace = unitClass === SPACE
    if (isSpace && previousClass === NO_SPACE) {
      let next = position + 1
      while (next < length && classes[next] === SPACE) next++
      if (next < length && classes[next] === NO_SPACE) {
        position = next - 1
        continue
      }
    }
    previousClass = unitClass
    const unit = isSpace ? SPACE_UNIT : readingUnits[position]!
    if (unit !== lastUnit) {
      // the first run after one of several units starts further on than its index
      if (kept - count !== extra) {
        extra = kept - count
        startChanges[startChangeCount * 2] = count
        startChanges[startChangeCount * 2 + 1] = extra
        startChangeCount++
      }
      units[count] = unit
      starts[count] = kept | RUN_FLAGS[unitClass]!
      if (RUN_FLAGS[unitClass] !== 0) letters[count >>> 5]! |= 1 << (count & 31)
      count++
      addGrams(grams, lastUnit, unit)
      lastUnit = unit
    } else if (isSpace) {
      continue
    }
    if (position - kept !== skipped) {
      skipped = position - kept
      positionChanges[positionChangeCount * 2] = kept
      positionChanges[positionChangeCount * 2 + 1] = skipped
      positionChangeCount++
    }
    kept++
  }
  starts[count] = kept
  return { count, kept, units, starts, startChanges, startChangeCount, positionChanges, positionChangeCount, letters, grams }
}


/** Adds a unit to a bigram filter: its bit, and that of the pair it makes with the unit before (-1 for none). */
function addGrams(grams: Int32Array, previous: number, unit: number): void {
  const single = Math.imul(unit, 0x85ebca6b) >>> GRAM_SHIFT
  grams[single >>> 5]! |= 1 << (single & 31)
  if (previous === -1) return
  const pair = Math.imul((previous << 16) | unit, 0x9e3779b1) >>> GRAM_SHIFT
  grams[pair >>> 5]! |= 1 << (pair & 31)
}

/** Copies from[0, count) to into[at, at + count): a loop, as a view for set() would cost more for short lists. */
export function copyNumbers(from: Int32Array, count: number, into: Int32Array, at: number): void {
  for (let index = 0; index < count; index++) into[at + index] = from[index]!
}

const HEADER = GRAM_WORDS + 4
const COUNT = GRAM_WORDS
const KEPT = GRAM_WORDS + 1
const START_CHANGES = GRAM_WORDS + 2
const POSITION_CHANGES = GRAM_WORDS + 3

/** How many numbers the kept form of these runs takes (see RunText). */
export function runTextSize(runs: Runs): number {
  return HEADER + ((runs.count + 1) >>> 1) + ((runs.count + 31) >>> 5) + (runs.startChangeCount + runs.positionChangeCount) * 2
}

/** Writes the kept form of these runs at into[at, at + runTextSize(runs)). */
export function writeRunText(runs: Runs, into: Int32Array, at: number): void {
  const { count, units } = runs
  copyNumbers(runs.grams, GRAM_WORDS, into, at)
  into[at + COUNT] = count
  into[at + KEPT] = runs.kept
  into[at + START_CHANGES] = runs.startChangeCount
  into[at + POSITION_CHANGES] = runs.positionChangeCount
  let next = at + HEADER
  for (let run = 0; run < count; run += 2) into[next++] = units[run]! | (run + 1 < count ? units[run + 1]! << 16 : 0)
  const letterWords = (count + 31) >>> 5
  copyNumbers(runs.letters, letterWords, into, next)
  next += letterWords
  copyNumbers(runs.startChanges, runs.startChangeCount * 2, into, next)
  copyNumbers(runs.positionChanges, runs.positionChangeCount * 2, into, next + runs.startChangeCount * 2)
}

/** The value of the last pair (key, value) in data[at, at + count * 2) whose key is at most `key`; 0 if none. */
function valueAtOrBefore(data: Int32Array, at: number, count: number, key: number): number {
  let low = 0
  let high = count
  while (low < high) {
    const middle = (low + high) >>> 1
    if (data[at + middle * 2]! <= key) low = middle + 1
    else high = middle
  }
  return low === 0 ? 0 : data[at + low * 2 - 1]!
}

/**
 * A reading's runs as kept in a field analysis, read in place: the analysis holds numbers only, so that caching
 * it adds no object for the garbage collector to copy. From `at`: the bigram filter; the number of runs, of
 * units kept, of start changes and of position changes (see Runs); the runs' units, two per number; a bit per
 * run, set for runs of letters; the start changes; the position changes. Runs of one unit and positions with
 * nothing left out before them are the rule, and cost nothing. A matcher points one RunText at each reading it
 * searches.
 */
export class RunText {
  data: Int32Array = new Int32Array(0)
  at = 0
  count = 0
  kept = 0
  unitsAt = 0
  lettersAt = 0
  startChangesAt = 0
  startChangeCount = 0
  positionChangesAt = 0
  positionChangeCount = 0

  /** Reads the runs kept at data[at…]. */
  point(data: Int32Array, at: number): this {
    this.data = data
    this.at = at
    this.count = data[at + COUNT]!
    this.kept = data[at + KEPT]!
    this.startChangeCount = data[at + START_CHANGES]!
    this.positionChangeCount = data[at + POSITION_CHANGES]!
    this.unitsAt = at + HEADER
    this.lettersAt = this.unitsAt + ((this.count + 1) >>> 1)
    this.startChangesAt = this.lettersAt + ((this.count + 31) >>> 5)
    this.positionChangesAt = this.startChangesAt + this.startChangeCount * 2
    return this
  }

  /** The unit a run repeats. */
  unit(run: number): number {
    return (this.data[this.unitsAt + (run >>> 1)]! >>> ((run & 1) << 4)) & 0xffff
  }

  /** Index of the run's first unit among the units kept. */
  runStart(run: number): number {
    if (run === this.count) return this.kept
    return run + valueAtOrBefore(this.data, this.startChangesAt, this.startChangeCount, run)
  }

  /** Every unit of a run is kept, except in whitespace runs, which count as one. */
  runLength(run: number): number {
    return this.runStart(run + 1) - this.runStart(run)
  }

  isLetterRun(run: number): boolean {
    return (this.data[this.lettersAt + (run >>> 5)]! & (1 << (run & 31))) !== 0
  }

  /** Normalised position of the k-th unit kept. */
  position(unit: number): number {
    return unit + valueAtOrBefore(this.data, this.positionChangesAt, this.positionChangeCount, unit)
  }
}

export interface Pattern {
  /** one character per run */
  readonly units: string
  readonly runLengths: readonly number[]
  /** caller's payload (the rule) */
  readonly rule: number
}

/** A pattern from a keyword's runs, without surrounding whitespace; null when nothing is left. */
export function toPattern(runs: Runs, rule: number): Pattern | null {
  let start = 0
  let end = runs.count
  while (start < end && runs.units[start] === SPACE_UNIT) start++
  while (end > start && runs.units[end - 1] === SPACE_UNIT) end--
  if (start === end) return null
  return {
    units: unitsToString(runs.units.subarray(start), end - start),
    runLengths: Array.from({ length: end - start }, (_, run) => runLength(runs.starts, start + run)),
    rule
  }
}

export function samePattern(a: Pattern, b: Pattern): boolean {
  return (
    a.rule === b.rule &&
    a.units === b.units &&
    a.runLengths.every((length, index) => length === b.runLengths[index])
  )
}

/** Reports a match in normalised positions [start, end). */
export type OnSubstringMatch = (rule: number, start: number, end: number) => void

/** Every verified match of every pattern in a text's runs. */
export interface SubstringSearch {
  search(text: RunText, onMatch: OnSubstringMatch): void
}

/**
 * Patterns at most this many are searched one by one (filter, then a plain search): cheaper than the
 * automaton's step per run of the text until there are a few dozen of them.
 */
const FEW_PATTERNS = 24

export function substringSearch(patterns: readonly Pattern[]): SubstringSearch {
  return patterns.length <= FEW_PATTERNS ? new PatternList(patterns) : new SubstringAutomaton(patterns)
}

export class PatternList implements SubstringSearch {
  /** per pattern, from checksAt[pattern] to checksAt[pattern + 1]: pairs (word of the filter, its bits) */
  private readonly checks: Int32Array
  private readonly checksAt: Int32Array

  constructor(private readonly patterns: readonly Pattern[]) {
    const checks: number[] = []
    this.checksAt = new Int32Array(patterns.length + 1)
    const grams = new Int32Array(GRAM_WORDS)
    patterns.forEach((pattern, index) => {
      grams.fill(0)
      // by UTF-16 unit, as the text's runs are (iterating the string would go by code point)
      for (let unit = 0; unit < pattern.units.length; unit++) {
        addGrams(grams, unit === 0 ? -1 : pattern.units.charCodeAt(unit - 1), pattern.units.charCodeAt(unit))
      }
      grams.forEach((bits, word) => {
        if (bits !== 0) checks.push(word, bits)
      })
      this.checksAt[index + 1] = checks.length
    })
    this.checks = Int32Array.from(checks)
  }

  search(text: RunText, onMatch: OnSubstringMatch): void {
    const { patterns, checks, checksAt } = this
    const { data, at } = text
    for (let index = 0; index < patterns.length; index++) {
      let check = checksAt[index]!
      const end = checksAt[index + 1]!
      while (check < end && (data[at + checks[check]!]! & checks[check + 1]!) === checks[check + 1]) check += 2
      if (check === end) searchRuns(patterns[index]!, text, onMatch)
    }
  }
}

/** Every place of a pattern's units in the runs: rarely called, the filter lets little more through than matches. */
function searchRuns(pattern: Pattern, text: RunText, onMatch: OnSubstringMatch): void {
  const { units } = pattern
  const first = units.charCodeAt(0)
  const { data, unitsAt, count } = text
  for (let run = 0; run + units.length <= count; run++) {
    // two units per number: the even run's in the low half
    if (((data[unitsAt + (run >>> 1)]! >>> ((run & 1) << 4)) & 0xffff) !== first) continue
    let length = 1
    while (length < units.length && text.unit(run + length) === units.charCodeAt(length)) length++
    if (length === units.length) reportIfAgreeing(pattern, text, run, onMatch)
  }
}

const NO_OUTPUT: readonly number[] = []

export class SubstringAutomaton implements SubstringSearch {
  /** every state's transitions while the automaton is built; then only the start state's (see link) */
  private transitions: Array<Map<number, number>> = [new Map()]
  private readonly failures: number[] = [0]
  private readonly outputs: Array<readonly number[]> = [NO_OUTPUT]
  // Lookups are the hot path, so the goto function is kept compact: ASCII from the start state in an array,
  // a state's single transition in two arrays, and a Map only for states with several.
  private readonly rootAscii = new Int32Array(128)
  private readonly onlyUnit: Int32Array
  private readonly onlyNext: Int32Array
  private readonly branches: Array<Map<number, number> | null>

  constructor(private readonly patterns: readonly Pattern[]) {
    patterns.forEach((pattern, index) => this.insert(pattern, index))
    const states = this.transitions.length
    this.onlyUnit = new Int32Array(states).fill(-1)
    this.onlyNext = new Int32Array(states)
    this.branches = this.transitions.map((transitions, state) => {
      if (transitions.size > 1) return transitions
      for (const [unit, next] of transitions) {
        this.onlyUnit[state] = unit
        this.onlyNext[state] = next
      }
      return null
    })
    for (const [unit, next] of this.transitions[0]!) if (unit < 128) this.rootAscii[unit] = next
    this.link()
    // a Map per state would weigh most of a large user's compiled rules: the compact arrays replace them
    this.transitions = [this.transitions[0]!]
  }

  private insert(pattern: Pattern, index: number): void {
    let state = 0
    for (let position = 0; position < pattern.units.length; position++) {
      const unit = pattern.units.charCodeAt(position)
      let next = this.transitions[state]!.get(unit)
      if (next === undefined) {
        next = this.transitions.length
        this.transitions.push(new Map())
        this.failures.push(0)
        this.outputs.push(NO_OUTPUT)
        this.transitions[state]!.set(unit, next)
      }
      state = next
    }
    this.outputs[state] = [...this.outputs[state]!, index]
  }

  /** Breadth-first failure links; each state's outputs include those of its failure chain. */
  private link(): void {
    const queue = [...this.transitions[0]!.values()]
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!
      for (const [unit, next] of this.transitions[state]!) {
        const failure = this.step(this.failures[state]!, unit)
        this.failures[next] = failure
        const inherited = this.outputs[failure]!
        if (inherited.length > 0) this.outputs[next] = [...this.outputs[next]!, ...inherited]
        queue.push(next)
      }
    }
  }

  private step(from: number, unit: number): number {
    let state = from
    while (state !== 0) {
      if (this.onlyUnit[state] === unit) return this.onlyNext[state]!
      const next = this.branches[state]?.get(unit)
      if (next !== undefined) return next
      state = this.failures[state]!
    }
    return unit < 128 ? this.rootAscii[unit]! : (this.transitions[0]!.get(unit) ?? 0)
  }

  search(text: RunText, onMatch: OnSubstringMatch): void {
    let state = 0
    for (let run = 0; run < text.count; run++) {
      state = this.step(state, text.unit(run))
      const outputs = this.outputs[state]!
      for (let output = 0; output < outputs.length; output++) {
        const pattern = this.patterns[outputs[output]!]!
        reportIfAgreeing(pattern, text, run - pattern.units.length + 1, onMatch)
      }
    }
  }
}

/** Reports the units found at `firstRun` if their run lengths agree with the pattern's. */
function reportIfAgreeing(pattern: Pattern, text: RunText, firstRun: number, onMatch: OnSubstringMatch): void {
  if (!runsAgree(pattern, text, firstRun)) return
  const { start, end } = matchedUnits(pattern, text, firstRun)
  onMatch(pattern.rule, text.position(start), text.position(end) + 1)
}

function runsAgree(pattern: Pattern, text: RunText, firstRun: number): boolean {
  const last = pattern.runLengths.length - 1
  for (let index = 0; index <= last; index++) {
    const wanted = pattern.runLengths[index]!
    const found = text.runLength(firstRun + index)
    if (found === wanted) continue
    if (text.isLetterRun(firstRun + index) && found >= ELONGATION) continue
    // a pattern's first and last runs may be the tail or head of a longer run
    if ((index === 0 || index === last) && found > wanted) continue
    return false
  }
  return true
}

/** The matched units (indexes into `positions`): the tail of the first run and the head of the last. */
function matchedUnits(pattern: Pattern, text: RunText, firstRun: number): { start: number; end: number } {
  const lastIndex = pattern.runLengths.length - 1
  const firstFound = text.runLength(firstRun)
  const firstStart = text.runStart(firstRun)
  const lastRun = firstRun + lastIndex
  const lastWanted = Math.min(pattern.runLengths[lastIndex]!, text.runLength(lastRun))
  const end = text.runStart(lastRun) + lastWanted - 1
  if (lastIndex === 0) return { start: firstStart, end }
  const start = firstStart + Math.max(0, firstFound - pattern.runLengths[0]!)
  return { start, end }
}
