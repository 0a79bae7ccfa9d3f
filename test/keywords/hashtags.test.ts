import t from 'tap'
import { compileKeywordRules } from '../../src/keywords/matcher.js'
import { expectMatches, matched } from './keyword-matches.js'

t.test('an inline hashtag is read as its camelCase words and as one word', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 'caption text #SpoilerAlert'],
      ['alert', 'caption text #SpoilerAlert'],
      ['spoiler alert', '#SpoilerAlert'],
      ['spoileralert', '#SpoilerAlert'],
      ['spoiler alert', '#spoiler_alert'],
      ['spoileralert', '#spoiler_alert'],
      ['spoileralert', '#BestSpoilerAlert'],
      ['spoiler', '#spoilers'],
      ['spoiler', '#SpoilersAhead'],
      ['season 2', '#Season2'],
      ['season 2', '#season2'],
      ['season', '#season2finale'],
      ['html parser', '#HTMLParser'],
      ['spoileralert', '#spoileralert'],
      ['spoiler', 'no space#spoiler? ok #spoiler'],
      ['東京', '#東京タワー'],
      ['cat', '＃cats']
    ],
    [
      ['spoiler', '#spoileralert'],
      ['spoiler alert', '#spoileralert'],
      ['alert', '#spoileralert'],
      ['spoiler', '#spoilerish']
    ]
  )
})

t.test('a match inside an inline hashtag reports the whole hashtag', async (t) => {
  const matcher = compileKeywordRules([{ id: 'a', value: 'spoiler', mode: 'word', targets: ['content', 'hashtags'] }])
  t.same(matcher.match('caption text #SpoilerAlert', 'content'), [{ rule: 0, start: 13, end: 26 }])
  t.same(matched('alert', 'wow #SpoilerAlert!'), ['#SpoilerAlert'])
  t.same(matched('spoiler alert', 'a spoiler #alert now'), ['spoiler #alert'])
  t.same(matched('alert spoiler', '#SpoilerAlert spoiler'), ['#SpoilerAlert spoiler'])
  t.same(matched('spoil', '#spoiler', { mode: 'substring' }), ['#spoiler'])
  t.same(matched('er #al', 'spoiler #alert', { mode: 'substring' }), ['er #alert'])
})

t.test('a hashtags[] entry, with or without #', async (t) => {
  expectMatches(
    t,
    [
      ['spoiler', 'SpoilerAlert'],
      ['spoiler', '#SpoilerAlert'],
      ['spoiler alert', 'SpoilerAlert'],
      ['spoileralert', 'SpoilerAlert'],
      ['spoileralert', 'spoileralert'],
      ['spoiler', ' spoiler_alert '],
      ['spoiler', 'spoilers']
    ],
    [
      ['spoiler', 'spoileralert'],
      ['spoiler', '#'],
      ['spoiler', '']
    ],
    { kind: 'hashtag' }
  )
  t.same(matched('alert', ' #SpoilerAlert ', { kind: 'hashtag' }), ['#SpoilerAlert'])
})

t.test('a #keyword matches whole hashtags only, with simple inflections', async (t) => {
  expectMatches(
    t,
    [
      ['#spoiler', 'no #spoiler please'],
      ['#spoiler', 'no #spoilers please'],
      ['#spoiler', '#SPOILER'],
      ['#spoiler', '#sp0iler'],
      ['#spoiler', '#spoooooiler'],
      ['#SpoilerAlert', '#spoiler_alert'],
      ['#spoiler-alert', '#SpoilerAlert'],
      ['#spoiler alert', '#spoileralert'],
      ['＃spoiler', '#spoiler'],
      ['  #spoiler', '#spoiler'],
      ['##spoiler', '#spoiler'],
      ['#東京', '#東京'],
      ['#covid19', '#COVID19']
    ],
    [
      ['#spoiler', 'spoiler'],
      ['#spoiler', 'spoilers ahead'],
      ['#spoiler', '#SpoilerAlert'],
      ['#spoiler', '#nospoiler'],
      ['#東京', '#東京タワー'],
      ['#', '#spoiler'],
      ['#!!', '#spoiler']
    ]
  )
  expectMatches(t, [['#spoiler', 'Spoilers'], ['#spoiler', '#spoiler']], [['#spoiler', 'SpoilerAlert']], { kind: 'hashtag' })
  t.same(matched('#spoiler', 'a #Spoilers b'), ['#Spoilers'])
})

