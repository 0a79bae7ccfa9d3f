/**
 * The image model behind the `Classifier` interface: NSFWJS's MobileNetV2 converted to ONNX, run by
 * onnxruntime-node. Every call runs one `session.run` for its whole batch.
 *
 * Fetching `image.url`, caching, budgets and micro-batching across requests belong to the scoring path;
 * this class scores what it is given: model inputs, image bytes, or items carrying `image.data`.
 */
import type ort from 'onnxruntime-node'
import type { LoadedModel } from '../classifiers/manifest.js'
import type { CategoryEvidence, Classifier, ClassifierItem } from '../classifiers/types.js'
import { IMAGE_CATEGORIES, imageCategoryScores } from './categories.js'
import {
  IMAGE_MODEL_NAME,
  IMAGE_MODEL_VERSION,
  IMAGE_SIZE,
  MODEL_INPUT_NAME,
  MODEL_OUTPUT_NAME,
  NSFW_CLASSES,
  PIXELS_PER_IMAGE,
  PREPROCESSING_ID,
  type ClassProbabilities
} from './model-spec.js'
import { openInProcessSession, openWorkerSession, type ModelSession } from './model-session.js'
import { bytesFromBase64, decodeImage, toModelInput, type DecodeOptions, type ImageDecodeError } from './preprocess.js'

/**
 * Threads for one `session.run`. One, on the worker thread, is the choice for 2 cores (bench/image-model.ts):
 * about 240 images/s while the other core stays free for the event loop and sharp's decoding. A second
 * thread (or a second classifier) reaches about 400 images/s only when that core is otherwise idle.
 */
export const DEFAULT_INTRA_OP_THREADS = 1

export interface ImageClassifierOptions {
  /** The `.onnx` file, as a path or as bytes (e.g. already read and sha256-checked by the manifest loader). */
  model: string | Uint8Array
  name?: string
  version?: string
  /** Threads inside one operator (the convolutions); default DEFAULT_INTRA_OP_THREADS. */
  intraOpNumThreads?: number
  /** Threads across independent operators; only used with executionMode 'parallel'. */
  interOpNumThreads?: number
  executionMode?: 'sequential' | 'parallel'
  /**
   * Whether idle intra-op threads spin while waiting for work (onnxruntime's own default). Spinning
   * saves a little latency but burns a core that, on a small machine, the event loop and sharp need.
   * Default false.
   */
  allowSpinning?: boolean
  /**
   * Run inference on a worker thread of its own (default) rather than on the calling thread, where
   * onnxruntime-node's synchronous `run` would block the event loop for the whole batch.
   */
  inWorker?: boolean
  /** Nice steps below the process for that worker thread (Linux): it yields the CPU to the event loop on a busy machine. */
  threadNice?: number
  /** Decoding limits for `classifyBuffers` and `classify`. */
  decode?: DecodeOptions
}

export class ImageClassifier implements Classifier {
  readonly id: string
  readonly categories = IMAGE_CATEGORIES
  private readonly source: string

  private constructor(
    private readonly session: ModelSession,
    name: string,
    version: string,
    private readonly decodeOptions: DecodeOptions
  ) {
    this.id = `${name}@${version}`
    this.source = `model:${this.id}`
  }

