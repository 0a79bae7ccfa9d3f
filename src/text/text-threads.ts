/**
 * The text model on threads of its own: each thread opens the model and does a batch's whole work
 * (folding, featurising, `session.run`), so the event loop only posts the batch's texts and gets back
 * `[texts, heads]` scores. Featurising and inference took a fifth of the event loop's time on new items;
 * off it, they run while the loop matches keywords and answers other requests. Behind the `Classifier`
 * interface like the in-process TextClassifier, with the same scores.
 */
import type { LoadedModel } from '../classifiers/manifest.js'
import type { CategoryEvidence, CategorySpans, Classifier, ClassifierItem, SpanRequest } from '../classifiers/types.js'
import { PoolThread, ThreadSlots, type ThreadMessage } from '../thread-pool.js'
import { siblingEntry } from '../worker-bootstrap.js'
import { TEXT_HEADS } from './heads.js'
import { textEvidence } from './text-classifier.js'

/** The verified model file and what it is (a manifest entry as loaded). */
export type TextModelFile = Pick<LoadedModel, 'id' | 'name' | 'version' | 'kind' | 'featuriser' | 'bytes'>

export interface TextThreadsOptions {
  model: TextModelFile
  /** Threads, each with its own model session (at least 1). */
  threads: number
  /** onnxruntime intra-op threads per session. */
  intraOpNumThreads?: number
  /** The threads' module (a file URL); default `text-worker` beside this file. */
  entry?: string
}

/** What a thread is asked: a batch's scores, or the spans that explain some of them. */
export type TextRequest = { id: number; texts: string[] } | { id: number; explain: SpanRequest[] }

/** A thread's answer to a request: its scores, its spans or an error. */
export type TextAnswer = { id: number; scores: Float32Array } | { id: number; spans: CategorySpans[] } | { id: number; error: string }
/** What a thread posts: ready once the model is open, then its answers. */
export type TextReply = ThreadMessage<TextAnswer>

/** What the threads' entry is given. */
export interface TextWorkerData {
  entry: string
  model: TextModelFile
  intraOpNumThreads: number
}

const ENTRY = siblingEntry('text-worker', import.meta.url)

export class TextThreads implements Classifier {
  readonly id: string
  readonly categories = TEXT_HEADS
  readonly #source: string
  readonly #threads: ThreadSlots<PoolThread<TextAnswer>>
  #closed: Promise<void> | undefined

  private constructor({ model, threads, intraOpNumThreads = 1, entry = ENTRY }: TextThreadsOptions) {
    this.id = model.id
    this.#source = `model:${model.id}`
    const data: TextWorkerData = { entry, model, intraOpNumThreads }
    this.#threads = new ThreadSlots(Math.max(1, threads), (onStop) => new PoolThread<TextAnswer>(data, 'text thread', onStop))
  }

  /**
   * Opens the model in the first thread (the others start when there is work for them), so that a model
   * that cannot be used is known at start-up. Rejects, with every thread stopped, if it cannot.
   */
  static async open(options: TextThreadsOptions): Promise<TextThreads> {
    const threads = new TextThreads(options)
    try {
      await threads.#threads.first().ready
    } catch (err) {
      await threads.close()
      throw err
    }
    return threads
  }

  /** Threads currently running. */
  get started(): number {
    return this.#threads.started
  }

  classify(items: readonly ClassifierItem[]): Promise<CategoryEvidence[]> {
    return textEvidence(items, (texts) => this.#call({ texts }).then((reply) => (reply as { scores: Float32Array }).scores), this.#source)
  }

  async explainSpans(requests: readonly SpanRequest[]): Promise<CategorySpans[]> {
    if (requests.length === 0) return []
    return ((await this.#call({ explain: [...requests] })) as { spans: CategorySpans[] }).spans
  }

  /** Closes every thread once the calls it holds are answered; later calls are refused. Once, however often it is called. */
  close(): Promise<void> {
    this.#closed ??= this.#threads.close()
    return this.#closed
  }

  release(): Promise<void> {
    return this.close()
  }

  async #call(request: { texts: string[] } | { explain: SpanRequest[] }): Promise<TextAnswer> {
    if (this.#closed) throw new Error('the text threads are closed')
    return new Promise<TextAnswer>((resolve, reject) => {
      this.#threads.leastBusy().post(request, {
        onReply(reply) {
          if ('error' in reply) reject(new Error(reply.error))
          else resolve(reply)
          return true
        },
        reject
      })
    })
  }
}