t.test('a #keyword targets hashtags whatever its targets say', async (t) => {
  expectMatches(t, [['#spoiler', '#spoiler']], [], { targets: ['content'] })
  expectMatches(t, [['#spoiler', '#spoiler']], [], { targets: ['author'] })
  expectMatches(t, [['#spoiler', 'spoiler']], [], { targets: ['author'], kind: 'hashtag' })
  expectMatches(t, [], [['#spoiler', 'spoiler']], { kind: 'author', targets: ['author'] })
})

t.test('a #keyword in substring mode matches inside hashtags only', async (t) => {
  expectMatches(
    t,
    [
      ['#spoil', 'no #spoilers'],
      ['#spoil', '#NoSpoilers'],
      ['#spoil', '#nospoilers']
    ],
    [
      ['#spoil', 'spoilers'],
      ['#', '#spoilers']
    ],
    { mode: 'substring' }
  )
  expectMatches(t, [['#spoil', 'nospoilers']], [], { mode: 'substring', kind: 'hashtag' })
})

t.test('targets decide which fields a rule matches', async (t) => {
  const rules = compileKeywordRules([
    { id: 'content', value: 'spoiler', mode: 'word', targets: ['content'] },
    { id: 'tags', value: 'spoiler', mode: 'word', targets: ['hashtags'] },
    { id: 'author', value: 'spoiler', mode: 'word', targets: ['author'] },
    { id: 'tags-substring', value: 'spoil', mode: 'substring', targets: ['hashtags'] },
    { id: 'tags-cjk', value: '東京', mode: 'word', targets: ['hashtags'] }
  ])
  const rulesMatching = (text: string, kind: 'content' | 'hashtag' | 'author'): number[] =>
    rules.match(text, kind).map((match) => match.rule)
  t.same(rulesMatching('a spoiler here', 'content'), [0])
  t.same(rulesMatching('a #spoiler here', 'content'), [0, 1, 3])
  t.same(rulesMatching('a spoiler #alert', 'content'), [0])
  t.same(rulesMatching('a#spoiler', 'content'), [0])
  t.same(rulesMatching('#spoiler', 'hashtag'), [1, 3])
  t.same(rulesMatching('spoiler', 'hashtag'), [1, 3])
  t.same(rulesMatching('spoiler', 'author'), [2])
  t.same(rulesMatching('東京 #東京', 'content'), [4])
  t.same(rules.match('東京 #東京', 'content'), [{ rule: 4, start: 3, end: 6 }])
  t.same(rulesMatching('東京', 'content'), [])
})

t.test('rules that target no field of a kind cost nothing there', async (t) => {
  const contentOnly = compileKeywordRules([{ id: 'a', value: 'spoiler', mode: 'word', targets: ['content'] }])
  t.same(contentOnly.match('spoiler', 'author'), [])
  t.same(contentOnly.match('spoiler', 'hashtag'), [])
  t.same(contentOnly.match('spoiler', 'content'), [{ rule: 0, start: 0, end: 7 }])
})

t.test('author handles and names are split on _ . digits and camelCase', async (t) => {
  const author = { kind: 'author', targets: ['author'] } as const
  expectMatches(
    t,
    [
      ['spoiler', 'spoiler_king99'],
      ['king', 'spoiler_king99'],
      ['spoiler king', 'spoiler_king99'],
      ['spoilerking', 'spoiler_king99'],
      ['king99', 'spoiler_king99'],
      ['spoiler', 'SpoilerKing'],
      ['spoiler', 'the.spoiler.guy'],
      ['spoiler', '@spoiler99'],
      ['spoiler', 'Spoiler King 🎬'],
      ['spoiler', 'sp0iler_king'],
      ['king', 'spoiler2king'],
      ["don't stop", "Don'tStop"],
      ['किताब', 'किताबWala']
    ],
    [
      ['spoil', 'spoiler_king99'],
      ['king9', 'spoiler_king99'],
      ['spoiler', 'spoilerking']
    ],
    author
  )
  t.same(matched('king', 'spoiler_king99', author), ['king'])
  t.same(matched('spoiler king', 'SpoilerKing99', author), ['SpoilerKing'])
})

t.test('leetspeak inside a camelCase hashtag', async (t) => {
  expectMatches(t, [['spoiler', '#Sp0ilerAlert'], ['spoiler alert', '#Sp0ilerAlert']], [['iler', '#spoilerAlert']])
})
