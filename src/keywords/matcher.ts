/**
 * Keyword rules compiled once into a matcher whose cost grows with the smaller of the field and the rules, not
 * with their product.
 *
 * Matching has two halves. A field's analysis (analysis.ts) is the same for every user and cached per text:
 * normalisation, readings, atoms, the ids of every atom's word keys, hashtags, substring runs. A user's matcher
 * then works on that analysis:
 * - `word` rules are sequences of word keys in one trie. Its first level is a table of key ids: the matcher
 *   probes it with each key of the field or, when a long field has many more keys than the trie's first level,
 *   looks those up in the field's sorted keys; it follows phrases through the trie from the atoms found.
 *   Atoms that may be read joined (`super-bad`, `s p o i l e r`, hashtag parts) are joined here, only while
 *   the join can still become one of this user's keyword words: a long run of single letters then costs a
 *   bounded amount per letter, and the dictionary gets no word made up of them.
 * - `#tag` rules are a table of key ids, probed with each hashtag's keys.
 * - `substring` rules, and words in scripts written without spaces or made of emoji, are patterns searched in
 *   the field's runs (substring.ts).
 * The trie holds word strings; the key ids of a matcher are derived from them for the dictionary's generation.
 */
import {
  TAG_END,
  TAG_FIELDS,
  TAG_SOURCE_END,
  TAG_SOURCE_START,
  TAG_START,
  analyzeAhead,
  analyzeField,
  type FieldAnalysis,
  type FieldKind
} from './analysis.js'
import { wordKeys } from './dictionary.js'
import { collapseRuns, keywordWordKey, textWordKeys } from './inflection.js'
import { EMOJI, HASH, LEET, NO_SPACE, ReadingBuffers, SPACE, TextBuffers, normalizeText, readText, type NormalizedText, type Reading } from './normalize.js'
import { findWithSymbols, keywordSymbols, type KeywordSymbols } from './symbols.js'
import { RunBuffers, RunText, samePattern, substringSearch, toPattern, toRuns, type Pattern, type SubstringSearch } from './substring.js'
import { Atoms, LINK_JOIN, LINK_NONE, LINK_SPACED, spacedGaps, tagWord, tokenize } from './tokens.js'

export { analysisCacheSize, analyzeField, configureAnalysisCache } from './analysis.js'
export type { AnalysisCacheOptions, FieldAnalysis, FieldKind } from './analysis.js'

export type KeywordMode = 'word' | 'substring'
export type KeywordTarget = 'content' | 'hashtags' | 'author'

export interface KeywordRuleInput {
  id: string
  value: string
  mode: KeywordMode
  targets: readonly KeywordTarget[]
}

export interface KeywordMatch {
  /** index into the array given to compileKeywordRules */
  rule: number
  /** UTF-16 offsets into the original string passed to match() */
  start: number
  end: number
}

export interface KeywordMatcher {
  /** number of rules compiled */
  readonly size: number
  /** About how many bytes of memory the matcher holds, for caches bounded in bytes. */
  readonly estimatedBytes: number
  /** At most one match per rule: its leftmost match in this field. Sorted by rule index. */
  match(text: string, kind: FieldKind): readonly KeywordMatch[]
  /** match() on a field analysed already (analyzeField): the same result, for any number of matchers. */
  matchAnalyzed(analysis: FieldAnalysis): readonly KeywordMatch[]
  /**
   * match() in steps, for long fields: the caller lets other work run between them, so that a long text with
   * rules that make it slow to match (phrases the text almost repeats) never holds the event loop for long.
   */
  matchInSteps(text: string, kind: FieldKind): KeywordMatchSteps
  /**
   * Analyses the field ahead of its match() (analyzeAhead), if match() would analyse it at all: lets a caller do
   * that work while it waits for something else. The matches are the same with or without it.
   */
  prepare(text: string, kind: FieldKind): void
}

export interface KeywordMatchSteps {
  /** Matches until done (true) or until `deadline`, a performance.now() time, has passed (false: call again). */
  step(deadline: number): boolean
  /** match()'s result, once step() has returned true. */
  readonly matches: readonly KeywordMatch[]
}

/** The steps of a field with nothing to walk: matched already. */
class FinishedSteps implements KeywordMatchSteps {
  constructor(readonly matches: readonly KeywordMatch[]) {}

  step(): boolean {
    return true
  }
}

/** The steps of a word walk, then the rest of the field's match at once (it is linear in the field). */
class WalkSteps implements KeywordMatchSteps {
  matches: readonly KeywordMatch[] = NO_MATCHES

  constructor(
    private readonly walk: WordWalk,
    private finish: (() => readonly KeywordMatch[]) | null
  ) {}

  step(deadline: number): boolean {
    if (this.finish === null) return true
    if (!this.walk.walkAtoms(deadline)) return false
    this.matches = this.finish()
    this.finish = null
    return true
  }
}

/** Where a rule may match: anywhere in content, inside hashtags (inline or hashtags[] entries), in author names. */
const IN_CONTENT = 1
const IN_TAGS = 2
const IN_AUTHOR = 4
const TARGET_CONTEXTS: Readonly<Record<KeywordTarget, number>> = { content: IN_CONTENT, hashtags: IN_TAGS, author: IN_AUTHOR }
const KIND_CONTEXTS: Readonly<Record<FieldKind, number>> = { content: IN_CONTENT | IN_TAGS, hashtag: IN_TAGS, author: IN_AUTHOR }

/** A keyword with more joinable links than this gets only its all-split and all-joined readings. */
const MAX_ENUMERATED_LINKS = 4
/** How far a join of text parts may run past a keyword prefix: room for `-s`, `-es`, `-ies`. */
const INFLECTION_SLACK = 3
/**
 * A join of text parts may be this many times as long as the longest keyword word (room for elongation), so
 * that a long run of single letters (`a a a a …`) costs a bounded amount per letter.
 */
const JOIN_ELONGATION_ROOM = 2
/**
 * Looking one of the user's first keys up in a field's sorted keys (a binary search) costs about this many
 * times probing the user's table with one of the field's keys (a hash).
 */
const BINARY_SEARCH_COST = 4
/** How many atoms a walk in steps (matchInSteps) walks between looks at the clock. */
const WALK_STEP_ATOMS = 16

interface TrieNode {
  children: Map<string, TrieNode> | null
  rules: number[] | null
}

const newNode = (): TrieNode => ({ children: null, rules: null })

function isJoined(link: number): boolean {
  return link === LINK_JOIN || link === LINK_SPACED
}

function addUnique(list: number[], value: number): void {
  if (!list.includes(value)) list.push(value)
}

/**
 * What compiling a keyword reads it into, reused from keyword to keyword (compiling is synchronous and keeps none
 * of it): allocating them for each of 200 keywords was a third of compiling them.
 */
