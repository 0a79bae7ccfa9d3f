/**
 * Everything an item image costs in CPU, in one place: decode, PDQ hash (handed out at once) and model
 * input (prepare.ts), then the model, with the images that arrive together micro-batched into one
 * `session.run`. It runs
 * on an image thread of its own (image-threads.ts), so that neither the work nor its buffers (600 KB
 * of model input per image) ever reach the event loop; it can also run in the calling thread (tests).
 *
 * Inside the thread `session.run` holds the thread for the whole batch: images prepared meanwhile
 * wait, and go together in the next batch.
 */
import type { LoadedModel } from '../classifiers/manifest.js'
import { ImageClassifier, type ImageClassifierOptions } from './image-classifier.js'
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js'
import type { ClassProbabilities } from './model-spec.js'
import type { ImageHash } from './image-hash.js'
import { prepareImage, type PrepareOptions } from './prepare.js'

/** The verified model file and what it is (a manifest entry as loaded). */
export type ImageModelFile = Pick<LoadedModel, 'id' | 'name' | 'version' | 'kind' | 'featuriser' | 'bytes'>

export interface ImageWorkOptions {
  model: ImageModelFile
  /** onnxruntime settings; the session runs in the thread doing the work. */
  session?: Pick<ImageClassifierOptions, 'intraOpNumThreads' | 'allowSpinning'>
  prepare: PrepareOptions
  batch: MicroBatcherOptions
}

export interface ScoredImage {
  probabilities: ClassProbabilities
  hash: ImageHash
  /** Images in the `session.run` this one was part of. */
  batch: number
  /** How long that `session.run` took. */
  inferenceMs: number
  /** Whether this image was the batch's first: one image per batch reports the run. */
  firstOfBatch: boolean
}

export interface ImageWork {
  /**
   * Scores one image; rejects with an ImageDecodeError for an unusable image. `onHashed` is given the
   * image's PDQ hash as soon as its decode is done, before the model runs.
   */
  score(bytes: Uint8Array, onHashed?: (hash: ImageHash) => void): Promise<ScoredImage>
  release(): Promise<void>
}

/** Opens the model (refusing one built for other preprocessing) and returns the work on it. */
export async function openImageWork(options: ImageWorkOptions): Promise<ImageWork> {
  const classifier = await ImageClassifier.fromManifest(options.model, options.session)
  const batcher = new MicroBatcher(async (inputs: Float32Array[]) => {
    const started = performance.now()
    const probabilities = await classifier.classifyTensors(inputs)
    const inferenceMs = performance.now() - started
    return probabilities.map((p, i) => ({ probabilities: p, batch: inputs.length, inferenceMs, firstOfBatch: i === 0 }))
  }, options.batch)
  return {
    async score(bytes, onHashed) {
      const prepared = await prepareImage(bytes, options.prepare, onHashed)
      return { ...(await batcher.submit(prepared.input)), hash: prepared.hash }
    },
    async release() {
      batcher.close()
      await classifier.release()
    }
  }
}
