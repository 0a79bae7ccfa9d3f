/**
 * Adds the functional suite's pass rates (run now, with the shipped model and policy) and the spans' F1
 * (models/text/spans-metrics.json, from `npm run eval:spans`) to models/text/metrics.json and the model card.
 *
 *   npm run card:text -- [--models models]
 */
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadPolicy } from '../src/policy/policy.js'
import { TEXT_MODEL_FILE } from '../src/text/model-spec.js'
import { TextClassifier } from '../src/text/text-classifier.js'
import { updateCardExtras } from './train-text/card-extras.js'

const { values } = parseArgs({ options: { models: { type: 'string', default: 'models' } } })
const models = resolve(values.models)
const classifier = await TextClassifier.create({ model: join(models, TEXT_MODEL_FILE) })
const extras = await updateCardExtras(models, classifier, await loadPolicy(join(models, 'policy.json')))
await classifier.release()
for (const r of extras.functional ?? []) console.log(`${r.phenomenon}: ${r.passed}/${r.total} (floor ${r.floor})`)
if (extras.spans) console.log(`spans F1 ${extras.spans.f1} as served, ${extras.spans.f1EveryPost} for every post`)
