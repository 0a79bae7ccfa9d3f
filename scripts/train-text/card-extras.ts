import { existsSync, readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Classifier } from '../../src/classifiers/types.js'
import type { Policy } from '../../src/policy/policy.js'
import { FUNCTIONAL_FLOORS, functionalTable, runFunctionalSuite, type Phenomenon, type PhenomenonResult } from './functional-cases.js'
import { renderModelCard } from './model-card.js'
import type { TextMetrics } from './pipeline.js'
import type { SpansEvaluation } from './spans-eval.js'

/** What the card shows beside the training metrics: the functional suite's pass rates and the spans' F1. */
export interface CardExtras {
  functional?: Array<{ phenomenon: Phenomenon; passed: number; total: number; rate: number; floor: number }>
  spans?: SpansEvaluation
}

/** The card's sections for the extras present. */
export function renderCardExtras(m: CardExtras): string[] {
  const out: string[] = []
  if (m.functional) {
    out.push(
      '',
      '## Functional suite',
      '',
      'Template cases per phenomenon (`scripts/train-text/functional-cases.ts`), each labelled with what the policy',
      'should do at `standard` sensitivity, run through this model and the shipped policy. The floor is the least',
      'pass rate `test/text/functional.test.ts` accepts. The policy gives `threat` and `hate` no threshold, so the',
      'cases that expect them to fire fail.',
      '',
      functionalTable(m.functional.map((r) => ({ ...r, failures: [] }) satisfies PhenomenonResult)),
      ''
    )
  }
  if (m.spans) {
    const s = m.spans
    out.push(
      '',
      '## Spans',
      '',
      'With `explain`, a reason from this model carries the spans of the words that drove its score (per-n-gram',
      'contributions mapped to the original text; `src/text/spans.ts`). Against Toxic Spans (SemEval-2021 Task 5',
      `character F1, majority-vote gold, ${s.posts} held-out toxic posts, ${s.emptyGold} with no gold span; \`npm run eval:spans\`):`,
      '',
      `- **${s.f1EveryPost}** with spans for every post;`,
      `- **${s.f1}** as served: a post scoring under \`toxicity\`'s standard \`blurAt\` (${s.threshold}) gets no spans.`,
      '',
      `Options: up to ${s.options.maxWords} words, each with at least ${s.options.minShare * 100} % of the top word's share (best of a`,
      `grid on ${s.trainPosts} training posts: F1 ${s.bestOnTrain.f1} there).`,
      ''
    )
  }
  return out
}

/** Runs the functional suite with `classifier` and `policy`, reads the spans figure, and writes both into metrics.json and the card. */
export async function updateCardExtras(modelsDir: string, classifier: Pick<Classifier, 'classify'>, policy: Policy): Promise<CardExtras> {
  const textDir = join(modelsDir, 'text')
  const metrics = JSON.parse(await readFile(join(textDir, 'metrics.json'), 'utf8')) as TextMetrics & CardExtras
  const results = await runFunctionalSuite(classifier, policy)
  metrics.functional = results.map(({ phenomenon, passed, total, rate }) => ({ phenomenon, passed, total, rate: Math.round(rate * 1000) / 1000, floor: FUNCTIONAL_FLOORS[phenomenon] }))
  const spansFile = join(textDir, 'spans-metrics.json')
  if (existsSync(spansFile)) metrics.spans = JSON.parse(readFileSync(spansFile, 'utf8')) as SpansEvaluation
  else delete metrics.spans
  await writeFile(join(textDir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`)
  await writeFile(join(textDir, 'MODEL_CARD.md'), renderModelCard(metrics))
  return { functional: metrics.functional, ...(metrics.spans && { spans: metrics.spans }) }
}
