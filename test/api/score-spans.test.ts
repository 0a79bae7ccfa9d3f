import t from 'tap'
import { ScoreResponseSchema } from '../../src/api/schemas/score.js'
import { build } from '../helpers/app.js'

type Span = { field: string; start: number; end: number }
type Reason = { type: string; category?: string; source?: string; spans?: Span[] }
type Item = { id: string; text?: string; overlayText?: string; transcript?: string; labels?: Array<{ name: string; score?: number }> }

async function scored(app: Awaited<ReturnType<typeof build>>, userId: string, items: Item[], explain?: boolean) {
  const res = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId, items, ...(explain === undefined ? {} : { explain }) } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(ScoreResponseSchema.safeParse(body).success, 'the answer matches its schema')
  return body.decisions as Array<{ id: string; action: string; reasons: Reason[] }>
}

const modelReason = (reasons: Reason[], category: string) => reasons.find((r) => r.type === 'category' && r.category === category && r.source?.startsWith('model:'))

/** What the spans of a reason cover in the item. */
const covered = (item: Item, reason: Reason) => reason.spans!.map((s) => (item[s.field as 'text'] as string).slice(s.start, s.end))

t.test('a model reason carries the spans of the words behind it, as UTF-16 offsets into the original field', async (t) => {
  const app = await build(t)
  const rules = await app.inject({ method: 'PUT', url: '/v1/users/strict-user/rules', payload: { sensitivity: 'strict' } })
  t.equal(rules.statusCode, 200)
  // emoji (two UTF-16 units), accents (one composed, one combining), full-width letters and leetspeak before the insult
  const caption = '😀 Crème bru\u0302lée ＦＵＬＬ Y0U are a stupid idiot'
  const items: Item[] = [{ id: 'insult', text: caption }]
  const [decision] = await scored(app, 'strict-user', items)
  const insult = modelReason(decision!.reasons, 'insult')
  t.ok(insult, 'at strict sensitivity the insult head fires')
  t.ok(insult!.spans!.length > 0 && insult!.spans!.length <= 4)
  const words = covered(items[0]!, insult!)
  t.match(words[0], /idiot/, `the most influential span covers the insult: ${JSON.stringify(words)}`)
  const first = insult!.spans![0]!
  t.equal(first.field, 'text')
  t.equal(caption.slice(first.end - 'idiot'.length, first.end), 'idiot', 'the span ends where the word ends in the original string')
  for (const span of insult!.spans!) t.ok(span.start >= 0 && span.start < span.end && span.end <= caption.length)
  t.ok(modelReason(decision!.reasons, 'toxicity')!.spans!.length > 0, 'every model reason is explained')
})

t.test('spans name the field: on-screen text and transcript offsets are into those fields', async (t) => {
  const app = await build(t)
  const items: Item[] = [
    { id: 'spoken', text: 'our trip to the lake 🏞️', overlayText: 'day 3', transcript: 'and then he said you are such a worthless idiot' },
    { id: 'written', overlayText: 'Ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ' }
  ]
  const decisions = await scored(app, 'u-fields', items)
  const spoken = modelReason(decisions[0]!.reasons, 'toxicity')!
  t.ok(spoken.spans!.every((s) => s.field === 'transcript'), JSON.stringify(spoken.spans))
  t.match(covered(items[0]!, spoken).join(' '), /idiot/)
  const written = modelReason(decisions[1]!.reasons, 'toxicity')!
  t.same(written.spans![0], { field: 'overlayText', start: 11, end: 16 })
  t.equal(items[1]!.overlayText!.slice(11, 16), 'ｉｄｉｏｔ')
})

t.test('no spans without explain, on label reasons, or for harmless text', async (t) => {
  const app = await build(t)
  const items: Item[] = [
    { id: 'insult', text: 'you are an idiot' },
    { id: 'label', text: 'a calm video about sand', labels: [{ name: 'nudity', score: 0.97 }] },
    { id: 'fine', text: 'Sunday pancakes with the family' }
  ]
  const quiet = await scored(app, 'u-quiet', items, false)
  t.ok(quiet[0]!.reasons.length > 0)
  t.ok(quiet[0]!.reasons.every((r) => r.spans === undefined), 'explain: false gives no spans')
  const explained = await scored(app, 'u-quiet', items)
  t.ok(modelReason(explained[0]!.reasons, 'toxicity')!.spans!.length > 0)
  t.match(explained[1]!.reasons, [{ type: 'category', source: 'label:nudity' }])
  t.notOk('spans' in explained[1]!.reasons[0]!, 'a label reason has no spans')
  t.same(explained[2]!.reasons, [])
})