const compiling = {
  text: new TextBuffers(),
  body: new TextBuffers(),
  folded: new ReadingBuffers(),
  plain: new ReadingBuffers(),
  atoms: new Atoms({ length: 0, text: '', units: new Uint16Array(0), classes: new Uint8Array(0), changed: false }, 256),
  runs: new RunBuffers()
}

/** The readings a keyword is compiled from: folded, and plain when that differs and no leet symbol was typed. */
function keywordReadings(text: NormalizedText, plainIfSymbols: boolean): Reading[] {
  const folded = readText(text, true, compiling.folded)
  if (!folded.changed || (!plainIfSymbols && hasClass(text, LEET))) return [folded]
  return [folded, readText(text, false, compiling.plain)]
}

/** Whether a unit of the text is of the class (its arrays, reused, may be longer than it). */
function hasClass(text: NormalizedText, unitClass: number): boolean {
  for (let position = 0; position < text.length; position++) if (text.classes[position] === unitClass) return true
  return false
}

/** The atoms of a keyword's reading, in the atoms reused while compiling. */
function keywordAtoms(reading: Reading, text: NormalizedText): Atoms {
  return tokenize(reading, text, [], false, compiling.atoms)
}

const NOTHING_KEPT_APART: ReadonlySet<number> = new Set()

/**
 * The word sequences a keyword matches as: every choice of joining its linked words (`super-bad` is
 * [super, bad] and [superbad]); spaced-out letters (`s p o i l e r`) are joined only as a run of three or more.
 * Words that symbols keep apart (`9/11`, see symbols.ts) are never joined.
 */
function wordSequences(atoms: Atoms, keptApart: ReadonlySet<number>): string[][] {
  if (atoms.count === 0) return []
  const joinable: number[] = []
  for (let index = 0; index < atoms.count - 1; index++) {
    const link = atoms.link[index]
    if (keptApart.has(index)) continue
    if (link === LINK_JOIN || (link === LINK_SPACED && inSpacedRun(atoms, index))) joinable.push(index)
  }
  const choices: Array<(bit: number) => boolean> =
    joinable.length <= MAX_ENUMERATED_LINKS
      ? Array.from({ length: 1 << joinable.length }, (_, mask) => (bit) => ((mask >> bit) & 1) === 1)
      : [() => false, () => true]
  return choices.map((isJoinedAt) => {
    const joined = new Set(joinable.filter((_, bit) => isJoinedAt(bit)))
    const words: string[] = []
    let word = ''
    for (let index = 0; index < atoms.count; index++) {
      word += atoms.text(index)
      if (joined.has(index)) continue
      words.push(keywordWordKey(word))
      word = ''
    }
    return words
  })
}

function inSpacedRun(atoms: Atoms, link: number): boolean {
  let first = link
  while (first > 0 && atoms.link[first - 1] === LINK_SPACED) first--
  let last = link + 1
  while (last < atoms.count - 1 && atoms.link[last] === LINK_SPACED) last++
  return last - first + 1 >= 3
}

/** The word rules: their trie, and what lets joins of text parts stop early. */
interface WordIndex {
  readonly trie: TrieNode
  /** every keyword word, runs collapsed, unit by unit */
  readonly collapsedWords: CollapsedWords
  readonly maxJoinedLength: number
}

/** A collapsed word node that is a whole keyword word, or whose `y` child is (`-ies` read `-y`). */
const WHOLE = 1

/**
 * The keyword words with their runs collapsed (collapseRuns), as a trie over UTF-16 units: a join of text parts
 * is followed through it one unit at a time, so that testing whether it may still become a keyword word costs the
 * same whatever its length.
 */
class CollapsedWords {
  /** node * 2^16 + unit → child node; node 0 is the root */
  private readonly children = new Map<number, number>()
  private marks: number[] = [0]
  /** the length of the longest word */
  maxDepth = 0

  add(collapsed: string): void {
    this.maxDepth = Math.max(this.maxDepth, collapsed.length)
    let node = 0
    for (let index = 0; index < collapsed.length; index++) {
      const key = node * 0x10000 + collapsed.charCodeAt(index)
      let child = this.children.get(key)
      if (child === undefined) {
        child = this.marks.length
        this.marks.push(0)
        this.children.set(key, child)
      }
      node = child
    }
    this.marks[node] = WHOLE
  }

  /** Marks the nodes whose `y` child is a whole word; call once every word is added. */
  seal(): void {
    for (const [key, child] of this.children) {
      if (key % 0x10000 === LOWER_Y && this.marks[child] === WHOLE) this.marks[Math.floor(key / 0x10000)] = WHOLE
    }
  }

  child(node: number, unit: number): number {
    return this.children.get(node * 0x10000 + unit) ?? -1
  }

  isMarked(node: number): boolean {
    return this.marks[node] === WHOLE
  }

  get size(): number {
    return this.marks.length
  }
}

const LOWER_Y = 0x79
const LOWER_S = 0x73
const LOWER_E = 0x65
const LOWER_I = 0x69
/** A letter this many times in a row is an elongation (inflection.ts reads the same); digits never are. */
const ELONGATION = 3

function isDigitUnit(unit: number): boolean {
  return unit >= 0x30 && unit <= 0x39
}

/**
 * A join of text parts followed through the collapsed keyword words: where its collapsed form leaves the trie,
 * and the last whole word (or `-y` stem) on the way. What joinedWords asked of sets of strings, in O(1) per unit.
 */
class CollapsedWalk {
  private node = 0
  /** units of the collapsed join */
  private length = 0
  /** how many of them are on the trie (a prefix of a keyword word) */
  private onTrie = 0
  /** the longest of those that is a whole word or a `-y` stem; 0 for none */
  private lastMark = 0
  private lastUnit = -1
  /** how many times the join ends with its last unit */
  private run = 0
  /** whether no unit of the join repeats the one before: it is then its collapsed form */
  private plain = true
  /** by length (up to onTrie): whether the collapsed join's prefix that long is a whole word or a `-y` stem */
  private readonly marked: Uint8Array
  /** the units before the last of the collapsed join (-1: none) */
  private beforeLast = -1
  private beforeThat = -1

  constructor(private readonly words: CollapsedWords) {
    this.marked = new Uint8Array(words.maxDepth + 1)
  }

  start(): this {
    this.node = 0
    this.length = 0
    this.onTrie = 0
    this.lastMark = 0
    this.lastUnit = -1
    this.run = 0
    this.plain = true
    this.beforeLast = -1
    this.beforeThat = -1
    return this
  }

  /**
   * Whether the part only lengthens an elongation (a letter three times or more at the end of the join): the
   * join then has the keys it had (elongations are squeezed), only a longer match.
   */
  elongatedBy(part: string): boolean {
    if (this.run < ELONGATION || isDigitUnit(this.lastUnit) || part.length === 0) return false
    for (let index = 0; index < part.length; index++) if (part.charCodeAt(index) !== this.lastUnit) return false
    return true
  }

