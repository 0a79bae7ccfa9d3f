/**
 * The text model behind the `Classifier` interface: the hashed-n-gram model trained by
 * `npm run train:text`, run by onnxruntime-node. Every call featurises its items and runs one
 * `session.run` for the whole batch.
 *
 * It runs on the thread that opens it: in the service, on the text threads (text-threads.ts), which keep
 * featurising and the synchronous `session.run` off the event loop.
 */
import ort from 'onnxruntime-node'
import type { LoadedModel } from '../classifiers/manifest.js'
import type { CategoryEvidence, CategorySpans, Classifier, ClassifierItem, SpanRequest } from '../classifiers/types.js'
import { FEATURIZER_VERSION, featurizeBatch, packFeatures, type FeatureBatch } from './featurize.js'
import { TEXT_HEADS, type TextHead } from './heads.js'
import { locateFeatures, pickSpans, wordInfluence } from './spans.js'
import { CONTRIBUTIONS_OUTPUT, INDICES_INPUT, SCORES_OUTPUT, TEXT_MODEL_NAME, TEXT_MODEL_VERSION, WEIGHTS_INPUT } from './model-spec.js'

export interface TextClassifierOptions {
  /** The `.onnx` file, as a path or as bytes (e.g. already read and sha256-checked by the models plugin). */
  model: string | Uint8Array
  name?: string
  version?: string
  /** Threads inside one operator; default 1 (the model is small: more threads cost more than they save). */
  intraOpNumThreads?: number
  /** Threads across independent operators; the graph is a chain, so default 1. */
  interOpNumThreads?: number
}

/** Scores per text, one value per head in TEXT_HEADS order. */
export type TextScores = Float32Array

export class TextClassifier implements Classifier {
  readonly id: string
  readonly categories = TEXT_HEADS
  private readonly source: string

  private constructor(
    private readonly session: ort.InferenceSession,
    name: string,
    version: string
  ) {
    this.id = `${name}@${version}`
    this.source = `model:${this.id}`
  }