  static async create(options: ImageClassifierOptions): Promise<ImageClassifier> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: options.executionMode ?? 'sequential',
      intraOpNumThreads: options.intraOpNumThreads ?? DEFAULT_INTRA_OP_THREADS,
      ...(options.interOpNumThreads === undefined ? {} : { interOpNumThreads: options.interOpNumThreads }),
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning === true ? '1' : '0' } } }
    }
    const open = options.inWorker === false ? openInProcessSession : openWorkerSession
    const session = await open({ model: options.model, inputName: MODEL_INPUT_NAME, outputName: MODEL_OUTPUT_NAME, sessionOptions, threadNice: options.threadNice })
    return new ImageClassifier(session, options.name ?? IMAGE_MODEL_NAME, options.version ?? IMAGE_MODEL_VERSION, options.decode ?? {})
  }

  /** From a verified manifest entry (its bytes, name and version), refusing one built for other preprocessing. */
  static async fromManifest(
    entry: Pick<LoadedModel, 'id' | 'name' | 'version' | 'kind' | 'featuriser' | 'bytes'>,
    options: Omit<ImageClassifierOptions, 'model' | 'name' | 'version'> = {}
  ): Promise<ImageClassifier> {
    if (entry.kind !== 'image' || entry.featuriser !== PREPROCESSING_ID) {
      throw new Error(`model ${entry.id} (kind ${entry.kind}, preprocessing ${entry.featuriser}) is not an image model for this service's preprocessing ${PREPROCESSING_ID}`)
    }
    return ImageClassifier.create({ ...options, model: entry.bytes, name: entry.name, version: entry.version })
  }

  /**
   * Class probabilities for a batch of model inputs, in one `session.run`: either one Float32Array
   * per image (3 × 224 × 224, CHW, as `toModelInput` writes them) or one buffer holding the whole
   * batch back to back.
   */
  async classifyTensors(inputs: readonly Float32Array[] | Float32Array): Promise<ClassProbabilities[]> {
    return inputs instanceof Float32Array ? this.run(inputs, false) : this.run(concatenate(inputs), true)
  }

  /**
   * Class probabilities for a batch of encoded images (JPEG, PNG, WebP, GIF, AVIF): decoded
   * concurrently on sharp's thread pool, then one `session.run`. Rejects with an ImageDecodeError
   * (FG_IMAGE_INVALID, FG_IMAGE_TOO_LARGE) naming the first unusable image as `images[<index>]`.
   */
  async classifyBuffers(buffers: readonly Uint8Array[]): Promise<ClassProbabilities[]> {
    return this.run(await this.decodeBatch(buffers, (i) => `images[${i}]`), true)
  }

  /**
   * `sexual` and `suggestive` evidence for the items that carry `image.data` (base64). Items without
   * it — no image, or only `image.url`, which the scoring path fetches — get no evidence from this
   * call. An unusable image rejects the call with an ImageDecodeError naming the item.
   */
  async classify(items: readonly ClassifierItem[]): Promise<CategoryEvidence[]> {
    const withData = items.flatMap((item, index) => {
      const data = item.image?.data
      if (data === undefined) return []
      const subject = `item ${item.id} image.data`
      try {
        return [{ index, subject, bytes: bytesFromBase64(data) }]
      } catch (err) {
        throw (err as ImageDecodeError).about(subject)
      }
    })
    const batch = await this.decodeBatch(
      withData.map((entry) => entry.bytes),
      (i) => (withData[i] as { subject: string }).subject
    )
    const probabilities = await this.run(batch, true)
    const evidence: CategoryEvidence[] = items.map(() => ({}))
    withData.forEach(({ index }, k) => {
      const scores = imageCategoryScores(probabilities[k] as ClassProbabilities)
      evidence[index] = {
        sexual: { score: scores.sexual, source: this.source },
        suggestive: { score: scores.suggestive, source: this.source }
      }
    })
    return evidence
  }

  async release(): Promise<void> {
    await this.session.release()
  }

  /** One `session.run` over a batch buffer; `owned` buffers are handed to the worker without a copy. */
  private async run(batch: Float32Array, owned: boolean): Promise<ClassProbabilities[]> {
    if (batch.length % PIXELS_PER_IMAGE !== 0) {
      throw new RangeError(`model input must be a multiple of ${PIXELS_PER_IMAGE} floats (3×224×224), got ${batch.length}`)
    }
    const count = batch.length / PIXELS_PER_IMAGE
    if (count === 0) return []
    const values = await this.session.run(batch, [count, 3, IMAGE_SIZE, IMAGE_SIZE], owned)
    const classes = NSFW_CLASSES.length
    return Array.from({ length: count }, (_, i) => {
      const row = values.subarray(i * classes, (i + 1) * classes)
      return Object.fromEntries(NSFW_CLASSES.map((name, k) => [name, row[k] as number])) as ClassProbabilities
    })
  }

  /** Decodes every image into one batch buffer; `subject(i)` names image i in errors. */
  private async decodeBatch(buffers: readonly Uint8Array[], subject: (index: number) => string): Promise<Float32Array> {
    const batch = new Float32Array(buffers.length * PIXELS_PER_IMAGE)
    await Promise.all(
      buffers.map(async (buffer, i) => {
        const image = await decodeImage(buffer, this.decodeOptions).catch((err: ImageDecodeError) => {
          throw err.about(subject(i))
        })
        toModelInput(image, batch, i * PIXELS_PER_IMAGE)
      })
    )
    return batch
  }
}

function concatenate(inputs: readonly Float32Array[]): Float32Array {
  const batch = new Float32Array(inputs.length * PIXELS_PER_IMAGE)
  inputs.forEach((input, i) => {
    if (input.length !== PIXELS_PER_IMAGE) {
      throw new RangeError(`each model input must be ${PIXELS_PER_IMAGE} floats (3×224×224), got ${input.length}`)
    }
    batch.set(input, i * PIXELS_PER_IMAGE)
  })
  return batch
}
