import t from 'tap'
import { compileKeywordRules } from '../../src/keywords/matcher.js'
import { expectMatches, matched } from './keyword-matches.js'

t.test('a keyword ending with a symbol never matches the bare letters (issue 18)', async (t) => {
  expectMatches(
    t,
    [
      ['C#', 'I write C# at work'],
      ['F#', 'F# is functional'],
      ['C++', 'learning C++ today'],
      ['test#', 'run test# again']
    ],
    [
      ['C#', 'take vitamin C daily'],
      ['F#', 'got an F on the test'],
      ['C++', 'a grade C paper'],
      ['test#', 'just a test']
    ]
  )
})

t.test('symbols before or after the words must touch them, folded like the text', async (t) => {
  expectMatches(
    t,
    [
      ['C#', 'c# rocks'],
      ['C#', 'Ｃ＃ rocks'],
      ['C#', 'C♯ rocks'],
      ['C#', 'C#7 is out'],
      ['C#', 'C## twice'],
      ['C#', '#C# tag'],
      ['.NET', '.NET core'],
      ['.NET', 'ASP.NET'],
      ['.net', 'the .NET runtime'],
      ['C++', 'c++ is hard'],
      ['(iykyk)', 'context(iykyk)'],
      ['C #', 'C#'],
      ['C #', 'C  #'],
      ['( iykyk )', 'so (iykyk)'],
      ['( iykyk )', 'so ( iykyk ) ok'],
      ['  C#  ', 'C#'],
      ['Yahoo!', 'Yahoo! news']
    ],
    [
      ['C#', 'C #'],
      ['C#', 'vitamin C #health'],
      ['C#', 'ABC# no'],
      ['C#', 'C'],
      ['.NET', 'the net'],
      ['.NET', 'NET'],
      ['C++', 'C+D'],
      ['C++', 'C + +'],
      ['(iykyk)', 'iykyk'],
      ['(iykyk)', '(iykyk'],
      ['(iykyk)', '(#iykyk)'],
      ['(iykyk)', '( iykyk )'],
      ['.NET', 'NET.'],
      ['( iykyk )', 'iykyk']
    ]
  )
})

t.test('every trailing symbol is required, sentence punctuation too', async (t) => {
  expectMatches(
    t,
    [
      ['Yahoo!', 'Yahoo!'],
      ['yay!', 'yay!!!'],
      ['wow?', 'wow?!'],
      ['etc.', 'and so on etc.'],
      ["cats'", "the cats' toys"],
      ['yay', 'yay!']
    ],
    [
      ['Yahoo!', 'Yahoo'],
      ['Yahoo!', 'I use Yahoo.'],
      ['wow?', 'wow'],
      ['etc.', 'etc'],
      ['wow!!!', 'wow!'],
      ["cats'", 'cats']
    ]
  )
})

t.test('symbols between the words are required between them, spaces around them are free', async (t) => {
  expectMatches(
    t,
    [
      ['AT&T', 'AT&T store'],
      ['AT&T', 'AT & T store'],
      ['at & t', 'AT&T'],
      ['R&B', 'R&B music'],
      ['R&B', 'r & b'],
      ['R&B music', 'R&B, music'],
      ['9/11', 'never forget 9/11'],
      ['9/11', '9 / 11'],
      ['3.5', 'version 3.5 is out'],
      ['turtles, or how', 'I like turtles, or how I learned'],
      ['context(iykyk)', 'Post with context(iykyk)'],
      ['a, b, c', 'a, b, c'],
      ['hello #world', 'hello #world']
    ],
    [
      ['AT&T', 'at t'],
      ['AT&T', 'AT T'],
      ['AT&T', 'AT$T'],
      ['R&B', 'r b'],
      ['R&B', 'r-b'],
      ['R&B', 'r&&b'],
      ['9/11', '911'],
      ['9/11', '9 11'],
      ['9/11', '9-11'],
      ['3.5', '35'],
      ['turtles, or how', 'I like turtles or how I learned'],
      ['context(iykyk)', 'context iykyk'],
      ['a, b, c', 'abc'],
      ['hello #world', 'hello world']
    ]
  )
})

t.test('one joining character between words is a spelling, not a required symbol', async (t) => {
  expectMatches(
    t,
    [
      ['super-bad', 'superbad'],
      ['e-mail', 'email'],
      ['AC/DC', 'acdc'],
      ['AC/DC', 'ac dc'],
      ['e/acc', 'e acc'],
      ['super - bad', 'super bad'],
      ["rock'n'roll", 'rock n roll']
    ],
    []
  )
})

