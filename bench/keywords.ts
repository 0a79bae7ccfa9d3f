/**
 * match() throughput for ~150-character captions with 50, 500 and 5000 keyword rules. The cost follows the
 * text and the matches found, not the rule count: 50 and 500 rules should be close; 5000 random rules also
 * find ten times more matches. CPU time is reported next to wall time because the machine may be shared.
 *
 *   nice node --import tsx bench/keywords.ts
 */
import { compileKeywordRules, type KeywordRuleInput } from '../src/keywords/matcher.js'
import { foldText } from '../src/keywords/normalize.js'

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state)
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}

const next = random(42)
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!

const syllables = ['ka', 'lo', 'mi', 'ter', 'spo', 'il', 'er', 'an', 'dra', 'vel', 'sun', 'cat', 'box', 'ron', 'zu', 'pe']
const word = (): string => Array.from({ length: 2 + Math.floor(next() * 3) }, () => pick(syllables)).join('')
const extras = ['東京', '고양이', '👍', '🍕', 'ねこ', 'แมว']

function rules(count: number): KeywordRuleInput[] {
  return Array.from({ length: count }, (_, index) => {
    const kind = index % 10
    const value =
      kind === 0 ? `#${word()}` : kind === 1 ? `${word()} ${word()}` : kind === 2 ? `${word()}-${word()}` : kind === 3 ? pick(extras) + index : word()
    return {
      id: `rule-${index}`,
      value,
      mode: kind === 4 ? 'substring' : 'word',
      targets: ['content', 'hashtags']
    }
  })
}

const fillers = ['the', 'best', 'day', 'ever', 'with', 'my', 'friends', 'at', 'beach', 'lol', 'sooo', 'good', 'new', 'video']
function caption(): string {
  let text = ''
  while (text.length < 150) {
    const roll = next()
    const piece =
      roll < 0.6
        ? pick(fillers)
        : roll < 0.75
          ? word()
          : roll < 0.85
            ? `#${word()}${word().replace(/^./, (letter) => letter.toUpperCase())}`
            : roll < 0.9
              ? pick(extras)
              : roll < 0.95
                ? 'Sp0iler!!!'
                : 'café'
    text += (text === '' ? '' : ' ') + piece
  }
  return text
}

const captions = Array.from({ length: 1000 }, caption)

function bench(label: string, run: () => void, iterations: number): void {
  for (let warm = 0; warm < Math.ceil(iterations / 5); warm++) run()
  const started = process.hrtime.bigint()
  const cpuStarted = process.cpuUsage()
  for (let iteration = 0; iteration < iterations; iteration++) run()
  const cpu = process.cpuUsage(cpuStarted)
  const texts = iterations * captions.length
  const wallMicros = Number(process.hrtime.bigint() - started) / 1000 / texts
  const cpuMicros = (cpu.user + cpu.system) / texts
  console.log(
    `${label.padEnd(26)} ${cpuMicros.toFixed(2).padStart(7)} µs CPU per text (${wallMicros.toFixed(2)} µs wall), ` +
      `${Math.round(1e6 / cpuMicros).toLocaleString('en')} texts/s per core`
  )
}

const averageLength = captions.reduce((sum, text) => sum + text.length, 0) / captions.length
console.log(`${captions.length} captions, ${averageLength.toFixed(0)} characters on average`)
for (const count of [50, 500, 5000]) {
  const started = process.hrtime.bigint()
  const matcher = compileKeywordRules(rules(count))
  const compileMs = Number(process.hrtime.bigint() - started) / 1e6
  let matches = 0
  for (const text of captions) matches += matcher.match(text, 'content').length
  const perCaption = (matches / captions.length).toFixed(1)
  console.log(`${count} rules: compiled in ${compileMs.toFixed(1)} ms, ${perCaption} matches per caption`)
  bench(`match() with ${count} rules`, () => {
    for (const text of captions) matcher.match(text, 'content')
  }, 20)
}
bench('foldText()', () => {
  for (const text of captions) foldText(text)
}, 20)
