import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { TEXT_HEADS, type TextHead } from '../../src/text/heads.js'
import { cell, columns, parseCsv, parseTsv } from './csv.js'

/**
 * Loads the labelled text datasets (see `../shared/datasets/README.md`) into one list of examples, maps
 * each dataset's own labels onto the model's heads, and fixes the train / validation / test split.
 *
 * A head a dataset does not label is masked (left out of the loss), never assumed negative. The split is
 * a stable hash of the text, independent of the training seed, so the validation set the calibration and
 * thresholds are fitted on is the same in every run; test splits are the datasets' own test files (and one
 * held-out YouTube video), and never influence training, calibration or thresholds.
 */

export type Split = 'train' | 'validation' | 'test'
export const DATASETS = ['jigsaw', 'olid', 'germeval', 'mlma', 'davidson', 'sms_spam', 'youtube_spam'] as const
export type DatasetName = (typeof DATASETS)[number]

/** A head's label: 1 = positive, 0 = negative; a head absent from the record is masked. */
export type HeadLabels = Partial<Record<TextHead, 0 | 1>>

export interface Example {
  dataset: DatasetName
  /** A sub-collection: the language (MLMA), the video (YouTube spam), the pool (Jigsaw). */
  group: string
  split: Split
  text: string
  labels: HeadLabels
}

/** Which video of the YouTube spam collection is held out as its test split. */
export const YOUTUBE_TEST_VIDEO = 'Youtube04-Eminem'
/** Share of each training file kept aside for validation (calibration, thresholds, model selection). */
export const VALIDATION_SHARE = 0.15

/** One row of the label-mapping table: a dataset's label (or column) and the head labels it yields. */
export interface LabelMappingRow {
  dataset: DatasetName
  source: string
  heads: HeadLabels
}

const ABUSE_NEGATIVE: HeadLabels = { toxicity: 0, insult: 0, threat: 0, hate: 0, profanity: 0 }

const OLID_LABELS: Record<string, HeadLabels> = {
  NOT: ABUSE_NEGATIVE,
  'OFF/UNT': { toxicity: 1, insult: 0, threat: 0, hate: 0, profanity: 1 },
  'OFF/TIN': { toxicity: 1, insult: 1 },
  OFF: { toxicity: 1 }
}

const GERMEVAL_LABELS: Record<string, HeadLabels> = {
  'OTHER/OTHER': ABUSE_NEGATIVE,
  'OFFENSE/ABUSE': { toxicity: 1, hate: 1 },
  'OFFENSE/INSULT': { toxicity: 1, insult: 1, hate: 0 },
  'OFFENSE/PROFANITY': { toxicity: 1, profanity: 1, insult: 0, threat: 0, hate: 0 },
  OFFENSE: { toxicity: 1 }
}

const DAVIDSON_LABELS: Record<string, HeadLabels> = {
  '0': { toxicity: 1, hate: 1 },
  '1': { toxicity: 1, hate: 0 },
  '2': { toxicity: 0, hate: 0 }
}

const MLMA_HOSTILE = ['offensive', 'hateful', 'abusive', 'disrespectful']

/** MLMA's `sentiment` is a `_`-joined set of annotators' labels; mixed sets (normal + hostile) are masked. */
export function mlmaLabels(sentiment: string): HeadLabels {
  const set = new Set(sentiment.split('_'))
  const normal = set.has('normal')
  const hostile = MLMA_HOSTILE.some((label) => set.has(label))
  if (normal && !hostile && set.size === 1) return { toxicity: 0, hate: 0 }
  if (normal || !hostile) return {}
  return { toxicity: 1, hate: set.has('hateful') ? 1 : 0 }
}

/** Jigsaw's columns → heads; `is_bad` is any of the six toxicity labels. */
export const JIGSAW_COLUMNS: ReadonlyArray<readonly ['is_bad' | 'insult' | 'threat' | 'identity_hate' | 'obscene', TextHead]> = [
  ['is_bad', 'toxicity'],
  ['insult', 'insult'],
  ['threat', 'threat'],
  ['identity_hate', 'hate'],
  ['obscene', 'profanity']
]

