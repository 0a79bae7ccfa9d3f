import t from 'tap'
import {
  analysisCacheSize,
  analyzeField,
  compileKeywordRules,
  configureAnalysisCache,
  type FieldAnalysis,
  type KeywordRuleInput
} from '../../src/keywords/matcher.js'

const rule = (value: string, extra: Partial<KeywordRuleInput> = {}): KeywordRuleInput => ({
  id: value,
  value,
  mode: 'word',
  targets: ['content', 'hashtags'],
  ...extra
})

const DEFAULTS = { maxEntries: 20_000, maxKeys: 500_000 }
t.afterEach(() => configureAnalysisCache(DEFAULTS))

/** What an analysis holds, to compare analyses made at different times. */
const contents = (analysis: FieldAnalysis) => ({
  data: Array.from(analysis.data.subarray(analysis.atomsAt, analysis.atomsAt + analysis.size)),
  joinTexts: analysis.joinTexts
})

const caption = 'No spoilers please! #SpoilerAlert s p o i l e r, super-bad c@t café 東京 👍'

t.test('the analysis of a text is cached, per field kind', async (t) => {
  const analysis = analyzeField(caption, 'content')
  t.equal(analyzeField(caption, 'content'), analysis)
  t.not(analyzeField(caption, 'hashtag'), analysis)
  t.equal(analyzeField(caption, 'hashtag').kind, 'hashtag')
  t.equal(analysis.text, caption)
})

t.test('matchers of different users match one analysis as they match the text', async (t) => {
  const matchers = [
    compileKeywordRules([rule('spoiler'), rule('#spoiler'), rule('cafe')]),
    compileKeywordRules([rule('spoiler alert'), rule('superbad'), rule('cat'), rule('東京'), rule('👍')]),
    compileKeywordRules([rule('spoil', { mode: 'substring' }), rule('please', { targets: ['author'] })]),
    compileKeywordRules([])
  ]
  const analysis = analyzeField(caption, 'content')
  for (const matcher of matchers) t.same(matcher.matchAnalyzed(analysis), matcher.match(caption, 'content'))
  t.same(matchers[1]!.matchAnalyzed(analysis).map((match) => match.rule), [0, 1, 2, 3, 4])
  t.same(matchers[2]!.matchAnalyzed(analyzeField('spoiled', 'author')), [])
})

t.test('an analysis does not change when later texts are analysed', async (t) => {
  configureAnalysisCache({ maxEntries: 0 })
  const analysis = analyzeField(caption, 'content')
  const before = contents(analysis)
  for (let index = 0; index < 300; index++) analyzeField(`${index} another #Caption text, l33t s p a c e d ${'x'.repeat(index)}`, 'content')
  t.same(contents(analysis), before)
  t.same(compileKeywordRules([rule('spoiler')]).matchAnalyzed(analysis), [{ rule: 0, start: 3, end: 11 }])
})

t.test('the cache keeps the texts used most recently', async (t) => {
  configureAnalysisCache({ maxEntries: 4 })
  // texts with joined parts: a copy shares their list of join texts, a new analysis makes its own; and with
  // leetspeak, read two ways
  const [a, b, c, d] = ['first-t3xt', 'second-t3xt', 'third-t3xt', 'fourth-t3xt']
  const first = analyzeField(a, 'content')
  const second = analyzeField(b, 'content')
  analyzeField(c, 'content')
  t.equal(analysisCacheSize(), 3)
  // a hit in the older half moves the entry to the recent one, in a copy of its own
  const moved = analyzeField(a, 'content')
  t.not(moved, first)
  t.not(moved.plainRunsAt, -1)
  t.equal(moved.joinTexts, first.joinTexts)
  t.same(contents(moved), contents(first))
  t.equal(analyzeField(a, 'content'), moved)
  analyzeField(d, 'content')
  t.ok(analysisCacheSize() <= 4)
  t.equal(analyzeField(a, 'content').joinTexts, first.joinTexts, 'used recently: kept')
  t.not(analyzeField(b, 'content').joinTexts, second.joinTexts, 'not used since: dropped')
  const matcher = compileKeywordRules([rule('text')])
  t.same(matcher.match(a, 'content'), [{ rule: 0, start: 6, end: 10 }])
})

t.test('maxEntries 0 disables the cache', async (t) => {
  configureAnalysisCache({ maxEntries: 0 })
  t.not(analyzeField(caption, 'content'), analyzeField(caption, 'content'))
  t.equal(analysisCacheSize(), 0)
  t.same(compileKeywordRules([rule('cafe')]).match(caption, 'content'), [{ rule: 0, start: 63, end: 67 }])
})