  /**
   * Appends `count` more of the join's last unit (an elongation, or spaced-out digits, going on): the collapsed
   * join is unchanged, so this costs nothing per unit.
   */
  repeatLast(count: number): void {
    this.run += count
    if (count > 0) this.plain = false
  }

  /** The digit the whole join repeats (`1 1 1 1`), or -1 when it is anything else. */
  repeatedDigit(): number {
    return this.length === 1 && isDigitUnit(this.lastUnit) ? this.lastUnit : -1
  }

  /** The trie node the join is, when it is a keyword word's prefix as written (nothing repeated); -1 otherwise. */
  exactNode(): number {
    return this.plain && this.onTrie === this.length ? this.node : -1
  }

  append(part: string): void {
    for (let index = 0; index < part.length; index++) {
      const unit = part.charCodeAt(index)
      if (unit === this.lastUnit) {
        // runs collapsed
        this.run++
        this.plain = false
        continue
      }
      this.beforeThat = this.beforeLast
      this.beforeLast = this.lastUnit
      this.lastUnit = unit
      this.run = 1
      this.length++
      if (this.onTrie !== this.length - 1) continue
      const child = this.words.child(this.node, unit)
      if (child === -1) continue
      this.node = child
      this.onTrie++
      const marked = this.words.isMarked(child)
      this.marked[this.onTrie] = marked ? 1 : 0
      if (marked) this.lastMark = this.onTrie
    }
  }

  /** Whether the whole collapsed join is a prefix of a keyword word. */
  isPrefix(): boolean {
    return this.length > 0 && this.onTrie === this.length
  }

  /** Whether a keyword word starts with the collapsed join, give or take an inflection ending. */
  startsKeywordWord(): boolean {
    return this.onTrie >= 1 && this.onTrie >= this.length - INFLECTION_SLACK
  }

  /**
   * A cheap test before computing a joined word's keys: collapsed, a key is the word's collapsed form less at
   * most an inflection ending (or with `-ies` read `-y`), and it must be a whole keyword word.
   */
  mayBeKeywordWord(): boolean {
    if (this.lastMark < 1 || this.lastMark < this.length - INFLECTION_SLACK) return false
    // the ending left off must be one a key drops (textWordKeys): none, `s`, `es`, or `ies` (read `-y`)
    const { length, onTrie, marked } = this
    if (length === onTrie && marked[length] === 1) return true
    if (this.lastUnit !== LOWER_S) return false
    if (length - 1 <= onTrie && marked[length - 1] === 1) return true
    if (this.beforeLast !== LOWER_E) return false
    if (length - 2 >= 1 && length - 2 <= onTrie && marked[length - 2] === 1) return true
    return this.beforeThat === LOWER_I && length - 3 >= 1 && length - 3 <= onTrie && marked[length - 3] === 1
  }
}

class MatcherBuilder {
  private readonly trie = newNode()
  private readonly collapsedWords = new CollapsedWords()
  /** nodes of the word trie */
  trieNodes = 1
  private maxJoinedLength = 0
  readonly tagRules = new Map<string, number[]>()
  readonly patterns: Pattern[] = []
  readonly contexts: Uint8Array
  /** what the symbols of each word rule require of its matches; none for most rules */
  readonly symbols: Array<KeywordSymbols | undefined>

  constructor(size: number) {
    this.contexts = new Uint8Array(size)
    this.symbols = Array.from({ length: size }, () => undefined)
  }

  add(rule: KeywordRuleInput, index: number): void {
    const normalized = normalizeText(rule.value, compiling.text)
    let bodyStart = 0
    while (bodyStart < normalized.length && normalized.classes[bodyStart] === SPACE) bodyStart++
    const isTagRule = normalized.classes[bodyStart] === HASH
    if (isTagRule) {
      // `#spoiler` is about hashtags whatever the targets say
      while (bodyStart < normalized.length && normalized.classes[bodyStart] === HASH) bodyStart++
      this.contexts[index] = IN_TAGS
      const body = normalizeText(rule.value.slice(bodyStart < normalized.length ? normalized.sourceStart[bodyStart] : rule.value.length), compiling.body)
      if (rule.mode === 'substring') this.addPatterns(body, index)
      else this.addTagWord(body, index)
      return
    }
    for (const target of rule.targets) this.contexts[index]! |= TARGET_CONTEXTS[target]
    // words written without spaces (or emoji) are matched inside the text, whatever its language
    const insideWords = hasClass(normalized, NO_SPACE) || hasClass(normalized, EMOJI)
    if (rule.mode === 'substring' || insideWords) return this.addPatterns(normalized, index)
    const readings = keywordReadings(normalized, false)
    const symbols = keywordSymbols(normalized, readings[0]!, keywordAtoms(readings[0]!, normalized))
    const keptApart = symbols?.keptApart ?? NOTHING_KEPT_APART
    const sequences = readings.flatMap((reading) => wordSequences(keywordAtoms(reading, normalized), keptApart))
    if (sequences.length === 0) return this.addPatterns(normalized, index) // only symbols: match them as written
    if (symbols !== null) this.symbols[index] = symbols
    for (const words of sequences) this.addWords(words, index)
  }

  private addWords(words: readonly string[], rule: number): void {
    let node = this.trie
    for (const word of words) {
      node.children ??= new Map()
      let child = node.children.get(word)
      if (child === undefined) {
        child = newNode()
        node.children.set(word, child)
        this.trieNodes++
      }
      node = child
      this.collapsedWords.add(collapseRuns(word))
      this.maxJoinedLength = Math.max(this.maxJoinedLength, word.length * JOIN_ELONGATION_ROOM + INFLECTION_SLACK)
    }
    node.rules ??= []
    addUnique(node.rules, rule)
  }

  wordIndex(): WordIndex {
    const { trie, collapsedWords, maxJoinedLength } = this
    collapsedWords.seal()
    return { trie, collapsedWords, maxJoinedLength }
  }

  private addTagWord(body: NormalizedText, rule: number): void {
    for (const reading of keywordReadings(body, false)) {
      const word = keywordWordKey(tagWord(reading, { start: 0, bodyStart: 0, end: body.length }))
      if (word === '') continue
      const rules = this.tagRules.get(word)
      if (rules === undefined) this.tagRules.set(word, [rule])
      else addUnique(rules, rule)
    }
  }

  private addPatterns(text: NormalizedText, rule: number): void {
    for (const reading of keywordReadings(text, true)) {
      this.addPattern(toPattern(toRuns(reading, spacedGaps(keywordAtoms(reading, text), text.length), compiling.runs), rule))
    }
  }

  private addPattern(pattern: Pattern | null): void {
    if (pattern !== null && !this.patterns.some((known) => samePattern(known, pattern))) this.patterns.push(pattern)
  }
}

