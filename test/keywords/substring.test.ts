import t from 'tap'
import { analyzeField, compileKeywordRules } from '../../src/keywords/matcher.js'
import { normalizeText, readText } from '../../src/keywords/normalize.js'
import { PatternList, RunText, SubstringAutomaton, samePattern, toPattern, toRuns, type Pattern } from '../../src/keywords/substring.js'
import { expectMatches, matched } from './keyword-matches.js'

const substring = { mode: 'substring' } as const

t.test('substring mode matches anywhere in the normalised text', async (t) => {
  expectMatches(
    t,
    [
      ['and', 'sand'],
      ['and', 'ANDROID'],
      ['cafe', 'cafés'],
      ['spoil', 'SPOILERS'],
      ['new york', 'the new yorker'],
      ['new york', 'new   york'],
      ['new york', 'new\tyork'],
      ['c#', 'I code c# daily'],
      ['ѕpoil', 'spoiler'],
      [' spoil ', 'spoilers']
    ],
    [
      ['and', 'an d'],
      ['new york', 'newyork'],
      ['new york', 'new-york']
    ],
    substring
  )
})

t.test('substring mode reads folded and plain', async (t) => {
  expectMatches(
    t,
    [
      ['cat', 'c@tastrophe'],
      ['spoil', 'sp0iled'],
      ['tsla', '$TSLA'],
      ['$tsla', 'buy $TSLA'],
      ['5am', 'at 5am'],
      ['sam', 'at 5am'],
      ['c@t', 'c@t'],
      ['c@t', 'cat']
    ],
    [['2024', '2o24x']],
    substring
  )
})

t.test('substring mode squeezes elongation and joins spaced letters', async (t) => {
  expectMatches(
    t,
    [
      ['spoil', 'spoooooiled'],
      ['spoiler', 'spoilerrrr'],
      ['spoiler', 's p o i l e r'],
      ['spoiler', 's.p.o.i.l.e.r.s'],
      ['good', 'goooood'],
      ['god', 'goooood'],
      ['oo', 'book'],
      ['ook', 'boooook'],
      ['bo', 'boooook'],
      ['brrr', 'brrrrr'],
      ['aab', 'aaab'],
      ['baa', 'baaa'],
      ['1000', '10000']
    ],
    [
      ['god', 'good'],
      ['good', 'god'],
      ['1001', '10001'],
      ['10001', '1001'],
      ['1000', '100'],
      ['brrr', 'brr'],
      ['aaa', 'aa'],
      ['a b', 'a  b  c']
    ],
    substring
  )
})

t.test('substring spans are as narrow as the pattern', async (t) => {
  t.same(matched('and', 'sand', substring), ['and'])
  t.same(matched('ok', 'book', substring), ['ok'])
  t.same(matched('bo', 'book', substring), ['bo'])
  t.same(matched('o', 'book', substring), ['o'])
  t.same(matched('oo', 'boooook', substring), ['oo'])
  t.same(matched('spoil', 's p o i l e r', substring), ['s p o i l'])
  t.same(matched('spoil', 'spoooiled', substring), ['spoooil'])
  t.same(matched('brrrrr', 'brrr', substring), ['brrr'])
  t.same(matched('rrrrrb', 'rrrb', substring), ['rrrb'])
})

t.test('patterns sharing suffixes are all found', async (t) => {
  const matcher = compileKeywordRules([
    { id: 'he', value: 'he', mode: 'substring', targets: ['content'] },
    { id: 'she', value: 'she', mode: 'substring', targets: ['content'] },
    { id: 'his', value: 'his', mode: 'substring', targets: ['content'] },
    { id: 'hers', value: 'hers', mode: 'substring', targets: ['content'] },
    { id: 'é', value: 'é', mode: 'substring', targets: ['content'] },
    { id: 'ж', value: 'жж', mode: 'substring', targets: ['content'] },
    { id: 'жы', value: 'жы', mode: 'substring', targets: ['content'] },
    { id: 'ыж', value: 'ыжа', mode: 'substring', targets: ['content'] }
  ])
  t.same(
    matcher.match('ushers', 'content').map((match) => match.rule),
    [0, 1, 3, 4]
  )
  t.same(
    matcher.match('this', 'content').map((match) => match.rule),
    [2]
  )
  t.same(matcher.match('ыжжыжа', 'content'), [
    { rule: 5, start: 1, end: 3 },
    { rule: 6, start: 2, end: 4 },
    { rule: 7, start: 3, end: 6 }
  ])
  t.same(matcher.match('жыжжы', 'content').map((match) => match.rule), [5, 6])
})

t.test('a keyword of spaced letters in substring mode reads them joined', async (t) => {
  expectMatches(t, [['s p o i l', 'spoilers'], ['s.p.o.i.l', 's p o i l e r']], [['s p o i l', 'spo il']], substring)
})

/** The patterns of substring keywords, numbered from 0. */
function patternsOf(keywords: readonly string[]): Pattern[] {
  return keywords.map((keyword, rule) => {
    const text = normalizeText(keyword)
    return toPattern(toRuns(readText(text, true), null), rule)!
  })
}

/** Every match a search reports, sorted. */
function searchAll(search: PatternList | SubstringAutomaton, text: string): number[][] {
  const found: number[][] = []
  const { data, foldedRunsAt, plainRunsAt } = analyzeField(text, 'content')
  for (const at of plainRunsAt === -1 ? [foldedRunsAt] : [foldedRunsAt, plainRunsAt]) {
    search.search(new RunText().point(data, at), (rule, start, end) => found.push([rule, start, end]))
  }
  return found.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!)
}

t.test('the automaton finds what searching pattern by pattern finds', async (t) => {
  const keywords = ['he', 'she', 'his', 'hers', 'oo', 'ook', 'bo', 'spoil', 'é', 'жж', 'жы', 'ыжа', '東京', '👍', 'a b', 'new york', '1000', 'brrr']
  const patterns = patternsOf(keywords)
  const texts = [
    'ushers', 'this', 'boooook and book', 'spoooooiled s p o i l e r', 'ыжжыжа жыжжы', '東京タワー 👍👍', 'a  b  c', 'new   york',
    '10000 and 1000', 'brrrrr', 'café crème', 'sp0iled', ''
  ]
  const list = new PatternList(patterns)
  const automaton = new SubstringAutomaton(patterns)
  for (const text of texts) t.same(searchAll(automaton, text), searchAll(list, text), text)
  t.ok(searchAll(automaton, 'ushers').length > 0)
})

t.test('many substring rules go through the automaton', async (t) => {
  const keywords = Array.from({ length: 40 }, (_, index) => `word${String.fromCharCode(97 + (index % 26))}${index}`)
  const matcher = compileKeywordRules(keywords.map((value) => ({ id: value, value, mode: 'substring', targets: ['content'] })))
  const text = `prefix${keywords[3]}suffix and ${keywords[39]}!`
  t.same(matcher.match(text, 'content').map((match) => match.rule), [3, 39])
})

t.test('patterns are the same when their rule, units and run lengths are', async (t) => {
  const [book] = patternsOf(['book'])
  const [bok] = patternsOf(['bok'])
  t.ok(samePattern(book!, patternsOf(['book'])[0]!))
  t.notOk(samePattern(book!, { ...bok!, runLengths: [1, 1, 1] }))
  t.notOk(samePattern(book!, { ...book!, runLengths: [1, 1, 1] }))
  t.notOk(samePattern(book!, { ...book!, rule: 1 }))
})
