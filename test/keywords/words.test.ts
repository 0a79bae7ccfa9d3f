import t from 'tap'
import { expectMatches, matched } from './keyword-matches.js'

t.test('whole words and whole phrases only', async (t) => {
  expectMatches(
    t,
    [
      ['and', 'salt and pepper'],
      ['and', 'AND'],
      ['new york', 'I love New York!'],
      ['new york', 'new\n york'],
      ['x', 'follow me on x'],
      ['god', 'oh my god'],
      ['cat', 'the cat sat'],
      ['2024', 'best of 2024']
    ],
    [
      ['and', 'sand'],
      ['and', 'android'],
      ['new york', 'new yorker'],
      ['new york', 'newyork'],
      ['new york', 'york new'],
      ['x', 'xenophobia'],
      ['x', 'box'],
      ['god', 'good'],
      ['cat', 'concatenate'],
      ['cat', 'scat'],
      ['2024', '20245']
    ]
  )
})

t.test('a phrase does not run across text in a script written without spaces', async (t) => {
  expectMatches(t, [['new york', 'new 🗽 york']], [['new york', 'new 東京 york']])
})

t.test('simple inflections of a keyword', async (t) => {
  expectMatches(
    t,
    [
      ['cat', 'two cats'],
      ['cat', "the cat's toy"],
      ['cat', 'the cat’s toy'],
      ['cat', "the cats' toys"],
      ['spoiler', 'no spoilers please'],
      ['box', 'boxes'],
      ['wish', 'wishes'],
      ['church', 'churches'],
      ['hero', 'heroes'],
      ['puppy', 'puppies'],
      ['spy', 'spies'],
      ['boss', 'bosses'],
      ['spoiler alert', 'spoiler alerts'],
      ['new york', "New York's finest"]
    ],
    [
      ['cats', 'cat'],
      ['puppies', 'puppy'],
      ['boss', 'bos'],
      ['bo', 'boss'],
      ['it', 'its'],
      ['bu', 'bus']
    ]
  )
})

t.test('a keyword is kept as written: only the text is reduced', async (t) => {
  expectMatches(t, [['news', 'the news']], [['news', 'new'], ['spoilers', 'spoiler']])
})

t.test('a negation is one word, other apostrophes split a word into parts also read joined', async (t) => {
  expectMatches(
    t,
    [
      ["don't", "don't"],
      ['dont', "don't"],
      ["don't", 'dont'],
      ['amour', "l'amour"],
      ['lamour', "l'amour"],
      ['rock', "rock'n'roll"],
      ['rocknroll', "rock'n'roll"],
      ['she', "she's here"],
      ['cat', "'cat'"]
    ],
    [
      ['don', "don't"],
      ['can', "can't"]
    ]
  )
})

t.test('letter elongation is squeezed, only for runs of three or more', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 'spoilerrrr'],
      ['spoiler', 'spoooiler'],
      ['spoiler', 'SPOOOOILERRRRR!!!'],
      ['spoiler', 'spooooilerrrrs'],
      ['good', 'goooood'],
      ['cool', 'cooooolllll'],
      ['cool', 'coooool'],
      ['balloon', 'baaallllooooon'],
      ['brrr', 'brrrrrrr'],
      ['brrr', 'brr'],
      ['abc', 'aaabbbccc'],
      ['abcd', 'aaabbbcccddd']
    ],
    [
      ['god', 'good'],
      ['spoiler', 'spooiler'],
      ['10', '1000'],
      ['100', '1000'],
      ['spoooiler', 'spoiler']
    ]
  )
})

t.test('spaced, dotted and dashed letters are read joined', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 's p o i l e r'],
      ['spoiler', 's.p.o.i.l.e.r'],
      ['spoiler', 's-p-o-i-l-e-r'],
      ['spoiler', 'S. P. O. I. L. E. R.'],
      ['spoiler', 's  p  o  i  l  e  r'],
      ['spoiler', 'this is a s p o i l e r for you'],
      ['spoiler', 's p o i l e r s'],
      ['spoiler', 'x s p o i l e r x'],
      ['spoiler', 's / p / o / i / l / e / r'],
      ['spoiler', 's p o o o i l e r'],
      ['spoiler alert', 's p o i l e r alert'],
      ['usa', 'U.S.A.'],
      ['abc', 'a b c'],
      ['s p o i l e r', 'spoiler'],
      ['s p o i l e r', 's p o i l e r']
    ],
    [
      ['ab', 'a b'],
      ['spoiler', 's p o i l e r'.replaceAll(' ', '    ')],
      ['spoiler', 'sp oi ler']
    ]
  )
})

t.test('punctuation inside a word: compounds match written together, apart or hyphenated', async (t) => {
  expectMatches(
    t,
    [
      ['super-bad', 'superbad'],
      ['super-bad', 'super bad'],
      ['super-bad', 'super-bad'],
      ['super-bad', 'SUPER–BAD'],
      ['superbad', 'super-bad'],
      ['superbad', 'super_bad'],
      ['superbad', 'super.bad'],
      ['superbad', 'super-bads'],
      ['e-mail', 'email'],
      ['a-b-c-d-e-f', 'abcdef'],
      ['a-b-c-d-e-f', 'a b c d e f'],
      ['a-b-c-d-e-f', 'a-b-c-d-e-f'],
      ['super-duper-bad', 'superduper bad']
    ],
    [
      ['superbad', 'super bad'],
      ['superbad', 'super -- bad'],
      ['super-bad', 'superbadly'],
      ['email', 'e - mail']
    ]
  )
})

t.test('a keyword with many joinable parts gets only its split and its joined readings', async (t) => {
  const keyword = 'a-b-c-d-e-f'
  expectMatches(t, [[keyword, 'abcdef'], [keyword, 'ab-cdef']], [[keyword, 'ab cdef']])
})

t.test('reports the span of the original text', async (t) => {
  t.same(matched('cafe', 'Un Café au lait'), ['Café'])
  t.same(matched('spoiler', 'no s p o i l e r here'), ['s p o i l e r'])
  t.same(matched('new york', 'in New-York today'), ['New-York'])
  t.same(matched('cat', '😀 cats'), ['cats'])
  t.same(matched('spoiler', 'SPOOOOILER'), ['SPOOOOILER'])
  t.same(matched('cat', 'the cat\u0301 sat'), ['cat\u0301'])
})

t.test('the leftmost match of a rule, the longest at that start', async (t) => {
  t.same(matched('cat', 'dog cat cat'), ['cat'])
  const text = 'a cat and a c a t'
  t.same(matched('cat', text), ['cat'])
  t.same(matched('super-bad', 'super-bad'), ['super-bad'])
})

t.test('keywords made only of symbols are matched as written', async (t) => {
  expectMatches(t, [['+++', 'wow +++ ok'], ['!!!', 'great!!!']], [['+++', 'wow ++ ok']])
})

t.test('keywords with nothing left after normalisation never match', async (t) => {
  expectMatches(t, [], [['\u200b', 'a\u200bb'], ['   ', 'a b'], ['\ufe0f', '❤️']])
})

t.test('joins of spaced letters are bounded by the longest keyword word', async (t) => {
  const spaced = (word: string): string => [...word].join(' ')
  expectMatches(t, [['spoiler', spaced('spooooooooiler')]], [['spoiler', spaced('spoooooooooooooiler')]])
  // How cheap a long run of single letters stays is measured by bench/keywords.ts, not timed here.
  const [match] = matched('aardvark', 'a '.repeat(5000) + 'a a r d v a r k')
  t.match(match, /^(a )+r d v a r k$/)
})
