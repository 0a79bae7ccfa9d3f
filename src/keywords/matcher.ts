/**
 * Keyword rules compiled once into a matcher whose cost grows with the text, not with the number of rules.
 *
 * - `word` rules become sequences of word keys in one trie, walked from every atom of the text (see tokens.ts);
 *   text atoms are looked up by their reduced keys (inflection.ts).
 * - `#tag` rules are keys of one map, looked up by each hashtag read as one word.
 * - `substring` rules, and words in scripts written without spaces or made of emoji, are patterns of one
 *   Aho–Corasick automaton (substring.ts).
 * Each text is read twice when leetspeak folding changes it (folded and plain readings, normalize.ts).
 */
import { appendCollapsed, collapseRuns, keywordWordKey, textWordKeys } from './inflection.js'
import {
  EMOJI,
  HASH,
  LEET,
  NO_SPACE,
  SPACE,
  normalizeText,
  readText,
  reusableBuffer,
  type NormalizedText,
  type Reading
} from './normalize.js'
import { SubstringAutomaton, samePattern, toPattern, toRuns, type Pattern, type RunMatch } from './substring.js'
import {
  LINK_JOIN,
  LINK_NONE,
  LINK_SPACED,
  fieldTag,
  findTags,
  spacedGaps,
  tagWord,
  tokenize,
  type Atom,
  type Tag
} from './tokens.js'

export type KeywordMode = 'word' | 'substring'
export type KeywordTarget = 'content' | 'hashtags' | 'author'

export interface KeywordRuleInput {
  id: string
  value: string
  mode: KeywordMode
  targets: readonly KeywordTarget[]
}

/**
 * content = caption / overlayText / transcript (may contain inline #tags); hashtag = one entry of
 * item.hashtags[] (with or without a leading '#'); author = author handle or display name
 */
export type FieldKind = 'content' | 'hashtag' | 'author'

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
  /** At most one match per rule: its leftmost match in this field. Sorted by rule index. */
  match(text: string, kind: FieldKind): KeywordMatch[]
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

/** match() is synchronous and keeps no view of these past its return, so one set serves every call. */
const buffers = { text: reusableBuffer(), folded: reusableBuffer(), plain: reusableBuffer(), runs: reusableBuffer() }

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

/** The readings a keyword is compiled from: folded, and plain when that differs and no leet symbol was typed. */
function keywordReadings(text: NormalizedText, plainIfSymbols: boolean): Reading[] {
  const folded = readText(text, true)
  if (!folded.changed || (!plainIfSymbols && text.classes.includes(LEET))) return [folded]
  return [folded, readText(text, false)]
}

/**
 * The word sequences a keyword matches as: every choice of joining its linked words (`super-bad` is
 * [super, bad] and [superbad]); spaced-out letters (`s p o i l e r`) are joined only as a run of three or more.
 */
function wordSequences(atoms: readonly Atom[]): string[][] {
  if (atoms.length === 0) return []
  const joinable: number[] = []
  atoms.forEach((atom, index) => {
    if (index === atoms.length - 1) return
    if (atom.link === LINK_JOIN || (atom.link === LINK_SPACED && inSpacedRun(atoms, index))) joinable.push(index)
  })
  const choices: Array<(bit: number) => boolean> =
    joinable.length <= MAX_ENUMERATED_LINKS
      ? Array.from({ length: 1 << joinable.length }, (_, mask) => (bit) => ((mask >> bit) & 1) === 1)
      : [() => false, () => true]
  return choices.map((isJoinedAt) => {
    const joined = new Set(joinable.filter((_, bit) => isJoinedAt(bit)))
    const words: string[] = []
    let word = ''
    atoms.forEach((atom, index) => {
      word += atom.text
      if (joined.has(index)) return
      words.push(keywordWordKey(word))
      word = ''
    })
    return words
  })
}