/** Compiles a user's keyword rules once; the matcher is then used for every item. */
export function compileKeywordRules(rules: readonly KeywordRuleInput[]): KeywordMatcher {
  const builder = new MatcherBuilder(rules.length)
  rules.forEach((rule, index) => builder.add(rule, index))
  return new CompiledMatcher(rules.length, builder)
}

/** A trie node with its children keyed by word key id. */
interface IdNode {
  readonly children: Map<number, IdNode> | null
  readonly rules: readonly number[] | null
  /** numbers the nodes of one RuleIds from 0, for the walk's per-node memory */
  readonly id: number
  /**
   * The rules of this node and every node below it, when none of them is written with symbols; null otherwise. A
   * match reached through the node starts where the phrase's first atom does, so once every one of these rules
   * has a match starting before that, nothing below the node can change the field's matches (see WordWalk.settled).
   */
  readonly subtreeRules: Int32Array | null
}

/** Open addressing from key id to a value: the first level of the trie and the `#tag` rules, probed per key. */
class IdTable<V> {
  private readonly keys: Int32Array
  private readonly values: V[]
  private readonly shift: number

  constructor(entries: ReadonlyArray<readonly [number, V]>) {
    let bits = 3
    while (1 << bits < entries.length * 4) bits++ // at most a quarter full: a miss ends at once
    this.keys = new Int32Array(1 << bits).fill(-1)
    this.values = new Array<V>(1 << bits)
    this.shift = 32 - bits
    const mask = (1 << bits) - 1
    for (const [key, value] of entries) {
      let slot = Math.imul(key, 0x9e3779b1) >>> this.shift
      while (this.keys[slot] !== -1) slot = (slot + 1) & mask
      this.keys[slot] = key
      this.values[slot] = value
    }
  }

  get(key: number): V | undefined {
    const { keys } = this
    const mask = keys.length - 1
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift
    let found = keys[slot]
    while (found !== key && found !== -1) {
      slot = (slot + 1) & mask
      found = keys[slot]
    }
    return found === key ? this.values[slot] : undefined
  }
}

const NO_KEYS: readonly number[] = []
/** More than the longest word of a keyword (KEYWORD_MAX_LENGTH): digit runs are keyed by digit and length. */
const DIGIT_RUN_LENGTHS = 1 << 16
const DIGIT_ZERO = 0x30

interface DigitRuns {
  readonly keys: ReadonlyMap<number, readonly number[]>
  readonly lengths: readonly Int32Array[]
}
/** Joined words whose keys a matcher remembers: a bound, as texts choose them. */
const MAX_JOINED_KEYS = 512

/** A matcher's rules as key ids of one dictionary generation. */
class RuleIds {
  readonly root: IdTable<IdNode>
  /** the key ids of the trie's first level */
  readonly firstKeys: Int32Array
  /** every word of the trie → its id: joins of text parts are made here, as strings */
  readonly wordIds = new Map<string, number>()
  readonly tagRules: IdTable<readonly number[]>
  readonly tagRuleCount: number
  /** how many IdNodes there are (their ids are 0 to nodeCount - 1) */
  nodeCount = 0
  /** key ids of the trie's nodes below its first level: a joined word continues a phrase only with one of these */
  readonly deepKeys = new Set<number>()
  /** joined words of texts → the ids of their keys that are words of the trie (a text repeats its joins) */
  private readonly joinedKeyIds = new Map<string, readonly number[]>()
  /** the same, by collapsed trie node, for words written as a keyword word's prefix */
  private readonly nodeKeys: Array<readonly number[] | undefined> = []
  /** see digitRuns */
  private digitRunWords: DigitRuns | null = null

  constructor(
    readonly generation: number,
    trie: TrieNode,
    tagRules: ReadonlyMap<string, readonly number[]>,
    private readonly symbols: ReadonlyArray<KeywordSymbols | undefined>
  ) {
    const first = this.children(trie, 0) ?? new Map<number, IdNode>()
    this.root = new IdTable([...first])
    this.firstKeys = Int32Array.from(first.keys())
    this.tagRules = new IdTable([...tagRules].map(([word, rules]) => [wordKeys.idOf(word), rules] as const))
    this.tagRuleCount = tagRules.size
  }

  /**
   * The ids of a joined word's keys (textWordKeys) that are words of the trie. `node` is the collapsed trie's
   * node the word is as written, if it is one (-1 otherwise): its keys are then remembered by node.
   */
  joinedKeys(word: string, node: number): readonly number[] {
    if (node !== -1) {
      let keys = this.nodeKeys[node]
      if (keys === undefined) {
        keys = this.keysOf(word)
        this.nodeKeys[node] = keys
      }
      return keys
    }
    let keys = this.joinedKeyIds.get(word)
    if (keys === undefined) {
      keys = this.keysOf(word)
      // Only a bound against texts made to grow the memo; what reaches it (512 joined words the trie continues) no test composes.
      /* c8 ignore next */
      if (this.joinedKeyIds.size >= MAX_JOINED_KEYS) this.joinedKeyIds.clear()
      this.joinedKeyIds.set(word, keys)
    }
    return keys
  }

  /**
   * joinedKeys of a digit repeated `length` times (`1111`): digits are never squeezed, and no plural ends in one,
   * so its only key is itself.
   */
  digitRunKeys(digit: number, length: number): readonly number[] {
    const keys = this.digitRuns().keys.get(digit * DIGIT_RUN_LENGTHS + length)
    // The walk asks only at lengths nextDigitRunLength gave it, which are those of words: the fallback is not reached.
    /* c8 ignore next */
    return keys ?? NO_KEYS
  }

