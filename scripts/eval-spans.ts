/**
 * Character-level F1 of the text model's spans on Toxic Spans' held-out split (SemEval-2021 Task 5's measure;
 * scripts/train-text/spans-eval.ts), written to models/text/spans-metrics.json for the model card.
 *
 *   npm run eval:spans -- [--data ../shared/datasets] [--models models]
 */
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadPolicy } from '../src/policy/policy.js'
import { TEXT_MODEL_FILE } from '../src/text/model-spec.js'
import { SPAN_OPTIONS } from '../src/text/spans.js'
import { TextClassifier } from '../src/text/text-classifier.js'
import { evaluateSpans, loadSpanPosts } from './train-text/spans-eval.js'

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/datasets' }, models: { type: 'string', default: 'models' } } })
const models = resolve(values.models)
const classifier = await TextClassifier.create({ model: join(models, TEXT_MODEL_FILE) })
const policy = await loadPolicy(join(models, 'policy.json'))
const threshold = policy.thresholds('toxicity', 'standard', 'for_you')?.blurAt ?? 1
const result = await evaluateSpans(classifier, loadSpanPosts(resolve(values.data)), SPAN_OPTIONS, threshold)
await classifier.release()
console.log(
  `Toxic Spans held-out split, ${result.posts} toxic posts (${result.emptyGold} with no gold span): character F1 ${result.f1} as served ` +
    `(spans only when toxicity >= ${threshold}), ${result.f1EveryPost} with spans for every post; ` +
    `options ${JSON.stringify(result.options)}; best on ${result.trainPosts} training posts ${JSON.stringify(result.bestOnTrain)}`
)
writeFileSync(join(models, 'text', 'spans-metrics.json'), `${JSON.stringify(result, null, 2)}\n`)
