import t from 'tap'
import { build } from '../helpers/app.js'

// Long texts (10,000 characters and more) are matched in steps before the item is decided: the reasons must be
// those of any other text, each rule reported once, for the first field it matches in.
const filler = 'nothing to see here, just a very long transcript of a cooking video. '
const long = (ending: string) => filler.repeat(Math.ceil(12_000 / filler.length)) + ending

t.test('keyword reasons from long texts: the first field a rule matches in, with offsets into it', async (t) => {
  const app = await build(t, { IMAGE_THREADS: '0' })
  const put = await app.inject({ method: 'PUT', url: '/v1/users/u1/rules', payload: { keywords: [{ value: 'spoiler' }, { value: 'ending' }] } })
  t.equal(put.statusCode, 200)
  const same = long('the spoiler is here')
  const other = long('what a twist ending')
  const res = await app.inject({
    method: 'POST',
    url: '/v1/score',
    payload: {
      userId: 'u1',
      explain: true,
      items: [
        { id: 'twice', text: same, transcript: same },
        { id: 'apart', text: 'short caption', overlayText: other, transcript: same }
      ]
    }
  })
  t.equal(res.statusCode, 200)
  const keywordReasons = (id: string) =>
    res
      .json()
      .decisions.find((decision: { id: string }) => decision.id === id)
      .reasons.filter((reason: { type: string }) => reason.type === 'keyword')
      .map(({ field, match, start, end }: Record<string, unknown>) => ({ field, match, start, end }))
  const at = same.indexOf('spoiler')
  t.same(keywordReasons('twice'), [{ field: 'text', match: 'spoiler', start: at, end: at + 7 }])
  const endingAt = other.indexOf('ending')
  t.same(keywordReasons('apart'), [
    { field: 'overlayText', match: 'ending', start: endingAt, end: endingAt + 6 },
    { field: 'transcript', match: 'spoiler', start: at, end: at + 7 }
  ])
})
