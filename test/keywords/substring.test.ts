import t from 'tap'
import { compileKeywordRules } from '../../src/keywords/matcher.js'
import { expectMatches, matched } from './fixtures/helper.js'

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