/** The mapping from every dataset's labels to heads, for the model card. */
export const LABEL_MAPPING: readonly LabelMappingRow[] = [
  ...JIGSAW_COLUMNS.map(([column, head]) => ({ dataset: 'jigsaw' as const, source: `${column} (0/1)`, heads: { [head]: 1 } })),
  ...Object.entries(OLID_LABELS).map(([source, heads]) => ({ dataset: 'olid' as const, source, heads })),
  ...Object.entries(GERMEVAL_LABELS).map(([source, heads]) => ({ dataset: 'germeval' as const, source, heads })),
  { dataset: 'mlma', source: 'normal (alone)', heads: mlmaLabels('normal') },
  { dataset: 'mlma', source: 'hostile set with hateful, no normal', heads: mlmaLabels('hateful') },
  { dataset: 'mlma', source: 'hostile set without hateful, no normal', heads: mlmaLabels('offensive') },
  { dataset: 'mlma', source: 'normal mixed with others; fearful alone', heads: {} },
  ...Object.entries(DAVIDSON_LABELS).map(([source, heads]) => ({
    dataset: 'davidson' as const,
    source: ['hate_speech', 'offensive_language', 'neither'][Number(source)] as string,
    heads
  })),
  { dataset: 'sms_spam', source: 'spam', heads: { spam: 1 } },
  { dataset: 'sms_spam', source: 'ham', heads: { spam: 0 } },
  { dataset: 'youtube_spam', source: 'CLASS 1', heads: { spam: 1 } },
  { dataset: 'youtube_spam', source: 'CLASS 0', heads: { spam: 0 } }
]

/** FNV-1a over UTF-16 code units: a stable, seed-free hash used to assign splits. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** Collapses case and whitespace so near-identical copies of a text share a split and can be deduplicated. */
export function textKey(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim()
}

function trainOrValidation(text: string): Split {
  return stableHash(textKey(text)) / 0x100000000 < VALIDATION_SHARE ? 'validation' : 'train'
}

function read(dir: string, ...path: string[]): string {
  return readFileSync(join(dir, ...path), 'utf8')
}

function withSplit(text: string, split: Split | undefined): Split {
  return split ?? trainOrValidation(text)
}

function filesIn(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort()
}

function loadJigsaw(dir: string): Example[] {
  const out: Example[] = []
  for (const file of filesIn(join(dir, 'jigsaw_subsets'), /^(train|test)\.[a-z]+\.(ok|bad)\.[0-9a-z]+\.csv$/)) {
    const split: Split | undefined = file.startsWith('test.') ? 'test' : undefined
    const [header, ...rows] = parseCsv(read(dir, 'jigsaw_subsets', file))
    const at = columns(header, ['comment_text', ...JIGSAW_COLUMNS.map(([c]) => c)], file)
    for (const row of rows) {
      const comment = cell(row, at.comment_text)
      const labels: HeadLabels = {}
      for (const [column, head] of JIGSAW_COLUMNS) {
        const value = cell(row, at[column])
        labels[head] = value === '1' || value === 'True' ? 1 : 0
      }
      out.push({ dataset: 'jigsaw', group: basename(file, '.csv'), split: withSplit(comment, split), text: comment, labels })
    }
  }
  return out
}

