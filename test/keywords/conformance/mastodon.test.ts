/**
 * Mastodon's own custom-filter cases, each run through feedguard's HTTP API with Mastodon's expectation.
 *
 * Sources (mastodon/mastodon):
 * - spec/models/custom_filter_keyword_spec.rb: `#to_regex` for whole-word and other keywords, and the keyword's
 *   validations. Mastodon checks the regex it builds; here each regex is applied to texts it does and does not
 *   match, and feedguard must answer the same: a whole-word keyword is feedguard's `word` mode, any other its
 *   `substring` mode (Mastodon's regexes ignore case, as feedguard does);
 * - spec/models/custom_filter_spec.rb: the filter's context validations (feedguard's `surfaces`) and, through
 *   spec/support/examples/models/concerns/expireable.rb, when a filter has expired (feedguard's `expiresAt`).
 *   A filter's title and `expires_in` (a form helper) have no counterpart.
 * Where feedguard answers otherwise on purpose, the last test says what and why.
 */
import t from 'tap'
import { mutedWords, type KeywordRule } from './muted-words.js'

const wholeWord = (keyword: string): KeywordRule => ({ value: keyword, mode: 'word' })
const anywhere = (keyword: string): KeywordRule => ({ value: keyword, mode: 'substring' })

t.test("Mastodon's CustomFilterKeyword#to_regex, applied", async (t) => {
  const service = await mutedWords(t)
  /** [Mastodon's `it` title, the keyword, what its regex matches, what it does not] */
  const cases: ReadonlyArray<readonly [string, KeywordRule, string[], string[]]> = [
    // /\btest\b/i
    ['builds a regex with boundaries and the keyword', wholeWord('test'), ['this is a test', 'TEST!', 'a test-run'], ['testing', 'contest', 'attest it']],
    // /\btest\#/i: the `#` is part of the keyword (issue 18: it was dropped, and "just a test" matched)
    [
      'builds a regex with starting boundary and the keyword when end with non-word',
      wholeWord('test#'),
      ['run test# now', 'TEST#1'],
      ['just a test', 'contest# here', 'test #1']
    ],
    // /\#test\b/i: feedguard reads a keyword starting with # as a hashtag
    ['builds a regex with end boundary and the keyword when start with non-word', wholeWord('#test'), ['#test', 'a #TEST here'], ['test', '#testing']],
    // /test/i
    ['builds a regex with the keyword', anywhere('test'), ['contests', 'TESTING', 'test'], ['tset', 't e s']]
  ]
  for (const [title, keyword, matching, notMatching] of cases) {
    t.test(title, async (t) => {
      for (const text of matching) t.equal(await service.muted([keyword], { text }), true, `${keyword.value} hides ${JSON.stringify(text)}`)
      for (const text of notMatching) t.equal(await service.muted([keyword], { text }), false, `${keyword.value} leaves ${JSON.stringify(text)}`)
    })
  }
})

t.test("Mastodon's CustomFilterKeyword validations", async (t) => {
  const service = await mutedWords(t)
  const empty = await service.store([{ value: '' }])
  t.equal(empty.statusCode, 400, 'validate_presence_of(:keyword)')
  t.equal(empty.body.code, 'FG_VALIDATION')
  t.equal((await service.store([{ value: 'x'.repeat(100) }])).statusCode, 200, 'validate_length_of(:keyword): a keyword up to the limit is kept')
  const long = await service.store([{ value: 'x'.repeat(101) }])
  t.equal(long.statusCode, 400, 'validate_length_of(:keyword).is_at_most(the limit): over it, refused')
  t.equal(long.body.code, 'FG_LIMIT_EXCEEDED')
})

t.test("Mastodon's CustomFilter validations: contexts are feedguard's surfaces", async (t) => {
  const service = await mutedWords(t)
  t.equal((await service.store([{ value: 'spoiler', surfaces: ['for_you'] }])).statusCode, 200, 'allow_values(%w(home)).for(:context)')
  t.equal((await service.store([{ value: 'spoiler', surfaces: [] }])).statusCode, 400, 'not allow_values([]).for(:context)')
  t.equal((await service.store([{ value: 'spoiler', surfaces: ['invalid'] }])).statusCode, 400, 'not allow_values(%w(invalid)).for(:context)')
  // a filter applies in its contexts only
  const inFollowing: KeywordRule[] = [{ value: 'spoiler', surfaces: ['following'] }]
  t.equal(await service.muted(inFollowing, { text: 'a spoiler' }, { surface: 'following' }), true, 'a filter applies in its context')
  t.equal(await service.muted(inFollowing, { text: 'a spoiler' }, { surface: 'for_you' }), false, 'and nowhere else')
})

t.test("Mastodon's Expireable#expired?, applied", async (t) => {
  const service = await mutedWords(t)
  const day = 24 * 3600 * 1000
  const until = (offset: number | null) => [{ value: 'spoiler', expiresAt: offset === null ? null : new Date(Date.now() + offset).toISOString() }]
  t.equal(await service.muted(until(null), { text: 'a spoiler' }), true, 'when expires_at is nil: not expired')
  t.equal(await service.muted(until(-5 * day), { text: 'a spoiler' }), false, 'when expires_at is in the past: expired')
  t.equal(await service.muted(until(5 * day), { text: 'a spoiler' }), true, 'when expires_at is in the future: not expired')
})

t.test('where feedguard answers otherwise than Mastodon, on purpose', async (t) => {
  const service = await mutedWords(t)
  // Mastodon's \btest\b misses plurals; feedguard matches simple inflections of a keyword.
  t.equal(await service.muted([wholeWord('test')], { text: 'two tests' }), true, 'plurals: test hides "tests"')
  // Mastodon's \#test\b matches "#test" anywhere, "foo#test" too, and not "#tests"; feedguard's #test is the
  // hashtag test, in the text or in the item's hashtags, with its inflections.
  t.equal(await service.muted([wholeWord('#test')], { text: 'foo#test' }), false, '#test is a hashtag: "foo#test" has none')
  t.equal(await service.muted([wholeWord('#test')], { text: 'no tag', hashtags: ['tests'] }), true, '#test hides the hashtag #tests')
  // Mastodon's regexes see the text as written; feedguard folds accents, homoglyphs and leetspeak.
  t.equal(await service.muted([wholeWord('test')], { text: 'a 7es7' }), true, 'leetspeak: test hides "7es7"')
  t.equal(await service.muted([wholeWord('cafe')], { text: 'un café' }), true, 'accents: cafe hides "café"')
  // Mastodon normalises a context list (blank entries dropped, spaces stripped); feedguard names the bad entry.
  const blank = await service.store([{ value: 'spoiler', surfaces: ['for_you', ''] }])
  t.equal(blank.statusCode, 400, 'a blank surface is an error, not dropped')
  // Mastodon allows keywords of 512 characters; feedguard's limit is 100 (configurable).
})