  static async create(options: TextClassifierOptions): Promise<TextClassifier> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: options.interOpNumThreads ?? 1
    }
    const session =
      typeof options.model === 'string'
        ? await ort.InferenceSession.create(options.model, sessionOptions)
        : await ort.InferenceSession.create(options.model, sessionOptions)
    const names = [...session.inputNames, ...session.outputNames].join(',')
    const scoring = [INDICES_INPUT, WEIGHTS_INPUT, SCORES_OUTPUT].join(',')
    if (names !== scoring && names !== `${scoring},${CONTRIBUTIONS_OUTPUT}`) {
      await session.release()
      throw new Error(
        `not a text model: expected inputs ${INDICES_INPUT}, ${WEIGHTS_INPUT} and output ${SCORES_OUTPUT} (optionally ${CONTRIBUTIONS_OUTPUT}), found ${names}`
      )
    }
    return new TextClassifier(session, options.name ?? TEXT_MODEL_NAME, options.version ?? TEXT_MODEL_VERSION)
  }

  /** A classifier for a verified manifest entry; refuses a model built for another featuriser. */
  static async fromManifest(entry: Pick<LoadedModel, 'id' | 'name' | 'version' | 'featuriser' | 'bytes'>, options: Omit<TextClassifierOptions, 'model' | 'name' | 'version'> = {}) {
    if (entry.featuriser !== FEATURIZER_VERSION) {
      throw new Error(`model ${entry.id} was built for featuriser ${entry.featuriser}, this service has ${FEATURIZER_VERSION}`)
    }
    return TextClassifier.create({ ...options, model: entry.bytes, name: entry.name, version: entry.version })
  }

  /** Scores texts with one `session.run`: per text, the calibrated probability of each head. */
  async score(texts: readonly string[]): Promise<TextScores[]> {
    if (texts.length === 0) return []
    return this.runFeatures(featurizeBatch(texts))
  }

  /** Runs the model once on already featurised texts. */
  async runFeatures(batch: FeatureBatch): Promise<TextScores[]> {
    const results = await this.session.run(feeds(batch), [SCORES_OUTPUT])
    const scores = (results[SCORES_OUTPUT] as ort.Tensor).data as Float32Array
    const heads = TEXT_HEADS.length
    return Array.from({ length: batch.batch }, (_, i) => scores.subarray(i * heads, (i + 1) * heads))
  }

  /** Scores at least one text with one `session.run`: `[texts, heads]` row-major, heads in TEXT_HEADS order. */
  async scoreRows(texts: readonly string[]): Promise<Float32Array> {
    const results = await this.session.run(feeds(featurizeBatch(texts)), [SCORES_OUTPUT])
    return (results[SCORES_OUTPUT] as ort.Tensor).data as Float32Array
  }

  /** Evidence for every head per item; items without text get none (and cost nothing). */
  classify(items: readonly ClassifierItem[]): Promise<CategoryEvidence[]> {
    return textEvidence(items, (texts) => this.scoreRows(texts), this.source)
  }

  /** Whether the model hands out its per-feature terms, so that a score can be explained (`contributions`). */
  get explains(): boolean {
    return this.session.outputNames.includes(CONTRIBUTIONS_OUTPUT)
  }

  /**
   * Each feature's term of each head's logit, `[batch, width, heads]` row-major: the feature's model weight ×
   * its weight in the text, before the sum. Only for a model that `explains`.
   */
  async runContributions(batch: FeatureBatch): Promise<Float32Array> {
    const results = await this.session.run(feeds(batch), [CONTRIBUTIONS_OUTPUT])
    return (results[CONTRIBUTIONS_OUTPUT] as ort.Tensor).data as Float32Array
  }

  /**
   * The words behind the scores asked about (src/text/spans.ts): one more `session.run`, for explanations only.
   * A model without the `contributions` output explains nothing.
   */
  async explainSpans(requests: readonly SpanRequest[]): Promise<CategorySpans[]> {
    if (!this.explains || requests.length === 0) return requests.map(() => ({}))
    const located = requests.map((request) => locateFeatures(request.text))
    const batch = packFeatures(located)
    const contributions = await this.runContributions(batch)
    const heads = TEXT_HEADS.length
    const rowSize = batch.width * heads
    return requests.map((request, row) => {
      const terms = contributions.subarray(row * rowSize, (row + 1) * rowSize)
      const spans: CategorySpans = {}
      for (const category of request.categories) {
        const head = TEXT_HEADS.indexOf(category as TextHead)
        if (head >= 0) spans[category] = pickSpans(located[row]!.words, wordInfluence(located[row]!, terms, heads, head))
      }
      return spans
    })
  }

  release(): Promise<void> {
    return this.session.release()
  }
}

function feeds(batch: FeatureBatch): ort.InferenceSession.FeedsType {
  const dims = [batch.batch, batch.width]
  return {
    [INDICES_INPUT]: new ort.Tensor('int32', batch.indices, dims),
    [WEIGHTS_INPUT]: new ort.Tensor('float32', batch.weights, dims)
  }
}

/**
 * Evidence for every head per item from `scoreRows` (one call for the items with text, `[texts, heads]`
 * row-major); items without text get none (and cost nothing).
 */
export async function textEvidence(
  items: readonly ClassifierItem[],
  scoreRows: (texts: string[]) => Promise<Float32Array>,
  source: string
): Promise<CategoryEvidence[]> {
  const withText = items.flatMap((item, i) => (item.text.trim() === '' ? [] : [i]))
  const evidence: CategoryEvidence[] = items.map(() => ({}))
  if (withText.length === 0) return evidence
  const scores = await scoreRows(withText.map((i) => (items[i] as ClassifierItem).text))
  const heads = TEXT_HEADS.length
  withText.forEach((itemIndex, row) => {
    const out = evidence[itemIndex] as CategoryEvidence
    TEXT_HEADS.forEach((head, k) => {
      out[head] = { score: scores[row * heads + k] as number, source }
    })
  })
  return evidence
}
