/**
 * Substring matching over a reading with one Aho–Corasick automaton for all patterns of all rules.
 *
 * Both the text and the patterns are run-length encoded (`spooooiler` is s p o×4 i l e r), and the automaton
 * runs over the runs. A candidate is then checked run by run: counts must agree, except that a letter repeated
 * three times or more is an elongation and stands for one or two (`spoooiler` contains `spoil`, `good` does
 * not contain `god`). The first and last runs of a pattern may be the end or start of a longer run.
 */
import { LETTER, MARK, NO_SPACE, SPACE, newBuffer, type Reading } from './normalize.js'

const ELONGATION = 3
const SPACE_UNIT = 0x20

export interface RunText {
  readonly count: number
  readonly units: Uint16Array
  readonly runLengths: Int32Array
  readonly letters: Uint8Array
  /** index into `positions` of each run's first unit */
  readonly runStarts: Int32Array
  /** normalised position of every unit kept */
  readonly positions: Int32Array
}

/**
 * A reading as runs: whitespace runs become one space, or none between characters of scripts written without
 * spaces; `skip` marks positions left out (the gaps of spaced-out letters).
 */
export function toRuns(reading: Reading, skip: Uint8Array | null, allocate = newBuffer): RunText {
  const { length } = reading.units
  const { classes } = reading
  const buffer = allocate(length * 15)
  const positions = new Int32Array(buffer, 0, length)
  const runStarts = new Int32Array(buffer, length * 4, length)
  const runLengths = new Int32Array(buffer, length * 8, length)
  const units = new Uint16Array(buffer, length * 12, length)
  const letters = new Uint8Array(buffer, length * 14, length)
  let count = 0
  let kept = 0
  let previousClass = SPACE
  for (let position = 0; position < length; position++) {
    if (skip?.[position] === 1) continue
    const unitClass = classes[position]!
    const isSpace = unitClass === SPACE
    if (isSpace && previousClass === NO_SPACE) {
      let next = position + 1
      while (next < length && classes[next] === SPACE) next++
      if (classes[next] === NO_SPACE) {
        position = next - 1
        continue
      }
    }
    previousClass = unitClass
    const unit = isSpace ? SPACE_UNIT : reading.units[position]!
    if (count > 0 && units[count - 1] === unit) {
      if (isSpace) continue
      runLengths[count - 1]!++
      positions[kept++] = position
      continue
    }
    units[count] = unit
    runLengths[count] = 1
    letters[count] = unitClass === LETTER || unitClass === MARK || unitClass === NO_SPACE ? 1 : 0
    runStarts[count] = kept
    positions[kept++] = position
    count++
  }
  return { count, units, runLengths, letters, runStarts, positions }
}

export interface Pattern {
  readonly units: readonly number[]
  readonly runLengths: readonly number[]
  /** caller's payload (the rule) */
  readonly rule: number
}

/** A pattern from a keyword's runs, without surrounding whitespace; null when nothing is left. */
export function toPattern(runs: RunText, rule: number): Pattern | null {
  let start = 0
  let end = runs.count
  while (start < end && runs.units[start] === SPACE_UNIT) start++
  while (end > start && runs.units[end - 1] === SPACE_UNIT) end--
  if (start === end) return null
  return { units: Array.from(runs.units.subarray(start, end)), runLengths: Array.from(runs.runLengths.subarray(start, end)), rule }
}

export function samePattern(a: Pattern, b: Pattern): boolean {
  return (
    a.rule === b.rule &&
    a.units.length === b.units.length &&
    a.units.every((unit, index) => unit === b.units[index] && a.runLengths[index] === b.runLengths[index])
  )
}

/** A substring match, in normalised positions. */
export interface RunMatch {
  readonly rule: number
  readonly start: number
  readonly end: number
}

const NO_OUTPUT: readonly number[] = []

export class SubstringAutomaton {
  private readonly transitions: Array<Map<number, number>> = [new Map()]
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
  }

  private insert(pattern: Pattern, index: number): void {
    let state = 0
    for (const unit of pattern.units) {
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

  /** Every verified match of every pattern in the text's runs. */
  search(text: RunText, onMatch: (match: RunMatch) => void): void {
    let state = 0
    for (let run = 0; run < text.count; run++) {
      state = this.step(state, text.units[run]!)
      const outputs = this.outputs[state]!
      for (let output = 0; output < outputs.length; output++) {
        const pattern = this.patterns[outputs[output]!]!
        const firstRun = run - pattern.units.length + 1
        if (!runsAgree(pattern, text, firstRun)) continue
        const { start, end } = matchedUnits(pattern, text, firstRun)
        onMatch({ rule: pattern.rule, start: text.positions[start]!, end: text.positions[end]! + 1 })
      }
    }
  }
}

function runsAgree(pattern: Pattern, text: RunText, firstRun: number): boolean {
  const last = pattern.units.length - 1
  for (let index = 0; index <= last; index++) {
    const wanted = pattern.runLengths[index]!
    const found = text.runLengths[firstRun + index]!
    if (found === wanted) continue
    if (text.letters[firstRun + index] === 1 && found >= ELONGATION) continue
    // a pattern's first and last runs may be the tail or head of a longer run
    if ((index === 0 || index === last) && found > wanted) continue
    return false
  }
  return true
}

/** The matched units (indexes into `positions`): the tail of the first run and the head of the last. */
function matchedUnits(pattern: Pattern, text: RunText, firstRun: number): { start: number; end: number } {
  const lastIndex = pattern.units.length - 1
  const firstFound = text.runLengths[firstRun]!
  const firstStart = text.runStarts[firstRun]!
  const lastRun = firstRun + lastIndex
  const lastWanted = Math.min(pattern.runLengths[lastIndex]!, text.runLengths[lastRun]!)
  const end = text.runStarts[lastRun]! + lastWanted - 1
  if (lastIndex === 0) return { start: firstStart, end }
  const start = firstStart + Math.max(0, firstFound - pattern.runLengths[0]!)
  return { start, end }
}