function inSpacedRun(atoms: readonly Atom[], link: number): boolean {
  let first = link
  while (first > 0 && atoms[first - 1]!.link === LINK_SPACED) first--
  let last = link + 1
  while (last < atoms.length - 1 && atoms[last]!.link === LINK_SPACED) last++
  return last - first + 1 >= 3
}

/** The word rules: their trie, and what lets joins of text parts stop early. */
interface WordIndex {
  readonly trie: TrieNode
  /** every prefix of every keyword word, runs collapsed */
  readonly prefixes: ReadonlySet<string>
  /** every keyword word, runs collapsed */
  readonly wholeWords: ReadonlySet<string>
  readonly maxJoinedLength: number
}

class MatcherBuilder {
  private readonly trie = newNode()
  private readonly wordPrefixes = new Set<string>()
  private readonly wholeWords = new Set<string>()
  private maxJoinedLength = 0
  readonly tagRules = new Map<string, number[]>()
  readonly patterns: Pattern[] = []
  readonly contexts: Uint8Array

  constructor(size: number) {
    this.contexts = new Uint8Array(size)
  }

  add(rule: KeywordRuleInput, index: number): void {
    const normalized = normalizeText(rule.value)
    let bodyStart = 0
    while (bodyStart < normalized.length && normalized.classes[bodyStart] === SPACE) bodyStart++
    const isTagRule = normalized.classes[bodyStart] === HASH
    if (isTagRule) {
      // `#spoiler` is about hashtags whatever the targets say
      while (normalized.classes[bodyStart] === HASH) bodyStart++
      this.contexts[index] = IN_TAGS
      const body = normalizeText(rule.value.slice(normalized.sourceStart[bodyStart] ?? rule.value.length))
      if (rule.mode === 'substring') this.addPatterns(body, index)
      else this.addTagWord(body, index)
      return
    }
    for (const target of rule.targets) this.contexts[index]! |= TARGET_CONTEXTS[target]
    // words written without spaces (or emoji) are matched inside the text, whatever its language
    const insideWords = normalized.classes.includes(NO_SPACE) || normalized.classes.includes(EMOJI)
    if (rule.mode === 'substring' || insideWords) return this.addPatterns(normalized, index)
    const readings = keywordReadings(normalized, false)
    const sequences = readings.flatMap((reading) => wordSequences(tokenize(reading, normalized, [], false)))
    if (sequences.length === 0) this.addPatterns(normalized, index) // only symbols: match them as written
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
      }
      node = child
      const collapsed = collapseRuns(word)
      for (let length = 1; length <= collapsed.length; length++) this.wordPrefixes.add(collapsed.slice(0, length))
      this.wholeWords.add(collapsed)
      this.maxJoinedLength = Math.max(this.maxJoinedLength, word.length * JOIN_ELONGATION_ROOM + INFLECTION_SLACK)
    }
    node.rules ??= []
    addUnique(node.rules, rule)
  }

  wordIndex(): WordIndex {
    const { trie, wordPrefixes: prefixes, wholeWords, maxJoinedLength } = this
    return { trie, prefixes, wholeWords, maxJoinedLength }
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
      this.addPattern(toPattern(toRuns(reading, spacedGaps(tokenize(reading, text, [], false), text.length)), rule))
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

interface Span {
  start: number
  end: number
}

class CompiledMatcher implements KeywordMatcher {
  private readonly words: WordIndex
  private readonly tagRules: ReadonlyMap<string, readonly number[]>
  private readonly automaton: SubstringAutomaton | null
  private readonly contexts: Uint8Array
  private readonly kindContexts: number

  constructor(
    readonly size: number,
    builder: MatcherBuilder
  ) {
    this.words = builder.wordIndex()
    this.tagRules = builder.tagRules
    this.automaton = builder.patterns.length > 0 ? new SubstringAutomaton(builder.patterns) : null
    this.contexts = builder.contexts
    this.kindContexts = builder.contexts.reduce((all, context) => all | context, 0)
  }

  match(text: string, kind: FieldKind): KeywordMatch[] {
    if ((this.kindContexts & KIND_CONTEXTS[kind]) === 0) return []
    const normalized = normalizeText(text, buffers.text)
    const tags = kind === 'content' ? findTags(normalized) : kind === 'hashtag' ? fieldTag(normalized) : []
    const field = new FieldMatches(normalized, kind, tags, this.contexts)
    const folded = readText(normalized, true, buffers.folded)
    this.matchReading(field, folded)
    if (folded.changed) this.matchReading(field, readText(normalized, false, buffers.plain))
    return field.results()
  }

  private matchReading(field: FieldMatches, reading: Reading): void {
    const atoms = tokenize(reading, field.text, field.tags, field.kind === 'author')
    if (this.words.trie.children !== null && atoms.length > 0) new WordWalk(atoms, this.words, field).walkAll()
    if (this.tagRules.size > 0) {
      for (const tag of field.tags) {
        for (const key of textWordKeys(tagWord(reading, tag))) {
          for (const rule of this.tagRules.get(key) ?? []) field.recordTag(rule, tag)
        }
      }
    }
    if (this.automaton !== null) {
      const runs = toRuns(reading, spacedGaps(atoms, field.text.length), buffers.runs)
      this.automaton.search(runs, (match: RunMatch) => field.recordSpan(match.rule, match.start, match.end))
    }
  }
}

const NO_KEYS: readonly string[] = []

interface JoinedWord {
  /** index of the last atom joined */
  readonly last: number
  readonly keys: readonly string[]
}

/** One walk of the keyword trie over a reading's atoms. */
class WordWalk {
  private readonly keys: Array<readonly string[] | undefined>
  private readonly joins: Array<JoinedWord[] | undefined>

  constructor(
    private readonly atoms: readonly Atom[],
    private readonly words: WordIndex,
    private readonly field: FieldMatches
  ) {
    this.keys = new Array<readonly string[] | undefined>(atoms.length)
    this.joins = new Array<JoinedWord[] | undefined>(atoms.length)
  }

  walkAll(): void {
    for (let first = 0; first < this.atoms.length; first++) this.walk(this.words.trie, first, first)
  }

  private walk(node: TrieNode, index: number, first: number): void {
    this.follow(node, first, index, (this.keys[index] ??= this.wordKeys(this.atoms[index]!.text)))
    for (const joined of (this.joins[index] ??= this.joinedWords(index))) this.follow(node, first, joined.last, joined.keys)
  }

  private follow(node: TrieNode, first: number, last: number, keys: readonly string[]): void {
    for (const key of keys) {
      const child = node.children!.get(key)
      if (child === undefined) continue
      if (child.rules !== null) this.field.recordAtoms(child.rules, this.atoms[first]!, this.atoms[last]!)
      if (child.children !== null && last + 1 < this.atoms.length && this.atoms[last]!.link !== LINK_NONE) {
        this.walk(child, last + 1, first)
      }
    }
  }

  /**
   * A word's keys differ from it only in its last three letters (`puppies` → `puppy`) and in elongation, which
   * collapsing ignores: a word whose start is no keyword's start needs no keys.
   */
  private wordKeys(word: string): readonly string[] {
    const stem = collapseRuns(word.slice(0, Math.max(1, word.length - INFLECTION_SLACK)))
    return this.words.prefixes.has(stem) ? textWordKeys(word) : NO_KEYS
  }

  /**
   * Joins of this atom with the next ones (`super-bad`, `s p o i l e r`, hashtag parts), tried only while the
   * join is a prefix of some keyword word, give or take an inflection ending.
   */
  private joinedWords(index: number): JoinedWord[] {
    const joined: JoinedWord[] = []
    const { atoms, words } = this
    if (!isJoined(atoms[index]!.link)) return joined
    let word = atoms[index]!.text
    let collapsed = collapseRuns(word)
    if (!words.prefixes.has(collapsed)) return joined
    let spaced = false
    for (let last = index + 1; last < atoms.length && isJoined(atoms[last - 1]!.link); last++) {
      if (atoms[last - 1]!.link === LINK_SPACED) spaced = true
      const part = atoms[last]!.text
      word += part
      collapsed = appendCollapsed(collapsed, part)
      if (word.length > words.maxJoinedLength || !this.startsKeywordWord(collapsed)) break
      // spaced-out letters are a word only as a run of three or more
      if ((!spaced || last - index >= 2) && this.mayBeKeywordWord(collapsed)) joined.push({ last, keys: textWordKeys(word) })
    }
    return joined
  }

  /**
   * A cheap test before computing a joined word's keys: collapsed, a key is the word's collapsed form less at
   * most an inflection ending (or with `-ies` read `-y`), and it must be a whole keyword word.
   */
  private mayBeKeywordWord(collapsed: string): boolean {
    const { wholeWords } = this.words
    for (let length = collapsed.length; length > 0 && length >= collapsed.length - INFLECTION_SLACK; length--) {
      const stem = collapsed.slice(0, length)
      if (wholeWords.has(stem) || wholeWords.has(stem + 'y')) return true
    }
    return false
  }

  /** Whether a keyword word starts with this (collapsed) word, give or take an inflection ending. */
  private startsKeywordWord(collapsed: string): boolean {
    for (let cut = 0; cut <= INFLECTION_SLACK && cut < collapsed.length; cut++) {
      if (this.words.prefixes.has(collapsed.slice(0, collapsed.length - cut))) return true
    }
    return false
  }
}

/** The leftmost match of each rule in one field, across readings. */
class FieldMatches {
  private readonly best = new Map<number, Span>()
  private readonly fieldContext: number

  constructor(
    readonly text: NormalizedText,
    readonly kind: FieldKind,
    readonly tags: readonly Tag[],
    private readonly contexts: Uint8Array
  ) {
    this.fieldContext = KIND_CONTEXTS[kind]
  }

  recordAtoms(rules: readonly number[], first: Atom, last: Atom): void {
    let start = first.start
    let end = last.end
    let insideTag = false
    if (first.tag >= 0) {
      start = this.tags[first.tag]!.start
      insideTag = last.tag === first.tag
    }
    if (last.tag >= 0) end = this.tags[last.tag]!.end
    for (const rule of rules) this.record(rule, start, end, insideTag)
  }

  recordTag(rule: number, tag: Tag): void {
    this.record(rule, tag.start, tag.end, true)
  }

  /** A span found without atoms: widened to the hashtags it touches. */
  recordSpan(rule: number, start: number, end: number): void {
    let insideTag = false
    for (const tag of this.tags) {
      if (tag.end <= start || tag.start >= end) continue
      insideTag = tag.start <= start && end <= tag.end
      start = Math.min(start, tag.start)
      end = Math.max(end, tag.end)
    }
    this.record(rule, start, end, insideTag)
  }

  /** A match counts where the rule targets it: a hashtags-only rule matches content only inside a hashtag. */
  private record(rule: number, start: number, end: number, insideTag: boolean): void {
    const context = this.contexts[rule]! & this.fieldContext
    if (context === 0) return
    if (this.kind === 'content' && context === IN_TAGS && !insideTag) return
    const sourceStart = this.text.sourceStart[start]!
    const sourceEnd = this.text.sourceEnd[end - 1]!
    const current = this.best.get(rule)
    if (current === undefined || sourceStart < current.start || (sourceStart === current.start && sourceEnd > current.end)) {
      this.best.set(rule, { start: sourceStart, end: sourceEnd })
    }
  }

  results(): KeywordMatch[] {
    return Array.from(this.best, ([rule, span]) => ({ rule, start: span.start, end: span.end })).sort(
      (a, b) => a.rule - b.rule
    )
  }
}
