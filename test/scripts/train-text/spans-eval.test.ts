import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { SPAN_OPTIONS } from '../../../src/text/spans.js'
import { TextClassifier } from '../../../src/text/text-classifier.js'
import { hashSplit } from '../../../scripts/train-text/datasets.js'
import { evaluateSpans, explainPosts, loadSpanPosts, meanF1, OPTION_GRID, postF1 } from '../../../scripts/train-text/spans-eval.js'
import { textModelPath } from '../../helpers/text-model.js'

const classifier = await TextClassifier.create({ model: textModelPath })
t.teardown(() => classifier.release())

/** A Toxic Spans folder: per post, its text, and per annotator, whether they marked it not toxic and their spans. */
function fixture(posts: Array<{ text: string; annotators: Array<{ notToxic?: boolean; spans?: Array<[number, number]> }> }>): string {
  const root = mkdtempSync(join(tmpdir(), 'fg-spans-eval-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'toxic_spans'))
  const comments: string[] = []
  const annotations: string[] = []
  const spans: string[] = []
  posts.forEach((post, p) => {
    comments.push(`${100 + p},"${post.text.replaceAll('"', '""')}"`)
    post.annotators.forEach((annotator, k) => {
      const id = annotations.length
      annotations.push(`${id},${100 + p},${k},USA,False,${annotator.notToxic ? 'True' : 'False'}`)
      for (const [start, end] of annotator.spans ?? []) spans.push(`${id},Insult,${start},${end}`)
    })
  })
  spans.push('9999,Insult,0,3')
  const write = (file: string, header: string, rows: string[]) => writeFileSync(join(root, 'toxic_spans', file), `${header}\n${rows.join('\n')}\n`)
  write('comments.csv', 'comment_id,comment_text', comments)
  write('annotations.csv', 'annotation,comment_id,worker,country,all toxic,not toxic', annotations)
  write('spans.csv', 'annotation,type,start,end', spans)
  return root
}

t.test('gold characters: those a majority of the annotators marked; posts most found not toxic are left out', async (t) => {
  const dir = fixture([
    { text: 'you are an idiot', annotators: [{ spans: [[11, 16]] }, { spans: [[8, 16]] }, { spans: [] }] },
    { text: 'have a nice day', annotators: [{ notToxic: true }, { notToxic: true }, { spans: [[0, 4]] }] },
    { text: 'what a "stupid" take', annotators: [{ spans: [[8, 14]] }, { spans: [] }] }
  ])
  const posts = loadSpanPosts(dir)
  t.same(
    posts.map((p) => [p.text, [...p.gold].sort((a, b) => a - b)]),
    [
      ['you are an idiot', [11, 12, 13, 14, 15]],
      ['what a "stupid" take', []]
    ]
  )
  t.equal(posts[0]!.split, hashSplit('you are an idiot'))
})

t.test('per-post F1 as SemEval-2021 Task 5 defines it', async (t) => {
  t.equal(postF1(new Set(), new Set()), 1)
  t.equal(postF1(new Set([1]), new Set()), 0)
  t.equal(postF1(new Set(), new Set([1])), 0)
  t.equal(postF1(new Set([5, 6]), new Set([1, 2])), 0)
  t.equal(postF1(new Set([1, 2, 3, 4]), new Set([3, 4])), 2 / 3)
})

t.test('the evaluation: options chosen on training posts, the figure on held-out ones', async (t) => {
  const insults = ['idiot', 'moron', 'loser', 'clown', 'imbecile', 'fool', 'jerk', 'creep']
  const posts = insults.flatMap((word, i) =>
    [`you are such a ${word}`, `what a ${word} you are, number ${i}`, `shut up ${word}`].map((text) => ({
      text,
      annotators: [0, 1, 2].map(() => ({ spans: [[text.indexOf(word), text.indexOf(word) + word.length] as [number, number]] }))
    }))
  )
  const loaded = loadSpanPosts(fixture(posts))
  const held = loaded.filter((p) => p.split === 'test')
  t.ok(held.length > 0 && loaded.some((p) => p.split === 'train'), 'both splits present')
  const result = await evaluateSpans(classifier, loaded, SPAN_OPTIONS, 0.5, 10)
  t.equal(result.posts, held.length)
  t.equal(result.emptyGold, 0)
  t.ok(result.trainPosts > 0 && result.trainPosts <= 10)
  t.ok(result.f1EveryPost > 0.5, `the insult is found: F1 ${result.f1EveryPost}`)
  t.ok(result.f1 <= result.f1EveryPost)
  t.ok(OPTION_GRID.some((o) => o.maxWords === result.bestOnTrain.maxWords && o.minShare === result.bestOnTrain.minShare))
  const explained = await explainPosts(classifier, held, 2)
  t.equal(Math.round(meanF1(explained, SPAN_OPTIONS, 0) * 10000) / 10000, result.f1EveryPost, 'whatever the batch size')
  t.equal(meanF1(explained, SPAN_OPTIONS, 2), 0, 'above any score, nothing is predicted')
  t.equal(meanF1([], SPAN_OPTIONS, 0), 0)
})