  /** The shortest length over `length` of a word of the trie that repeats `digit`; Infinity for none. */
  nextDigitRunLength(digit: number, length: number): number {
    const lengths = this.digitRuns().lengths[digit - DIGIT_ZERO]!
    let low = 0
    let high = lengths.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (lengths[middle]! <= length) low = middle + 1
      else high = middle
    }
    return low < lengths.length ? lengths[low]! : Infinity
  }

  /** The trie's words made of one digit repeated: their keys by digit * DIGIT_RUN_LENGTHS + length, their lengths by digit, sorted. */
  private digitRuns(): DigitRuns {
    if (this.digitRunWords === null) {
      const keys = new Map<number, readonly number[]>()
      const lengths: number[][] = Array.from({ length: 10 }, () => [])
      for (const [word, id] of this.wordIds) {
        const digit = word.charCodeAt(0)
        if (!isDigitUnit(digit) || !repeatsOnly(word, digit)) continue
        keys.set(digit * DIGIT_RUN_LENGTHS + word.length, [id])
        lengths[digit - DIGIT_ZERO]!.push(word.length)
      }
      this.digitRunWords = { keys, lengths: lengths.map((list) => Int32Array.from(list).sort()) }
    }
    return this.digitRunWords
  }

  /** The keys joinedKeys found for a collapsed trie node (-1: none), if it was asked already. */
  keysAtNode(node: number): readonly number[] | undefined {
    return node === -1 ? undefined : this.nodeKeys[node]
  }

  private keysOf(word: string): readonly number[] {
    const found: number[] = []
    for (const key of textWordKeys(word)) {
      const id = this.wordIds.get(key)
      if (id !== undefined) found.push(id)
    }
    return found.length > 0 ? found : NO_KEYS
  }

  private children(node: TrieNode, depth: number): Map<number, IdNode> | null {
    if (node.children === null) return null
    const children = new Map<number, IdNode>()
    for (const [word, child] of node.children) {
      const id = wordKeys.idOf(word)
      this.wordIds.set(word, id)
      if (depth > 0) this.deepKeys.add(id)
      const below = this.children(child, depth + 1)
      children.set(id, { children: below, rules: child.rules, id: this.nodeCount++, subtreeRules: this.subtreeRules(child.rules, below) })
    }
    return children
  }

  /** The distinct rules of a node and its children's subtrees; null when one of them is written with symbols, or any child's is null. */
  private subtreeRules(rules: readonly number[] | null, children: Map<number, IdNode> | null): Int32Array | null {
    const all = new Set<number>(rules)
    for (const child of children?.values() ?? []) {
      if (child.subtreeRules === null) return null
      for (const rule of child.subtreeRules) all.add(rule)
    }
    for (const rule of all) if (this.symbols[rule] !== undefined) return null
    return Int32Array.from(all)
  }
}

/**
 * Bytes a matcher holds per node of its word trie (both tries, the key ids and the joins' memory of them), per
 * unit of its substring patterns (automaton states), and whatever its size: measured on users with 200 keywords
 * of 100 characters (heap growth per compiled user: 2.4 MB for word rules, 1.7 MB for substring rules), rounded up.
 */
const BYTES_PER_TRIE_NODE = 400
const BYTES_PER_PATTERN_UNIT = 48
const BYTES_PER_MATCHER = 4096

class CompiledMatcher implements KeywordMatcher {
  readonly estimatedBytes: number
  private readonly words: WordIndex
  private readonly tagRules: ReadonlyMap<string, readonly number[]>
  private readonly search: SubstringSearch | null
  private readonly contexts: Uint8Array
  private readonly symbols: ReadonlyArray<KeywordSymbols | undefined>
  private readonly kindContexts: number
  private ids: RuleIds | null = null
  private readonly field: FieldMatches
  private readonly walk: WordWalk
  /** reads a field's runs in place, for the substring search */
  private readonly runs = new RunText()

  constructor(
    readonly size: number,
    builder: MatcherBuilder
  ) {
    this.words = builder.wordIndex()
    this.tagRules = builder.tagRules
    this.search = builder.patterns.length > 0 ? substringSearch(builder.patterns) : null
    this.contexts = builder.contexts
    this.kindContexts = builder.contexts.reduce((all, context) => all | context, 0)
    this.symbols = builder.symbols
    this.field = new FieldMatches(builder.contexts, builder.symbols)
    this.walk = new WordWalk(this.words, this.field)
    const patternUnits = builder.patterns.reduce((sum, pattern) => sum + pattern.units.length, 0)
    this.estimatedBytes =
      BYTES_PER_MATCHER + (builder.trieNodes + this.words.collapsedWords.size) * BYTES_PER_TRIE_NODE + patternUnits * BYTES_PER_PATTERN_UNIT
  }

  match(text: string, kind: FieldKind): readonly KeywordMatch[] {
    if ((this.kindContexts & KIND_CONTEXTS[kind]) === 0) return NO_MATCHES
    return this.matchAnalyzed(analyzeField(text, kind))
  }

  prepare(text: string, kind: FieldKind): void {
    if ((this.kindContexts & KIND_CONTEXTS[kind]) !== 0) analyzeAhead(text, kind)
  }

  matchAnalyzed(given: FieldAnalysis): readonly KeywordMatch[] {
    if ((this.kindContexts & KIND_CONTEXTS[given.kind]) === 0) return NO_MATCHES
    const analysis = this.current(given)
    const ids = this.idsFor(analysis)
    const { field } = this
    field.start(analysis)
    if (this.words.trie.children !== null && analysis.atomCount > 0) this.walk.walkAll(analysis, ids)
    return this.finishMatch(analysis, ids, field)
  }

  matchInSteps(text: string, kind: FieldKind): KeywordMatchSteps {
    if ((this.kindContexts & KIND_CONTEXTS[kind]) === 0) return new FinishedSteps(NO_MATCHES)
    const analysis = this.current(analyzeField(text, kind))
    const ids = this.idsFor(analysis)
    // a walk and matches of its own: other fields are matched with the matcher's while this one waits between steps
    const field = new FieldMatches(this.contexts, this.symbols)
    field.start(analysis)
    if (this.words.trie.children === null || analysis.atomCount === 0) return new FinishedSteps(this.finishMatch(analysis, ids, field))
    const walk = new WordWalk(this.words, field)
    walk.begin(analysis, ids)
    return new WalkSteps(walk, () => {
      walk.finish()
      return this.finishMatch(analysis, ids, field)
    })
  }

  /** The analysis itself, or when its key ids are from before the dictionary started afresh, the text analysed again. */
  private current(given: FieldAnalysis): FieldAnalysis {
    return given.generation === wordKeys.generation ? given : analyzeField(given.text, given.kind)
  }

  private idsFor(analysis: FieldAnalysis): RuleIds {
    if (this.ids?.generation !== analysis.generation) this.ids = new RuleIds(analysis.generation, this.words.trie, this.tagRules, this.symbols)
    return this.ids
  }

  /** What follows the word walk: hashtag rules and substring patterns, then the field's matches. */
  private finishMatch(analysis: FieldAnalysis, ids: RuleIds, field: FieldMatches): readonly KeywordMatch[] {
    if (ids.tagRuleCount > 0) this.matchTags(analysis, ids.tagRules, field)
    if (this.search !== null) {
      const { data, plainRunsAt } = analysis
      this.search.search(this.runs.point(data, analysis.foldedRunsAt), field.recordSpan)
      if (plainRunsAt !== -1) this.search.search(this.runs.point(data, plainRunsAt), field.recordSpan)
    }
    return field.results()
  }

  private matchTags(analysis: FieldAnalysis, tagRules: IdTable<readonly number[]>, field: FieldMatches): void {
    const { data, tagKeysAt } = analysis
    for (let pair = 0; pair < analysis.tagKeyCount; pair++) {
      const rules = tagRules.get(data[tagKeysAt + pair * 2 + 1]!)
      if (rules === undefined) continue
      const tag = data[tagKeysAt + pair * 2]!
      for (const rule of rules) field.recordTag(rule, tag)
    }
  }
}

