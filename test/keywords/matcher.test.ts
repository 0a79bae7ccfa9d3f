import t from 'tap'
import { compileKeywordRules, type KeywordRuleInput } from '../../src/keywords/matcher.js'

const rule = (value: string, extra: Partial<KeywordRuleInput> = {}): KeywordRuleInput => ({
  id: value,
  value,
  mode: 'word',
  targets: ['content', 'hashtags'],
  ...extra
})

t.test('size is the number of rules compiled', async (t) => {
  t.equal(compileKeywordRules([]).size, 0)
  t.equal(compileKeywordRules([rule('a'), rule('b'), rule('a')]).size, 3)
})

t.test('no rules, no matches', async (t) => {
  const matcher = compileKeywordRules([])
  t.same(matcher.match('anything at all', 'content'), [])
  t.same(matcher.match('', 'hashtag'), [])
})

t.test('one match per rule, its leftmost, sorted by rule index', async (t) => {
  const matcher = compileKeywordRules([rule('dog'), rule('cat'), rule('cat'), rule('東京'), rule('zebra')])
  t.same(matcher.match('cat dog cat 東京 dog', 'content'), [
    { rule: 0, start: 4, end: 7 },
    { rule: 1, start: 0, end: 3 },
    { rule: 2, start: 0, end: 3 },
    { rule: 3, start: 12, end: 14 }
  ])
})

t.test('a rule found in both readings reports its leftmost match', async (t) => {
  const matcher = compileKeywordRules([rule('tsla'), rule('stsla')])
  t.same(matcher.match('tsla and $tsla', 'content'), [
    { rule: 0, start: 0, end: 4 },
    { rule: 1, start: 9, end: 14 }
  ])
  t.same(matcher.match('$tsla then tsla', 'content'), [
    { rule: 0, start: 1, end: 5 },
    { rule: 1, start: 0, end: 5 }
  ])
})

t.test('the same keyword under several rules, and rules sharing words', async (t) => {
  const matcher = compileKeywordRules([
    rule('spoiler'),
    rule('spoiler alert'),
    rule('spoiler', { mode: 'substring' }),
    rule('#spoiler'),
    rule('#spoiler'),
    rule('spoiler alert now')
  ])
  t.same(
    matcher.match('#spoiler alert', 'content').map((match) => match.rule),
    [0, 1, 2, 3, 4]
  )
})

t.test('empty and blank texts', async (t) => {
  const matcher = compileKeywordRules([rule('a'), rule('#a'), rule('a', { mode: 'substring' })])
  for (const kind of ['content', 'hashtag', 'author'] as const) {
    t.same(matcher.match('', kind), [])
    t.same(matcher.match('   ', kind), [])
  }
})

t.test('long texts with unusual characters', async (t) => {
  const matcher = compileKeywordRules([rule('spoiler'), rule('end')])
  const text = '\ufdfa'.repeat(20) + ' spoiler ' + 'ﬃ'.repeat(50) + ' end'
  t.same(
    matcher.match(text, 'content').map((match) => text.slice(match.start, match.end)),
    ['spoiler', 'end']
  )
  const long = 'lorem ipsum '.repeat(2000) + 'spoiler'
  t.same(matcher.match(long, 'content'), [{ rule: 0, start: long.length - 7, end: long.length }])
})

t.test('a matcher is reused across texts without leaking state', async (t) => {
  const matcher = compileKeywordRules([rule('spoiler'), rule('spoil', { mode: 'substring' })])
  t.same(matcher.match('SpoilerAlert is long text here to grow buffers '.repeat(10), 'hashtag').length, 2)
  t.same(matcher.match('x', 'content'), [])
  t.same(matcher.match('Spoiler', 'content'), [
    { rule: 0, start: 0, end: 7 },
    { rule: 1, start: 0, end: 5 }
  ])
})

t.test('thousands of rules compile into one matcher', async (t) => {
  const letters = (index: number): string => (index < 26 ? '' : letters(Math.floor(index / 26) - 1)) + String.fromCharCode(97 + (index % 26))
  const words = Array.from({ length: 2000 }, (_, index) => `word${letters(index)}`)
  const matcher = compileKeywordRules(words.map((value) => rule(value)))
  t.equal(matcher.size, 2000)
  t.same(matcher.match('a wordb and wordc', 'content').map((match) => match.rule), [1, 2])
})