function loadOlid(dir: string): Example[] {
  const out: Example[] = []
  const [header, ...rows] = parseTsv(read(dir, 'olid', 'olid-training-v1.0.tsv'))
  const at = columns(header, ['tweet', 'subtask_a', 'subtask_b'], 'olid-training-v1.0.tsv')
  for (const row of rows) {
    const a = cell(row, at.subtask_a)
    const labels = OLID_LABELS[a === 'OFF' ? `OFF/${cell(row, at.subtask_b)}` : a] ?? OLID_LABELS[a]
    if (!labels) continue
    const text = cell(row, at.tweet)
    out.push({ dataset: 'olid', group: 'train', split: trainOrValidation(text), text, labels })
  }
  const gold = new Map(parseCsv(read(dir, 'olid', 'labels-levela.csv')).map((r) => [r[0], r[1]]))
  const [testHeader, ...testRows] = parseTsv(read(dir, 'olid', 'testset-levela.tsv'))
  const t = columns(testHeader, ['id', 'tweet'], 'testset-levela.tsv')
  for (const row of testRows) {
    const label = gold.get(cell(row, t.id))
    if (label !== 'OFF' && label !== 'NOT') continue
    out.push({ dataset: 'olid', group: 'test-a', split: 'test', text: cell(row, t.tweet), labels: label === 'OFF' ? { toxicity: 1 } : ABUSE_NEGATIVE })
  }
  return out
}

function loadGermeval(dir: string): Example[] {
  const out: Example[] = []
  for (const [file, split] of [['germeval2018.training.txt', undefined], ['germeval2018.test.txt', 'test']] as const) {
    for (const [text = '', coarse = '', fine = ''] of parseTsv(read(dir, 'germeval2018', file))) {
      const labels = GERMEVAL_LABELS[`${coarse}/${fine}`] ?? GERMEVAL_LABELS[coarse]
      if (!labels) continue
      out.push({ dataset: 'germeval', group: split ?? 'train', split: withSplit(text, split), text, labels })
    }
  }
  return out
}

/** MLMA's languages; its English part is kept out by default (see `DEFAULT_MLMA_LANGUAGES`). */
export const MLMA_LANGUAGES = ['en', 'fr', 'ar'] as const
export type MlmaLanguage = (typeof MLMA_LANGUAGES)[number]

function loadMlma(dir: string, languages: readonly MlmaLanguage[]): Example[] {
  const out: Example[] = []
  for (const lang of languages) {
    const [header, ...rows] = parseCsv(read(dir, 'mlma', `${lang}_dataset.csv`))
    const at = columns(header, ['tweet', 'sentiment'], `${lang}_dataset.csv`)
    for (const row of rows) {
      const labels = mlmaLabels(cell(row, at.sentiment))
      if (Object.keys(labels).length === 0) continue
      const text = cell(row, at.tweet)
      out.push({ dataset: 'mlma', group: lang, split: trainOrValidation(text), text, labels })
    }
  }
  return out
}

function loadDavidson(dir: string): Example[] {
  const [header, ...rows] = parseCsv(read(dir, 'davidson', 'labeled_data.csv'))
  const at = columns(header, ['class', 'tweet'], 'labeled_data.csv')
  const out: Example[] = []
  for (const row of rows) {
    const labels = DAVIDSON_LABELS[cell(row, at.class)]
    if (!labels) continue
    const text = cell(row, at.tweet)
    out.push({ dataset: 'davidson', group: 'all', split: trainOrValidation(text), text, labels })
  }
  return out
}

function loadSms(dir: string): Example[] {
  const out: Example[] = []
  for (const [label, text = ''] of parseTsv(read(dir, 'sms_spam', 'SMSSpamCollection'))) {
    if (label !== 'spam' && label !== 'ham') continue
    out.push({ dataset: 'sms_spam', group: 'all', split: trainOrValidation(text), text, labels: { spam: label === 'spam' ? 1 : 0 } })
  }
  return out
}

function loadYoutube(dir: string): Example[] {
  const out: Example[] = []
  for (const file of filesIn(join(dir, 'youtube_spam'), /^Youtube\d+-.+\.csv$/)) {
    const video = basename(file, '.csv')
    const [header, ...rows] = parseCsv(read(dir, 'youtube_spam', file))
    const at = columns(header, ['CONTENT', 'CLASS'], file)
    for (const row of rows) {
      const cls = cell(row, at.CLASS)
      if (cls !== '0' && cls !== '1') continue
      const text = cell(row, at.CONTENT)
      const split = video === YOUTUBE_TEST_VIDEO ? 'test' : trainOrValidation(text)
      out.push({ dataset: 'youtube_spam', group: video, split, text, labels: { spam: cls === '1' ? 1 : 0 } })
    }
  }
  return out
}