interface JoinedWord {
  /** index of the last atom joined */
  readonly last: number
  readonly keys: readonly number[]
}

const NO_JOINS: readonly JoinedWord[] = []

/** Walks a matcher's trie over a field's atoms. One per matcher, reused: matching is synchronous. */
class WordWalk {
  private analysis: FieldAnalysis | null = null
  private ids: RuleIds | null = null
  private data: Int32Array = new Int32Array(0)
  /** joins of text parts already made in this walk, by first atom; the atoms set are listed in `joined` */
  private joins: Array<readonly JoinedWord[] | undefined> = []
  private readonly joined: number[] = []
  /** the same joins, only those with keys of nodes below the trie's first level (RuleIds.deepKeys), by first atom */
  private deepJoins: Array<readonly JoinedWord[] | undefined> = []
  /** the texts of the field's atoms, by atom, for those with a joining link (see FieldAnalysis.joinTexts) */
  private partTexts: string[] = []
  /**
   * By atom with a joining link: how many units the parts hold up to it (differences give a join's length), and the
   * furthest atom up to which the parts after it only repeat its last unit (`a a a a`, `1 1 1 1`).
   */
  private partEnds = new Int32Array(0)
  private repeatsUntil = new Int32Array(0)
  private readonly collapsed: CollapsedWalk
  /**
   * What the walk knows of each trie node (by IdNode.id), valid while nodeWalks[id] is this walk's number: how many
   * rules the field had matched when the node was last checked, and the latest start of its subtree's rules'
   * matches then (UNSETTLED when one of them had none).
   */
  private walkNumber = 0
  /** where walkAtoms goes on from: the next atom, and the next of the analysis' join starts */
  private nextAtom = 0
  private nextJoin = 0
  private nodeWalks = new Int32Array(0)
  private nodeChecked = new Int32Array(0)
  private nodeLatest = new Int32Array(0)

  constructor(
    private readonly words: WordIndex,
    private readonly field: FieldMatches
  ) {
    this.collapsed = new CollapsedWalk(words.collapsedWords)
  }

  walkAll(analysis: FieldAnalysis, ids: RuleIds): void {
    this.begin(analysis, ids)
    const { data, keyCount, sortedKeysAt, sortedAtomsAt } = analysis
    // the joins starting at an atom are followed with its keys, atoms in order: the earliest matches come first,
    // and later phrases through settled nodes are cut short (see settled)
    if (sortedKeysAt !== -1 && keyCount > ids.firstKeys.length * BINARY_SEARCH_COST) {
      for (const key of ids.firstKeys) {
        for (let index = lowerBound(data, sortedKeysAt, keyCount, key); index < keyCount && data[sortedKeysAt + index] === key; index++) {
          this.follow(ids.root.get(key)!, data[sortedAtomsAt + index]!, data[sortedAtomsAt + index]!)
        }
      }
    } else {
      this.walkAtoms(Infinity)
    }
    this.finish()
  }

  /** Starts a walk of the field's atoms: walkAtoms then walks them, and finish ends the walk. */
  begin(analysis: FieldAnalysis, ids: RuleIds): void {
    this.analysis = analysis
    this.ids = ids
    this.data = analysis.data
    this.startNodeMemory(ids.nodeCount)
    if (analysis.joinTexts !== null) this.indexPartTexts(analysis, analysis.joinTexts)
    this.nextAtom = 0
    this.nextJoin = 0
  }

  /**
   * Follows the phrases and joins starting at the next atoms, in order, until every atom is walked (true) or
   * `deadline` (a performance.now() time, looked at every WALK_STEP_ATOMS atoms) has passed (false).
   */
  walkAtoms(deadline: number): boolean {
    const analysis = this.analysis!
    const ids = this.ids!
    const { data, keysAt, joinStartsAt, joinStartCount, atomCount } = analysis
    for (let atom = this.nextAtom; atom < atomCount; atom++) {
      if (deadline !== Infinity && atom % WALK_STEP_ATOMS === 0 && atom > this.nextAtom && performance.now() >= deadline) {
        this.nextAtom = atom
        return false
      }
      const keysEnd = analysis.keysEnd(atom)
      for (let entry = analysis.keysStart(atom); entry < keysEnd; entry++) {
        const node = ids.root.get(data[keysAt + entry]!)
        if (node !== undefined) this.follow(node, atom, atom)
      }
      if (this.nextJoin < joinStartCount && data[joinStartsAt + this.nextJoin] === atom) this.followJoinsFrom(data[joinStartsAt + this.nextJoin++]!, ids)
    }
    this.nextAtom = atomCount
    return true
  }

  /** Follows the joins not followed yet, and forgets the walk's joins. */
  finish(): void {
    const { data, joinStartsAt, joinStartCount } = this.analysis!
    while (this.nextJoin < joinStartCount) this.followJoinsFrom(data[joinStartsAt + this.nextJoin++]!, this.ids!)
    for (const atom of this.joined) {
      this.joins[atom] = undefined
      this.deepJoins[atom] = undefined
    }
    this.joined.length = 0
  }

  private followJoinsFrom(first: number, ids: RuleIds): void {
    for (const joined of this.joinedWordsFrom(first)) {
      for (const key of joined.keys) {
        const node = ids.root.get(key)
        if (node !== undefined) this.follow(node, first, joined.last)
      }
    }
  }

  /** A new walk: what was known of the nodes is forgotten (by number, so that nothing is cleared). */
  private startNodeMemory(nodeCount: number): void {
    if (this.nodeWalks.length < nodeCount) {
      this.nodeWalks = new Int32Array(nodeCount)
      this.nodeChecked = new Int32Array(nodeCount)
      this.nodeLatest = new Int32Array(nodeCount)
    }
    this.walkNumber = (this.walkNumber + 1) | 0
    /* c8 ignore next 4 -- after 2^32 walks of one matcher: not reachable in a test's time */
    if (this.walkNumber === 0) {
      this.nodeWalks.fill(0)
      this.walkNumber = 1
    }
  }

  /**
   * Whether no match through the node from the atom `first` can change the field's matches: every rule of its
   * subtree has one already, starting before `first` does (all of them would start there, and a rule keeps its
   * leftmost match). A long text repeating what a rule matches (`s p o i l e r` × 10,000) then costs a step per
   * atom, not a phrase or a join per atom. What is known of a node is recomputed only once more rules have matched;
   * until then the latest start it keeps can only be later than the true one, so it never cuts a walk it should not.
   */
  private settled(node: IdNode, first: number): boolean {
    const rules = node.subtreeRules
    if (rules === null) return false
    const { id } = node
    const matched = this.field.matchedRules
    if (this.nodeWalks[id] !== this.walkNumber || this.nodeChecked[id] !== matched) {
      this.nodeWalks[id] = this.walkNumber
      this.nodeChecked[id] = matched
      this.nodeLatest[id] = this.field.latestStart(rules)
    }
    const latest = this.nodeLatest[id]!
    return latest !== UNSETTLED && latest < this.analysis!.spanStart(first)
  }

