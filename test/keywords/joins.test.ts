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

t.test('joins read with their plural endings: -s, -es and -ies (as -y)', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 'big s p o i l e r s here'],
      ['box', 'two b o x e s'],
      ['party', 'p a r t i e s tonight'],
      ['party', 'p-a-r-t-i-e-s'],
      ['bus', 'b u s e s']
    ],
    [
      ['party', 'p a r t i x s'],
      ['spoiler', 's p o i l x e r'],
      ['boxes', 'b o x']
    ]
  )
})

t.test('a text repeating a match keeps each rule at its leftmost match, the rest of the text still read', async (t) => {
  const matcher = compileKeywordRules([
    { id: 'a', value: 'spoiler', mode: 'word', targets: ['content'] },
    { id: 'b', value: 'spoiler alert', mode: 'word', targets: ['content'] },
    { id: 'c', value: 'ending', mode: 'word', targets: ['content'] }
  ])
  const text = `${'s p o i l e r '.repeat(300)}spoiler alert e-n-d-i-n-g`
  const repeated = 's p o i l e r '.repeat(300).length
  t.same(matcher.match(text, 'content'), [
    // `s p o i l e r s`: the longest match from the leftmost start
    { rule: 0, start: 0, end: 15 },
    { rule: 1, start: repeated, end: repeated + 13 },
    { rule: 2, start: repeated + 14, end: repeated + 25 }
  ])
})

t.test('a joined word continues a phrase by the keys the phrase has, whichever other keys it has', async (t) => {
  const matcher = compileKeywordRules([
    { id: 'a', value: 'cats', mode: 'word', targets: ['content'] },
    { id: 'b', value: 'big cat', mode: 'word', targets: ['content'] },
    { id: 'c', value: 'very big cat', mode: 'word', targets: ['content'] }
  ])
  t.same(matcher.match('a big c-a-t-s', 'content'), [
    { rule: 0, start: 6, end: 13 },
    { rule: 1, start: 2, end: 13 }
  ])
  // two phrases reach the joined word: both continue through it
  t.same(matcher.match('a very big c-a-t-s', 'content'), [
    { rule: 0, start: 11, end: 18 },
    { rule: 1, start: 7, end: 18 },
    { rule: 2, start: 2, end: 18 }
  ])
})

t.test('spaced-out digits join at the lengths of the keyword words made of them, nothing in between', async (t) => {
  expectMatches(
    t,
    [
      ['1111', 'call 1 1 1 1 now'],
      ['111', '1 1 1 1 1'],
      ['1111 x', 'a 1 1 1 1 x'],
      ['2 1111', '2 1 1 1 1 1'],
      ['11111', 'x 1 1 1 1 1 1 1 y'],
      ['1111 x', '1 1 1 1 1 x']
    ],
    [
      ['1111', '1 1 1'],
      ['111 x', '1 1 x 1 1 1 1'],
      ['11 x', '1 1 x'],
      ['111', '1 2 1 1']
    ]
  )
  // a long run of spaced-out digits costs a step per length of the user's words, not one per digit (issue 14); two
  // spaced-out characters are never a word
  const matcher = compileKeywordRules([
    { id: 'long', value: '1'.repeat(100), mode: 'word', targets: ['content'] },
    { id: 'short', value: '11', mode: 'word', targets: ['content'] },
    { id: 'then', value: `${'1'.repeat(30)} x`, mode: 'word', targets: ['content'] }
  ])
  const text = '1 '.repeat(20_000) + 'x'
  t.same(matcher.match(text, 'content'), [
    { rule: 0, start: 0, end: 199 },
    { rule: 2, start: 39_940, end: 40_001 }
  ])
})

t.test('a spaced-out elongation as long as a transcript: one join per start, as far as a join may run', async (t) => {
  const matcher = compileKeywordRules([
    { id: 'a', value: 'aaa', mode: 'word', targets: ['content'] },
    { id: 'b', value: 'aaa b', mode: 'word', targets: ['content'] },
    { id: 'c', value: 'b aa', mode: 'word', targets: ['content'] }
  ])
  const text = 'a-'.repeat(20_000) + 'b a-a'
  t.same(matcher.match(text, 'content'), [
    { rule: 0, start: 0, end: 13 },
    { rule: 1, start: 39_986, end: 40_001 },
    { rule: 2, start: 40_000, end: 40_005 }
  ])
})