export interface DatasetSelection {
  datasets: readonly DatasetName[]
  /** Which of MLMA's language files to read when `mlma` is selected. */
  mlmaLanguages: readonly MlmaLanguage[]
}

const LOADERS: Record<DatasetName, (dir: string, selection: DatasetSelection) => Example[]> = {
  jigsaw: loadJigsaw,
  olid: loadOlid,
  germeval: loadGermeval,
  mlma: (dir, selection) => loadMlma(dir, selection.mlmaLanguages),
  davidson: loadDavidson,
  sms_spam: loadSms,
  youtube_spam: loadYoutube
}

/** The files (or, for datasets read by pattern, the folders) each dataset is read from, relative to the data directory. */
function datasetPaths(name: DatasetName, selection: DatasetSelection): string[] {
  switch (name) {
    case 'jigsaw':
      return ['jigsaw_subsets/']
    case 'olid':
      return ['olid/olid-training-v1.0.tsv', 'olid/labels-levela.csv', 'olid/testset-levela.tsv']
    case 'germeval':
      return ['germeval2018/germeval2018.training.txt', 'germeval2018/germeval2018.test.txt']
    case 'mlma':
      return selection.mlmaLanguages.map((lang) => `mlma/${lang}_dataset.csv`)
    case 'davidson':
      return ['davidson/labeled_data.csv']
    case 'sms_spam':
      return ['sms_spam/SMSSpamCollection']
    case 'youtube_spam':
      return ['youtube_spam/']
  }
}

/** The data is not where training looks for it: says which files are missing, and where they were looked for. */
export class MissingDatasetsError extends Error {
  constructor(
    readonly dir: string,
    readonly missing: readonly string[]
  ) {
    super(
      `training data not found in ${dir} (set it with --data <dir>; the datasets are described in its README.md). Missing:\n` +
        missing.map((path) => `  - ${path}`).join('\n')
    )
    this.name = 'MissingDatasetsError'
  }
}

/**
 * Loads the selected datasets. Training and validation rows whose text also appears in any test split
 * are dropped, so no test text is seen during training or calibration. Throws a MissingDatasetsError
 * naming every missing file before reading any.
 */
export function loadDatasets(dir: string, selection: DatasetSelection): Example[] {
  const missing = selection.datasets.flatMap((name) => datasetPaths(name, selection)).filter((path) => !existsSync(join(dir, path)))
  if (missing.length > 0) throw new MissingDatasetsError(dir, missing)
  const all = selection.datasets.flatMap((name) => LOADERS[name](dir, selection)).filter((e) => e.text.trim() !== '')
  const testKeys = new Set(all.filter((e) => e.split === 'test').map((e) => textKey(e.text)))
  return all.filter((e) => e.split === 'test' || !testKeys.has(textKey(e.text)))
}

/** Counts of examples and of positive labels per head, by dataset and split (for the model card). */
export function datasetSummary(examples: readonly Example[]) {
  const rows = new Map<string, { dataset: DatasetName; split: Split; count: number; positives: Record<TextHead, number>; labelled: Record<TextHead, number> }>()
  for (const e of examples) {
    const key = `${e.dataset}/${e.split}`
    let row = rows.get(key)
    if (!row) {
      const zero = () => Object.fromEntries(TEXT_HEADS.map((h) => [h, 0])) as Record<TextHead, number>
      row = { dataset: e.dataset, split: e.split, count: 0, positives: zero(), labelled: zero() }
      rows.set(key, row)
    }
    row.count++
    for (const head of TEXT_HEADS) {
      const label = e.labels[head]
      if (label === undefined) continue
      row.labelled[head]++
      row.positives[head] += label
    }
  }
  return [...rows.values()]
}