  private link(atom: number): number {
    return this.analysis!.link(atom)
  }

  /** The texts of the atoms with a joining link, by atom: read for every part of every join. */
  private indexPartTexts(analysis: FieldAnalysis, texts: readonly string[]): void {
    const { data, joinAtomsAt } = analysis
    if (this.partTexts.length < analysis.atomCount) this.partTexts = new Array<string>(analysis.atomCount)
    if (this.partEnds.length < analysis.atomCount) {
      this.partEnds = new Int32Array(analysis.atomCount)
      this.repeatsUntil = new Int32Array(analysis.atomCount)
    }
    const { partTexts, partEnds, repeatsUntil } = this
    let units = 0
    for (let index = 0; index < texts.length; index++) {
      const atom = data[joinAtomsAt + index]!
      partTexts[atom] = texts[index]!
      units += texts[index]!.length
      partEnds[atom] = units
    }
    for (let index = texts.length - 1; index >= 0; index--) {
      const atom = data[joinAtomsAt + index]!
      const text = texts[index]!
      const repeats = index + 1 < texts.length && isJoined(this.link(atom)) && repeatsOnly(texts[index + 1]!, text.charCodeAt(text.length - 1))
      repeatsUntil[atom] = repeats ? repeatsUntil[atom + 1]! : atom
    }
  }

  private follow(node: IdNode, first: number, last: number): void {
    if (this.settled(node, first)) return
    if (node.rules !== null) this.field.recordAtoms(node.rules, first, last)
    if (node.children !== null && last + 1 < this.analysis!.atomCount && this.link(last) !== LINK_NONE) {
      this.continueAt(node.children, last + 1, first)
    }
  }

  /** Follows a phrase from the atoms matched so far into the atom at `index`, alone or joined with the next ones. */
  private continueAt(children: Map<number, IdNode>, index: number, first: number): void {
    const { data } = this
    const analysis = this.analysis!
    const keysEnd = analysis.keysEnd(index)
    for (let entry = analysis.keysStart(index); entry < keysEnd; entry++) {
      const child = children.get(data[analysis.keysAt + entry]!)
      if (child !== undefined) this.follow(child, first, index)
    }
    if (analysis.joinTexts === null) return
    for (const joined of this.deepJoinedWordsFrom(index)) {
      for (const key of joined.keys) {
        const child = children.get(key)
        if (child !== undefined) this.follow(child, first, joined.last)
      }
    }
  }

  /** joinedWordsFrom(index), less the keys no node below the trie's first level has: what may continue a phrase. */
  private deepJoinedWordsFrom(index: number): readonly JoinedWord[] {
    const all = this.joinedWordsFrom(index)
    if (all.length === 0) return all
    const known = this.deepJoins[index]
    if (known !== undefined) return known
    const { deepKeys } = this.ids!
    const deep: JoinedWord[] = []
    for (const joined of all) {
      const keys = joined.keys.filter((key) => deepKeys.has(key))
      if (keys.length > 0) deep.push(keys.length === joined.keys.length ? joined : { last: joined.last, keys })
    }
    this.deepJoins[index] = deep
    return deep
  }

  private joinedWordsFrom(index: number): readonly JoinedWord[] {
    if (!isJoined(this.link(index))) return NO_JOINS
    let joined = this.joins[index]
    if (joined !== undefined) return joined
    const text = this.partTexts[index]!
    // most parts start no keyword word: a walk of their few units
    const walk = this.collapsed.start()
    walk.append(text)
    joined = walk.isPrefix() ? this.joinedWords(index, text, walk) : NO_JOINS
    this.joins[index] = joined
    this.joined.push(index)
    return joined
  }

  /**
   * Joins of this atom with the next ones (`super-bad`, `s p o i l e r`, hashtag parts), tried only while the
   * join is a prefix of some keyword word, give or take an inflection ending. Each part costs the units it adds:
   * the tests go through the collapsed trie, and the keys of a joined word seen before are remembered.
   */
  private joinedWords(index: number, first: string, walk: CollapsedWalk): readonly JoinedWord[] {
    const { words } = this
    const ids = this.ids!
    const analysis = this.analysis!
    // the join's length; its text is made only when its keys are looked up
    let wordLength = first.length
    const joined: JoinedWord[] = []
    let spaced = false
    // the keys of the join one part shorter (NO_KEYS: none), null when they were not looked for
    let previousKeys: readonly number[] | null = null
    // the longest join of an elongation with previousKeys, added once the elongation ends
    let elongatedLast = -1
    for (let last = index + 1; last < analysis.atomCount && isJoined(this.link(last - 1)); last++) {
      if (this.link(last - 1) === LINK_SPACED) spaced = true
      const part = this.partTexts[last]!
      const elongated = walk.elongatedBy(part)
      wordLength += part.length
      walk.append(part)
      if (wordLength > words.maxJoinedLength || !walk.startsKeywordWord()) break
      if (elongated && previousKeys !== null) {
        // `s p o i l e r r r r r …`: one join per elongation, at its end or as far as the join may run, reached at once
        const end = this.lastWithin(last, this.repeatsUntil[last]!, index, words.maxJoinedLength)
        walk.repeatLast(this.partEnds[end]! - this.partEnds[last]!)
        wordLength = this.partEnds[end]! - this.partEnds[index]! + first.length
        last = end
        if (previousKeys.length > 0) elongatedLast = last
        continue
      }
      if (elongatedLast !== -1) {
        joined.push({ last: elongatedLast, keys: previousKeys! })
        elongatedLast = -1
      }
      previousKeys = null
      // spaced-out letters are a word only as a run of three or more
      const digit = walk.repeatedDigit()
      if (!spaced || last - index >= 2) {
        previousKeys = !walk.mayBeKeywordWord() ? NO_KEYS : digit !== -1 ? ids.digitRunKeys(digit, wordLength) : this.keysOfJoin(index, last, walk.exactNode())
        if (previousKeys.length > 0) joined.push({ last, keys: previousKeys })
      }
      if (digit !== -1 && this.repeatsUntil[last]! > last) {
        // `1 1 1 1 …`: digits are never squeezed, so the join has keys only at the lengths of the user's words made
        // of that digit; it goes on to the step before the next such length, or to the end of the run
        const until = this.lastWithin(last, this.repeatsUntil[last]!, index, Math.min(words.maxJoinedLength, ids.nextDigitRunLength(digit, wordLength) - 1))
        walk.repeatLast(this.partEnds[until]! - this.partEnds[last]!)
        wordLength = this.partEnds[until]! - this.partEnds[index]! + first.length
        last = until
      }
    }
    if (elongatedLast !== -1) joined.push({ last: elongatedLast, keys: previousKeys! })
    return joined
  }

