import t from 'tap'
import { analysisCacheSize, compileKeywordRules } from '../../src/keywords/matcher.js'
import { prepareTexts } from '../../src/scoring/long-texts.js'

const matcher = compileKeywordRules([{ id: 'r', value: 'spoiler', mode: 'word', targets: ['content'] }])
const unique = `${process.pid}x${Date.now()}`

t.test('prepareTexts analyses the shorter texts of every item, leaving long ones to their stepped match', async (t) => {
  const before = analysisCacheSize()
  const items = [
    { id: 'a', text: `a caption ${unique}`, overlayText: `on screen ${unique}`, transcript: `${unique} ${'said '.repeat(2_000)}` },
    { id: 'b', text: `another caption ${unique}` }
  ]
  await prepareTexts(items, matcher, performance.now())
  t.equal(analysisCacheSize() - before, 3, 'two captions and an on-screen text; not the 10,000-character transcript')
})

t.test('prepareTexts lets other work run once its slice is used up', async (t) => {
  let ran = false
  setImmediate(() => (ran = true))
  // a slice that started long ago: used up before the first item
  await prepareTexts([{ id: 'c', text: `late ${unique}` }], matcher, performance.now() - 1_000)
  t.ok(ran, 'an immediate queued before ran before the texts were analysed')
})
