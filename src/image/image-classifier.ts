/**
 * The image model: NSFWJS's MobileNetV2 converted to ONNX, run by onnxruntime-node on the thread that
 * opens it (an image thread, see image-work.ts). Every call runs one `session.run` for its whole batch
 * of model inputs; decoding, caching, budgets and micro-batching across requests belong to the image
 * pipeline.
 */
import type ort from 'onnxruntime-node'
import type { LoadedModel } from '../classifiers/manifest.js'
import { IMAGE_CATEGORIES } from './categories.js'
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
import { openModelSession, type ModelSession } from './model-session.js'

/**
 * Threads for one `session.run`. One, on the image thread, is the choice for 2 cores (bench/image-model.ts):
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
}

export class ImageClassifier {
  readonly id: string
  readonly categories = IMAGE_CATEGORIES

  private constructor(
    private readonly session: ModelSession,
    name: string,
    version: string
  ) {
    this.id = `${name}@${version}`
  }

  static async create(options: ImageClassifierOptions): Promise<ImageClassifier> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: options.executionMode ?? 'sequential',
      intraOpNumThreads: options.intraOpNumThreads ?? DEFAULT_INTRA_OP_THREADS,
      ...(options.interOpNumThreads === undefined ? {} : { interOpNumThreads: options.interOpNumThreads }),
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning === true ? '1' : '0' } } }
    }
    const session = await openModelSession({ model: options.model, inputName: MODEL_INPUT_NAME, outputName: MODEL_OUTPUT_NAME, sessionOptions })
    return new ImageClassifier(session, options.name ?? IMAGE_MODEL_NAME, options.version ?? IMAGE_MODEL_VERSION)
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
    return this.run(inputs instanceof Float32Array ? inputs : concatenate(inputs))
  }

  async release(): Promise<void> {
    await this.session.release()
  }

  /** One `session.run` over a batch buffer. */
  private async run(batch: Float32Array): Promise<ClassProbabilities[]> {
    if (batch.length % PIXELS_PER_IMAGE !== 0) {
      throw new RangeError(`model input must be a multiple of ${PIXELS_PER_IMAGE} floats (3×224×224), got ${batch.length}`)
    }
    const count = batch.length / PIXELS_PER_IMAGE
    if (count === 0) return []
    const values = await this.session.run(batch, [count, 3, IMAGE_SIZE, IMAGE_SIZE])
    const classes = NSFW_CLASSES.length
    return Array.from({ length: count }, (_, i) => {
      const row = values.subarray(i * classes, (i + 1) * classes)
      return Object.fromEntries(NSFW_CLASSES.map((name, k) => [name, row[k] as number])) as ClassProbabilities
    })
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