  /**
   * The furthest atom from `from` to `until` at which the join starting at atom `first` is at most `maxLength`
   * units long (`from` when none is).
   */
  private lastWithin(from: number, until: number, first: number, maxLength: number): number {
    const { partEnds } = this
    const most = maxLength + partEnds[first]! - this.partTexts[first]!.length
    let low = from
    let high = until
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if (partEnds[middle]! <= most) low = middle
      else high = middle - 1
    }
    return low
  }

  /** RuleIds.joinedKeys of the join of atoms index to last, whose text is made only when they are not known by node. */
  private keysOfJoin(index: number, last: number, node: number): readonly number[] {
    const ids = this.ids!
    const known = ids.keysAtNode(node)
    if (known !== undefined) return known
    let word = ''
    for (let atom = index; atom <= last; atom++) word += this.partTexts[atom]!
    return ids.joinedKeys(word, node)
  }
}

/** Whether `text` is `unit` repeated. */
function repeatsOnly(text: string, unit: number): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) !== unit) return false
  return true
}

/** The first index in data[at, at + count) holding a value >= key (the values are sorted). */
function lowerBound(data: Int32Array, at: number, count: number, key: number): number {
  let low = 0
  let high = count
  while (low < high) {
    const middle = (low + high) >>> 1
    if (data[at + middle]! < key) low = middle + 1
    else high = middle
  }
  return low
}

const NO_MATCHES: readonly KeywordMatch[] = Object.freeze([])
/** FieldMatches.latestStart when a rule has no match yet. */
const UNSETTLED = -1

/**
 * The leftmost match of each rule in one field, across readings. One per matcher, reused: matching is
 * synchronous, and only the rules touched are reset.
 */
class FieldMatches {
  private readonly starts: Int32Array
  private readonly ends: Int32Array
  private readonly touched: Int32Array
  private touchedCount = 0
  private analysis: FieldAnalysis | null = null
  private fieldContext = 0
  private isContent = false

  constructor(
    private readonly contexts: Uint8Array,
    private readonly symbols: ReadonlyArray<KeywordSymbols | undefined>
  ) {
    this.starts = new Int32Array(contexts.length).fill(-1)
    this.ends = new Int32Array(contexts.length)
    this.touched = new Int32Array(contexts.length)
  }

  start(analysis: FieldAnalysis): void {
    this.analysis = analysis
    this.fieldContext = KIND_CONTEXTS[analysis.kind]
    this.isContent = analysis.kind === 'content'
  }

  /** How many rules have a match in the field so far. */
  get matchedRules(): number {
    return this.touchedCount
  }

  /** The latest start of the matches of `rules`, or UNSETTLED when one of them has none. */
  latestStart(rules: Int32Array): number {
    let latest = UNSETTLED
    for (let index = 0; index < rules.length; index++) {
      const start = this.starts[rules[index]!]!
      if (start === -1) return UNSETTLED
      if (start > latest) latest = start
    }
    return latest
  }

  recordAtoms(rules: readonly number[], first: number, last: number): void {
    const analysis = this.analysis!
    const tag = analysis.tag(first)
    const insideTag = tag >= 0 && analysis.tag(last) === tag
    const start = analysis.spanStart(first)
    const end = analysis.spanEnd(last)
    for (const rule of rules) {
      const symbols = this.symbols[rule]
      if (symbols === undefined) this.record(rule, start, end, insideTag)
      else this.recordWithSymbols(rule, symbols, first, last, start, end, insideTag)
    }
  }

  /**
   * A match of the words of a keyword written with symbols counts where the text has them around and between the
   * words. Symbols can't touch a word inside a hashtag, other than its first (after the `#`) or its last.
   */
  private recordWithSymbols(rule: number, symbols: KeywordSymbols, first: number, last: number, start: number, end: number, insideTag: boolean): void {
    const analysis = this.analysis!
    if (symbols.leading !== '' && first > 0 && this.sameTagWord(first - 1)) return
    if (symbols.trailing !== '' && this.sameTagWord(last)) return
    const span = findWithSymbols(symbols, analysis.text, start, end)
    if (span !== null) this.record(rule, span.start, span.end, insideTag)
  }

  /** Whether an atom and the next one are parts of one hashtag. */
  private sameTagWord(atom: number): boolean {
    const analysis = this.analysis!
    const tag = analysis.tag(atom)
    return tag >= 0 && analysis.link(atom) !== LINK_NONE && atom + 1 < analysis.atomCount && analysis.tag(atom + 1) === tag
  }

  recordTag(rule: number, tag: number): void {
    const { data, tagsAt } = this.analysis!
    const at = tagsAt + tag * TAG_FIELDS
    this.record(rule, data[at + TAG_SOURCE_START]!, data[at + TAG_SOURCE_END]!, true)
  }

  /** A span found without atoms, in normalised positions: widened to the hashtags it touches. */
  readonly recordSpan = (rule: number, start: number, end: number): void => {
    const analysis = this.analysis!
    const { data, tagsAt } = analysis
    let insideTag = false
    for (let at = tagsAt; at < tagsAt + analysis.tagCount * TAG_FIELDS; at += TAG_FIELDS) {
      const tagStart = data[at + TAG_START]!
      const tagEnd = data[at + TAG_END]!
      if (tagEnd <= start || tagStart >= end) continue
      insideTag = tagStart <= start && end <= tagEnd
      start = Math.min(start, tagStart)
      end = Math.max(end, tagEnd)
    }
    this.record(rule, analysis.sourceStart(start), analysis.sourceEnd(end - 1), insideTag)
  }

  /** A match counts where the rule targets it: a hashtags-only rule matches content only inside a hashtag. */
  private record(rule: number, start: number, end: number, insideTag: boolean): void {
    const context = this.contexts[rule]! & this.fieldContext
    if (context === 0) return
    if (this.isContent && context === IN_TAGS && !insideTag) return
    const current = this.starts[rule]!
    if (current === -1) this.touched[this.touchedCount++] = rule
    if (current === -1 || start < current || (start === current && end > this.ends[rule]!)) {
      this.starts[rule] = start
      this.ends[rule] = end
    }
  }

  results(): readonly KeywordMatch[] {
    if (this.touchedCount === 0) return NO_MATCHES
    const matches: KeywordMatch[] = []
    const touched = this.touched.subarray(0, this.touchedCount).sort()
    for (const rule of touched) {
      matches.push({ rule, start: this.starts[rule]!, end: this.ends[rule]! })
      this.starts[rule] = -1
    }
    this.touchedCount = 0
    return matches
  }
}