t.test('leetspeak symbols are read as letters: the symbol or its letter is required, never the bare word', async (t) => {
  expectMatches(
    t,
    [
      ['$TSLA', '$TSLA to the moon'],
      ['$tsla', 'buy $tsla'],
      ['tsla', '$TSLA to the moon'],
      ['!command', 'a bot !command'],
      ['y!ppee', 'y!ppee!!'],
      ['y!ppee!', 'y!ppee!!'],
      ['@john', 'hi @john']
    ],
    [
      ['$TSLA', 'TSLA to the moon'],
      ['!command', 'a bot command'],
      ['@john', 'hi john']
    ]
  )
})

t.test('a match reports its symbols with its words', async (t) => {
  t.same(matched('C#', 'I write C# at work'), ['C#'])
  t.same(matched('C#', 'I write Ｃ＃'), ['Ｃ＃'])
  t.same(matched('.NET', 'ASP.NET core'), ['.NET'])
  t.same(matched('C++', 'c++ and C'), ['c++'])
  t.same(matched('(iykyk)', 'context(iykyk)!'), ['(iykyk)'])
  t.same(matched('C #', 'C   # there'), ['C   #'])
  t.same(matched('AT&T', 'call AT & T now'), ['AT & T'])
  t.same(matched('yay!', 'yay!!!'), ['yay!'])
  t.same(matched('C#', 'cafe\u0301 C\u0301#'), ['C\u0301#'])
  // the first occurrence with its symbols, not the first of its words
  const matcher = compileKeywordRules([{ id: 'c', value: 'C#', mode: 'word', targets: ['content'] }])
  t.same(matcher.match('vitamin C or C#', 'content'), [{ rule: 0, start: 13, end: 15 }])
})

t.test('keywords with and without symbols share words and keep their own answers', async (t) => {
  const matcher = compileKeywordRules([
    { id: 'c', value: 'C', mode: 'word', targets: ['content'] },
    { id: 'c-sharp', value: 'C#', mode: 'word', targets: ['content'] },
    { id: 'c-plus', value: 'C++', mode: 'word', targets: ['content'] }
  ])
  t.same(matcher.match('vitamin C', 'content').map((match) => match.rule), [0])
  t.same(matcher.match('C# and C++', 'content'), [
    { rule: 0, start: 0, end: 1 },
    { rule: 1, start: 0, end: 2 },
    { rule: 2, start: 7, end: 10 }
  ])
})

t.test('symbols next to a hashtag: only its first word has what precedes it, only its last what follows', async (t) => {
  expectMatches(
    t,
    [
      ['alert!', 'wow #SpoilerAlert!'],
      ['(#spoiler', 'so (#SpoilerAlert)'],
      ['(#iykyk)', 'so (#iykyk) ok'],
      ['C#', 'love #C#']
    ],
    [
      ['spoiler!', 'wow #SpoilerAlert!'],
      ['(alert', 'so (#SpoilerAlert)'],
      ['(spoiler', 'so (#SpoilerAlert)'],
      ['(iykyk)', 'so (#iykyk) ok']
    ]
  )
  t.same(matched('alert!', 'wow #SpoilerAlert! yes'), ['#SpoilerAlert!'])
  expectMatches(
    t,
    [['C#', '#C#'], ['C#', 'C#'], ['spoiler', 'spoiler!'], ['(iykyk)', '(iykyk)'], ['(iykyk)', '#(iykyk)']],
    [['C#', 'C'], ['C#', '#C'], ['(iykyk)', 'iykyk)']],
    { kind: 'hashtag' }
  )
})

t.test('symbols in author names, and keywords that target hashtags', async (t) => {
  const author = { kind: 'author', targets: ['author'] } as const
  expectMatches(t, [['C#', 'C# Guru'], ['.NET', 'the.NET.dev']], [['C#', 'C Guru'], ['C#', 'CSharpGuru']], author)
  expectMatches(t, [['C#', 'learn #C#']], [['C#', 'learn C#']], { targets: ['hashtags'] })
})

t.test('substring, #tag and symbol-only keywords keep their meaning', async (t) => {
  expectMatches(t, [['C#', 'abc#'], ['c#', 'C# x']], [['C#', 'vitamin C']], { mode: 'substring' })
  expectMatches(t, [['#csharp', '#CSharp'], ['#C#', '#C']], [['#csharp', 'csharp']])
  expectMatches(t, [[':)', 'So happy :)'], ['++', 'C++']], [[':)', 'So happy']])
})
