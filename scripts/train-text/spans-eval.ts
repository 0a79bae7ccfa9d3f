/**
 * How well the text model's spans (src/text/spans.ts) find the words people mark as toxic: character-level F1 on
 * Toxic Spans, as in SemEval-2021 Task 5 — per post, F1 of the predicted against the gold character offsets,
 * averaged over posts; a post with no gold characters scores 1 when nothing is predicted, else 0.
 *
 * Posts: the toxic ones (not marked "not toxic" by a majority of their annotators), gold characters: those a
 * majority of the post's annotators put in a span. The span options are chosen on the training split, the figure
 * is reported on the held-out split (the loaders' hash split, so no post the model was trained on counts).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packFeatures } from '../../src/text/featurize.js'
import { TEXT_HEADS } from '../../src/text/heads.js'
import { locateFeatures, pickSpans, wordInfluence, type LocatedFeatures, type SpanOptions } from '../../src/text/spans.js'
import type { TextClassifier } from '../../src/text/text-classifier.js'
import { cell, columns, parseCsv } from './csv.js'
import { hashSplit, type Split } from './datasets.js'

export interface SpanPost {
  text: string
  split: Split
  /** Character offsets a majority of annotators marked. */
  gold: ReadonlySet<number>
}

/** The toxic posts of Toxic Spans with their majority-vote gold characters. */
export function loadSpanPosts(dataDir: string): SpanPost[] {
  const read = (file: string) => parseCsv(readFileSync(join(dataDir, 'toxic_spans', file), 'utf8'))
  const [annHeader, ...annRows] = read('annotations.csv')
  const a = columns(annHeader, ['annotation', 'comment_id', 'not toxic'], 'annotations.csv')
  const posts = new Map<string, { annotators: number; notToxic: number; marks: Map<number, Set<string>> }>()
  const postOf = new Map<string, string>()
  for (const row of annRows) {
    const id = cell(row, a.comment_id)
    const post = posts.get(id) ?? { annotators: 0, notToxic: 0, marks: new Map() }
    post.annotators++
    if (cell(row, a['not toxic']) === 'True') post.notToxic++
    posts.set(id, post)
    postOf.set(cell(row, a.annotation), id)
  }
  const [spanHeader, ...spanRows] = read('spans.csv')
  const s = columns(spanHeader, ['annotation', 'start', 'end'], 'spans.csv')
  for (const row of spanRows) {
    const annotation = cell(row, s.annotation)
    const post = posts.get(postOf.get(annotation) ?? '')
    if (!post) continue
    for (let c = Number(cell(row, s.start)); c < Number(cell(row, s.end)); c++) {
      const by = post.marks.get(c) ?? new Set<string>()
      by.add(annotation)
      post.marks.set(c, by)
    }
  }
  const [header, ...rows] = read('comments.csv')
  const at = columns(header, ['comment_id', 'comment_text'], 'comments.csv')
  const out: SpanPost[] = []
  for (const row of rows) {
    const post = posts.get(cell(row, at.comment_id))
    if (!post || post.notToxic * 2 > post.annotators) continue
    const text = cell(row, at.comment_text)
    const gold = new Set([...post.marks].filter(([, by]) => by.size * 2 > post.annotators).map(([c]) => c))
    out.push({ text, split: hashSplit(text), gold })
  }
  return out
}

/** SemEval-2021 Task 5's per-post F1. */
export function postF1(predicted: ReadonlySet<number>, gold: ReadonlySet<number>): number {
  if (gold.size === 0) return predicted.size === 0 ? 1 : 0
  let both = 0
  for (const c of predicted) if (gold.has(c)) both++
  return both === 0 ? 0 : (2 * both) / (predicted.size + gold.size)
}

/** A post as the model explains it: its words and each word's share of the `toxicity` logit, and its score. */
export interface ExplainedPost {
  post: SpanPost
  located: LocatedFeatures
  influence: Float64Array
  score: number
}