t.test('prepare analyses a field ahead of its match, only when the match would read it and the cache would keep it', async (t) => {
  configureAnalysisCache({ maxEntries: 100 })
  const matcher = compileKeywordRules([rule('cafe'), rule('please', { targets: ['author'] })])
  matcher.prepare(caption, 'content')
  t.equal(analysisCacheSize(), 1)
  const held = analyzeField(caption, 'content')
  t.equal(matcher.match(caption, 'content').length, 1)
  t.equal(analyzeField(caption, 'content'), held, 'the match used the analysis made ahead')
  compileKeywordRules([rule('cafe')]).prepare('a handle', 'author')
  t.equal(analysisCacheSize(), 1, 'no rule reads author fields: nothing analysed')
  configureAnalysisCache({ maxEntries: 0 })
  matcher.prepare(caption, 'content')
  t.equal(analysisCacheSize(), 0, 'no cache: nothing made ahead, it would only be made again')
})

t.test('matchers and analyses made before the dictionary starts afresh still match', async (t) => {
  configureAnalysisCache({ maxEntries: 100, maxKeys: 10 })
  const matcher = compileKeywordRules([rule('spoiler'), rule('#spoileralert'), rule('super bad')])
  const held = analyzeField(caption, 'content')
  const expected = [
    { rule: 0, start: 3, end: 11 },
    { rule: 1, start: 20, end: 33 },
    { rule: 2, start: 49, end: 58 }
  ]
  t.same(matcher.matchAnalyzed(held), expected)
  // each of these fills the small dictionary: the next analysis starts it afresh
  for (const text of ['one two three four five six', 'seven eight nine ten eleven twelve', 'a b c d e f g h i j k l']) {
    analyzeField(text, 'content')
  }
  t.not(analyzeField(caption, 'content').generation, held.generation)
  t.same(matcher.matchAnalyzed(held), expected, 'a stale analysis is made again')
  t.same(matcher.match(caption, 'content'), expected)
  const later = compileKeywordRules([rule('cafe')])
  t.same(later.match(caption, 'content'), [{ rule: 0, start: 63, end: 67 }])
  t.same(matcher.match(caption, 'content'), expected)
})

t.test('long fields: a matcher looks its own keys up when it has fewer', async (t) => {
  const words = Array.from({ length: 300 }, (_, index) => `word${index}`)
  const text = `${words.join(' ')} spoiler alert cats`
  const few = compileKeywordRules([rule('spoiler alert'), rule('cat')])
  t.same(few.match(text, 'content'), [
    { rule: 0, start: text.length - 18, end: text.length - 5 },
    { rule: 1, start: text.length - 4, end: text.length }
  ])
  const many = compileKeywordRules([...words.slice(0, 100).map((word) => rule(word)), rule('cat')])
  const found = many.match(text, 'content')
  t.equal(found.length, 101)
  t.same(found[100], { rule: 100, start: text.length - 4, end: text.length })
})

t.test('long texts with leetspeak', async (t) => {
  const text = `${'l33t sp34k '.repeat(100)} sp0iler`
  t.same(compileKeywordRules([rule('spoiler')]).match(text, 'content'), [{ rule: 0, start: text.length - 7, end: text.length }])
})

t.test('texts the cache hashes alike are told apart, a few kept', async (t) => {
  // 48 characters: the cache reads every other one, so these differ only where it does not look
  const texts = Array.from({ length: 6 }, (_, index) => 'ab'.repeat(24).replace(/b/, String.fromCharCode(99 + index)))
  const analyses = texts.map((text) => analyzeField(text, 'content'))
  t.same(
    analyses.map((analysis) => analysis.text),
    texts
  )
  t.equal(analysisCacheSize(), 4)
  t.equal(analyzeField(texts[5]!, 'content'), analyses[5], 'the last ones are kept')
  t.not(analyzeField(texts[0]!, 'content'), analyses[0], 'the first ones make room')
  const matcher = compileKeywordRules([rule(texts[2]!)])
  t.same(
    texts.map((text) => matcher.match(text, 'content').length),
    [0, 0, 1, 0, 0, 0]
  )
})

t.test('an entry made stale by the dictionary starting afresh is replaced in place', async (t) => {
  configureAnalysisCache({ maxEntries: 100, maxKeys: 20 })
  const texts = Array.from({ length: 3 }, (_, index) => 'ab'.repeat(24).replace(/b/, String.fromCharCode(99 + index)))
  const analyses = texts.map((text) => analyzeField(text, 'content'))
  analyzeField(Array.from({ length: 30 }, (_, index) => `word${index}`).join(' '), 'content')
  analyzeField('the dictionary starts afresh before this one', 'content')
  const again = analyzeField(texts[1]!, 'content')
  t.not(again, analyses[1])
  t.not(again.generation, analyses[1]!.generation)
  t.equal(analyzeField(texts[1]!, 'content'), again)
  t.equal(analysisCacheSize(), 5)
})

t.test('a text too long for the cache is analysed each time', async (t) => {
  configureAnalysisCache({ maxEntries: 20 })
  const long = Array.from({ length: 400 }, (_, index) => `word${index}`).join(' ')
  const analysis = analyzeField(long, 'content')
  t.not(analyzeField(long, 'content'), analysis)
  t.equal(analysisCacheSize(), 0)
  t.same(compileKeywordRules([rule('word399')]).match(long, 'content'), [{ rule: 0, start: long.length - 7, end: long.length }])
  analyzeField('a short one', 'content')
  t.equal(analysisCacheSize(), 1)
})
