/**
 * Trains the text model from the labelled datasets and writes models/text/feedguard-text.onnx, its
 * manifest entry, metrics.json, thresholds.json and MODEL_CARD.md.
 *
 *   npm run train:text -- [--data ../shared/datasets] [--models models] [--seed 1] [--epochs 5] [--version 1.0.0]
 *                          [--loso] [--loso-epochs 2] [--loso-sources edos,convabuse]
 *                          [--weights jigsaw=3,toxic_spans=0.2] [--balance 0.5] [--baseline-cache /tmp/baseline]
 *                          [--base-rate-offsets]
 *
 * `--loso` also runs leave-one-source-out: for each abuse source, the model (with `--loso-epochs`, cheaper
 * than a full training) and the baseline are trained without it and compared on it.
 *
 * `--weights` sets datasets' loss weights over the defaults (DEFAULT_TRAIN_OPTIONS.datasetWeights), so a
 * candidate trained with other weights can be reproduced (with `--models` elsewhere than the shipped one's);
 * `--balance p` weighs every other dataset by (5000 / its training texts)^p (see balancedWeights).
 *
 * `--base-rate-offsets` starts each source's per-head offset at its base rate's log-odds (see TrainOptions.baseRateOffsets).
 *
 * `--baseline-cache dir` keeps the baseline's scores of every fit there: candidates compared on the same data
 * (their leave-one-source-out folds above all) then fit the baseline once. The cache is keyed by the texts, their
 * labels and the training rows, not by the baseline's code: empty it after changing baseline.ts.
 *
 * The datasets are not part of the repository: `--data` names the directory holding them (default
 * `../shared/datasets`, beside the checkout). When files are missing it lists them and exits with 2.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { MissingDatasetsError, parseDatasetWeights, type DatasetName } from './train-text/datasets.js'
import { DEFAULT_TRAIN_OPTIONS, trainTextModel } from './train-text/pipeline.js'

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/datasets' },
    models: { type: 'string', default: 'models' },
    seed: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.seed) },
    epochs: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.epochs) },
    version: { type: 'string', default: DEFAULT_TRAIN_OPTIONS.version },
    loso: { type: 'boolean', default: false },
    'loso-epochs': { type: 'string', default: '2' },
    'loso-sources': { type: 'string' },
    weights: { type: 'string' },
    balance: { type: 'string' },
    'baseline-cache': { type: 'string' },
    'base-rate-offsets': { type: 'boolean', default: false }
  }
})

const integer = (name: string, value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${value}`)
  return n
}

const positive = (name: string, value: string) => {
  const n = Number(value)
  if (!(n > 0 && Number.isFinite(n))) throw new Error(`--${name} must be a positive number, got ${value}`)
  return n
}

const metrics = await trainTextModel({
  ...DEFAULT_TRAIN_OPTIONS,
  dataDir: resolve(values.data),
  modelsDir: resolve(values.models),
  seed: integer('seed', values.seed),
  epochs: integer('epochs', values.epochs),
  version: values.version,
  ...(values.weights ? { datasetWeights: { ...DEFAULT_TRAIN_OPTIONS.datasetWeights, ...parseDatasetWeights(values.weights) } } : {}),
  ...(values.balance ? { sourceBalance: positive('balance', values.balance) } : {}),
  ...(values.loso ? { losoEpochs: integer('loso-epochs', values['loso-epochs']) } : {}),
  ...(values['base-rate-offsets'] ? { baseRateOffsets: true } : {}),
  ...(values['baseline-cache'] ? { baselineCache: resolve(values['baseline-cache']) } : {}),
  ...(values['loso-sources'] ? { losoSources: values['loso-sources'].split(',') as DatasetName[] } : {}),
  log: (line) => console.log(line)
}).catch((err: unknown) => {
  if (!(err instanceof MissingDatasetsError)) throw err
  console.error(err.message)
  process.exit(2)
})

for (const c of metrics.comparisons) {
  console.log(`${c.dataset} ${c.split}: ${c.head} ROC-AUC model ${c.model.toFixed(4)} vs baseline ${c.baseline.toFixed(4)} ${c.model > c.baseline ? 'beats' : 'does NOT beat'} the baseline`)
}
for (const t of metrics.targets) {
  console.log(`${t.title}: ${t.head} ROC-AUC ${t.rocAuc.toFixed(4)} (target ${t.target}) ${t.met ? 'met' : 'NOT met'}`)
}