/** Scores and explains posts on `toxicity`, in batches of `batch`. */
export async function explainPosts(classifier: TextClassifier, posts: readonly SpanPost[], batch = 64): Promise<ExplainedPost[]> {
  const head = TEXT_HEADS.indexOf('toxicity')
  const heads = TEXT_HEADS.length
  const out: ExplainedPost[] = []
  for (let from = 0; from < posts.length; from += batch) {
    const slice = posts.slice(from, from + batch)
    const located = slice.map((p) => locateFeatures(p.text))
    const features = packFeatures(located)
    const [terms, scores] = await Promise.all([classifier.runContributions(features), classifier.runFeatures(features)])
    const rowSize = features.width * heads
    slice.forEach((post, r) => {
      const influence = wordInfluence(located[r]!, terms.subarray(r * rowSize, (r + 1) * rowSize), heads, head)
      out.push({ post, located: located[r]!, influence, score: scores[r]![head]! })
    })
  }
  return out
}

/**
 * Mean per-post F1 of the spans picked with `options`; spans are predicted only for posts scoring at least
 * `threshold` (as served: only a reason that fired carries spans; 0 predicts for every post).
 */
export function meanF1(explained: readonly ExplainedPost[], options: SpanOptions, threshold: number): number {
  let sum = 0
  for (const { post, located, influence, score } of explained) {
    const predicted = new Set<number>()
    if (score >= threshold) {
      for (const { start, end } of pickSpans(located.words, influence, options)) for (let c = start; c < end; c++) predicted.add(c)
    }
    sum += postF1(predicted, post.gold)
  }
  return explained.length === 0 ? 0 : sum / explained.length
}

/** The span options tried on the training split. */
export const OPTION_GRID: readonly SpanOptions[] = [1, 2, 3, 4, 6].flatMap((maxWords) => [0.1, 0.2, 0.3, 0.5, 0.7].map((minShare) => ({ maxWords, minShare })))

export interface SpansEvaluation {
  dataset: 'toxic_spans'
  /** Held-out (test split) toxic posts the figure is over. */
  posts: number
  /** Posts with no gold characters among them. */
  emptyGold: number
  /** The `toxicity` threshold (standard sensitivity's blurAt) under which a post gets no spans, as served. */
  threshold: number
  /** Span options in use (SPAN_OPTIONS) and the F1 with them: as served, and with spans predicted for every post. */
  options: SpanOptions
  f1: number
  f1EveryPost: number
  /** Best options on the training split (a sample of `trainPosts`, spans for every post) and its F1 there: for choosing SPAN_OPTIONS. */
  trainPosts: number
  bestOnTrain: SpanOptions & { f1: number }
}

/** Runs the evaluation: the grid on (up to `trainSample`) training posts, the figure on the held-out ones. */
export async function evaluateSpans(
  classifier: TextClassifier,
  posts: readonly SpanPost[],
  options: SpanOptions,
  threshold: number,
  trainSample = 3000
): Promise<SpansEvaluation> {
  const test = await explainPosts(
    classifier,
    posts.filter((p) => p.split === 'test')
  )
  const train = await explainPosts(classifier, posts.filter((p) => p.split === 'train').slice(0, trainSample))
  let best = { ...OPTION_GRID[0]!, f1: -1 }
  for (const candidate of OPTION_GRID) {
    // chosen on span quality alone: spans predicted for every post, whatever its score
    const f1 = meanF1(train, candidate, 0)
    if (f1 > best.f1) best = { ...candidate, f1: round(f1) }
  }
  return {
    dataset: 'toxic_spans',
    posts: test.length,
    emptyGold: test.filter((e) => e.post.gold.size === 0).length,
    threshold,
    options: { ...options },
    f1: round(meanF1(test, options, threshold)),
    f1EveryPost: round(meanF1(test, options, 0)),
    trainPosts: train.length,
    bestOnTrain: best
  }
}

const round = (x: number) => Math.round(x * 10000) / 10000
