/**
 * The keys a word is looked up by. Text words are reduced (elongation squeezed, plural and possessive endings
 * removed) while keywords are kept as written, so `cat` matches `cats` but `news` never matches `new` through
 * the keyword side.
 */

const ELONGATION = 3
/** Elongated words with more runs than this only get the all-squeezed readings, keeping the key count small. */
const MAX_COMBINED_RUNS = 3

function isDigit(unit: number): boolean {
  return unit >= 0x30 && unit <= 0x39
}

interface Run {
  start: number
  end: number
}

const NO_RUNS: readonly Run[] = []
const ELONGATED = /(\D)\1\1/

/** Runs of three or more identical letters (digits never count: 1000 is not an elongated 10). */
function elongatedRuns(word: string): readonly Run[] {
  if (!ELONGATED.test(word)) return NO_RUNS
  const runs: Run[] = []
  let start = 0
  for (let index = 1; index <= word.length; index++) {
    if (index < word.length && word.charCodeAt(index) === word.charCodeAt(start)) continue
    if (index - start >= ELONGATION && !isDigit(word.charCodeAt(start))) runs.push({ start, end: index })
    start = index
  }
  return runs
}

function squeeze(word: string, runs: readonly Run[], keepOf: (run: number) => number): string {
  let squeezed = ''
  let from = 0
  runs.forEach((run, index) => {
    squeezed += word.slice(from, run.start + keepOf(index))
    from = run.end
  })
  return squeezed + word.slice(from)
}

/** The word as written and with every elongation squeezed to one and to two letters (`spooooiler` → `spoiler`). */
function elongationReadings(word: string): string[] {
  const runs = elongatedRuns(word)
  if (runs.length === 0) return [word]
  const readings = [word, squeeze(word, runs, () => 1), squeeze(word, runs, () => 2)]
  if (runs.length <= MAX_COMBINED_RUNS) {
    // mixed readings: `cooooolll` is `cool`
    for (let mask = 1; mask < (1 << runs.length) - 1; mask++) readings.push(squeeze(word, runs, (run) => ((mask >> run) & 1) + 1))
  }
  return readings
}

const PLURAL_ES = /(?:s|x|z|ch|sh|o)es$/

function addKey(keys: string[], key: string): void {
  if (!keys.includes(key)) keys.push(key)
}

/** Simple English plural stems; possessives arrive here as `cats` (the apostrophe is read joined). */
function addStems(keys: string[], word: string): void {
  const { length } = word
  if (length >= 5 && word.endsWith('ies')) addKey(keys, word.slice(0, -3) + 'y')
  if (length >= 5 && PLURAL_ES.test(word)) addKey(keys, word.slice(0, -2))
  if (length >= 4 && word.endsWith('s') && !word.endsWith('ss')) addKey(keys, word.slice(0, -1))
}

/** Every key a word of the text is looked up by. */
export function textWordKeys(word: string): string[] {
  const keys: string[] = []
  for (const reading of elongationReadings(word)) {
    addKey(keys, reading)
    addStems(keys, reading)
  }
  return keys
}

/** A keyword word as written, with an elongation the user typed (`brrrr`) squeezed to two like the text's. */
export function keywordWordKey(word: string): string {
  const runs = elongatedRuns(word)
  return runs.length === 0 ? word : squeeze(word, runs, () => 2)
}

/** Every run of identical units cut to one: the shape used to prune joins of text parts early. */
export function collapseRuns(word: string): string {
  let index = 1
  while (index < word.length && word.charCodeAt(index) !== word.charCodeAt(index - 1)) index++
  if (index >= word.length) return word // the usual case: nothing repeated
  let collapsed = word.slice(0, index)
  for (; index < word.length; index++) {
    if (word.charCodeAt(index) !== word.charCodeAt(index - 1)) collapsed += word[index]
  }
  return collapsed
}

/** collapseRuns(collapsed + part), given collapsed = collapseRuns(some word). */
export function appendCollapsed(collapsed: string, part: string): string {
  const tail = collapseRuns(part)
  return tail.charCodeAt(0) === collapsed.charCodeAt(collapsed.length - 1) ? collapsed + tail.slice(1) : collapsed + tail
}
