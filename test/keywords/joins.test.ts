import t from 'tap'
import { expectMatches, matched } from './keyword-matches.js'
import { compileKeywordRules } from '../../src/keywords/matcher.js'

t.test('a slash between two function words lists alternatives: never one word, in the text or in the keyword (issue 18)', async (t) => {
  expectMatches(
    t,
    [
      ['and/or', 'Tomatoes are fruits and/or vegetables'],
      ['and or', 'fruits and/or vegetables'],
      ['and/or', 'fruits and or vegetables'],
      ['Andor', 'watching Andor tonight'],
      ['his/her', 'his/her choice']
    ],
    [
      ['Andor', 'Tomatoes are fruits and/or vegetables'],
      ['andor', 'FRUITS AND/OR VEGETABLES'],
      ['andor', 'and\\or'],
      ['andor', 'and|or'],
      ['and/or', 'watching Andor tonight'],
      ['hisher', 'his/her choice'],
      ['onoff', 'on/off switch'],
      ['into', 'in/to'],
      ['into', 'in⁄to']
    ]
  )
})

t.test('other joins across a slash stay: abbreviations and words that are not function words', async (t) => {
  expectMatches(
    t,
    [
      ['acdc', 'AC/DC live tonight'],
      ['acdc', 'ac/dc live tonight'],
      ['AC/DC', 'acdc live tonight'],
      ['io', 'I/O bound'],
      ['wo', 'coffee w/o sugar'],
      ['eacc', 'e/acc'],
      ['tcpip', 'TCP/IP stack'],
      ['usuk', 'US/UK release'],
      ['penis', 'pen/is']
    ],
    []
  )
  t.same(matched('acdc', 'AC/DC live tonight'), ['AC/DC'])
})

t.test('joins across hyphens, dots, underscores and apostrophes stay, function words or not', async (t) => {
  expectMatches(
    t,
    [
      ['superbad', 'super-bad'],
      ['howto', 'a how-to video'],
      ['uptodate', 'up-to-date'],
      ['makeup', 'make-up tutorial'],
      ['idkwhatthiswouldbe', 'idk_what_this_would_be'],
      ['andor', 'and-or'],
      ['andor', '#AndOr']
    ],
    []
  )
})

t.test('two numbers are never joined: a joining character between them changes the number', async (t) => {
  expectMatches(
    t,
    [
      ['9 11', '9/11'],
      ['3.5', '3.5'],
      ['covid19', 'COVID-19'],
      ['1 800 555', '1-800-555']
    ],
    [
      ['911', '9/11'],
      ['35', 'version 3.5'],
      ['2024', '20.24'],
      ['1800555', '1-800-555']
    ]
  )
})

t.test('a spaced-out elongation is one join however long, and the join goes on past it', async (t) => {
  const matcher = compileKeywordRules([
    { id: 'a', value: 'spoiler', mode: 'word', targets: ['content'] },
    { id: 'b', value: 'spoilers', mode: 'word', targets: ['content'] }
  ])
  const text = 'x s p o i l e r r r r r s y'
  t.same(matcher.match(text, 'content'), [
    { rule: 0, start: 2, end: 25 },
    { rule: 1, start: 2, end: 25 }
  ])
  t.same(matcher.match('s p o i l e r r r r', 'content'), [{ rule: 0, start: 0, end: 19 }])
})
