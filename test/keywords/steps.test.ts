import t from 'tap'
import { compileKeywordRules, type KeywordMatcher, type KeywordMatchSteps, type KeywordRuleInput } from '../../src/keywords/matcher.js'

const rule = (value: string, index: number, mode: 'word' | 'substring' = 'word'): KeywordRuleInput => ({ id: `k${index}`, value, mode, targets: ['content'] })

/** Steps until done, each with a deadline long past (a step per few atoms); how many steps that took. */
function runSteps(steps: KeywordMatchSteps): number {
  let count = 1
  while (!steps.step(-Infinity)) count++
  return count
}

// phrases the text follows 40 words deep without matching, and two that match near its end
const phrases = Array.from({ length: 200 }, (_, index) => 'a b '.repeat(1 + (index % 20)) + 'x' + index)
const text = 'a b '.repeat(2_000) + 'x7 a b s p o i l e r x'

t.test('matching in steps gives match()’s result, however many steps it takes', async (t) => {
  const matcher = compileKeywordRules([...phrases, 'spoiler', 'b s'].map((value, index) => rule(value, index)))
  const steps = matcher.matchInSteps(text, 'content')
  t.ok(runSteps(steps) > 100, 'many steps')
  t.same(steps.matches, matcher.match(text, 'content'))
  t.same(
    steps.matches.map(({ rule }) => rule),
    [7, 200, 201]
  )
  t.equal(steps.step(-Infinity), true, 'done stays done')
  t.same(steps.matches, matcher.match(text, 'content'))
})

t.test('other fields matched with the same matcher between two steps change neither result', async (t) => {
  const matcher = compileKeywordRules([...phrases, 'spoiler'].map((value, index) => rule(value, index)))
  const steps = matcher.matchInSteps(text, 'content')
  t.equal(steps.step(-Infinity), false)
  t.same(matcher.match('a b x0 and a spoiler', 'content'), [
    { rule: 0, start: 0, end: 6 },
    { rule: 200, start: 13, end: 20 }
  ])
  runSteps(steps)
  t.same(steps.matches, matcher.match(text, 'content'))
})

t.test('fields with nothing to walk are matched in one step', async (t) => {
  const cases: Array<[string, KeywordMatcher]> = [
    ['rules for other fields', compileKeywordRules([{ ...rule('spoiler', 0), targets: ['author'] }])],
    ['substring rules only', compileKeywordRules([rule('oil', 0, 'substring')])],
    ['an empty text', compileKeywordRules([rule('spoiler', 0)])]
  ]
  for (const [name, matcher] of cases) {
    const field = name === 'an empty text' ? '' : text
    const steps = matcher.matchInSteps(field, 'content')
    t.equal(steps.step(-Infinity), true, name)
    t.same(steps.matches, matcher.match(field, 'content'), name)
  }
})
