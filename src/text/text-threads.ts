/**
 * The text model on threads of its own: each thread opens the model and does a batch's whole work
 * (folding, featurising, `session.run`), so the event loop only posts the batch's texts and gets back
 * `[texts, heads]` scores. Featurising and inference took a fifth of the event loop's time on new items;
 * off it, they run while the loop matches keywords and answers other requests. Behind the `Classifier`
 * interface like the in-process TextClassifier, with the same scores.
 */
import { Worker } from 'node:worker_threads'
import type { LoadedModel } from '../classifiers/manifest.js'
import type { CategoryEvidence, CategorySpans, Classifier, ClassifierItem, SpanRequest } from '../classifiers/types.js'
import { siblingEntry, WORKER_BOOTSTRAP } from '../worker-bootstrap.js'
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

/** A thread's answers: ready once the model is open; per request, its scores, its spans or an error. */
export type TextReply = { ready: true } | { id: number; scores: Float32Array } | { id: number; spans: CategorySpans[] } | { id: number; error: string }

/** What the threads' entry is given. */
export interface TextWorkerData {
  entry: string
  model: TextModelFile
  intraOpNumThreads: number
}

const ENTRY = siblingEntry('text-worker', import.meta.url)

interface PendingCall {
  resolve: (reply: TextReply) => void
  reject: (err: Error) => void
}

/** One text thread; `onStop` is told when it is gone, for whatever reason. */
class TextThread {
  readonly #worker: Worker
  readonly #pending = new Map<number, PendingCall>()
  readonly ready: Promise<void>
  #nextId = 0

  constructor(data: TextWorkerData, onStop: () => void) {
    this.#worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: data })
    let stopped = false
    this.ready = new Promise<void>((resolve, reject) => {
      const stop = (reason: Error) => {
        if (stopped) return
        stopped = true
        reject(reason)
        for (const call of this.#pending.values()) call.reject(reason)
        this.#pending.clear()
        onStop()
      }
      this.#worker.on('message', (reply: TextReply) => {
        if ('ready' in reply) return resolve()
        const call = this.#pending.get(reply.id)!
        this.#pending.delete(reply.id)
        if ('error' in reply) call.reject(new Error(reply.error))
        else call.resolve(reply)
      })
      // An uncaught exception in the thread (its entry or the model failed to load); 'exit' follows.
      this.#worker.on('error', stop)
      this.#worker.on('exit', (code) => stop(new Error(`text thread stopped (exit code ${code})`)))
    })
    // Nobody may be waiting yet when a thread fails to start.
    this.ready.catch(() => undefined)
  }

  /** Calls waiting for this thread. */
  get load(): number {
    return this.#pending.size
  }

  /** Posts a request once the thread is ready; resolves with its reply. */
  call(request: { texts: string[] } | { explain: SpanRequest[] }): Promise<TextReply> {
    return new Promise<TextReply>((resolve, reject) => {
      const id = this.#nextId++
      // counted at once, so that concurrent calls spread over the threads while this one starts
      this.#pending.set(id, { resolve, reject })
      this.ready.then(() => this.#worker.postMessage({ id, ...request } as TextRequest), reject)
    })
  }

  terminate(): Promise<number> {
    return this.#worker.terminate()
  }
}

export class TextThreads implements Classifier {
  readonly id: string
  readonly categories = TEXT_HEADS
  readonly #source: string
  readonly #data: TextWorkerData
  readonly #threads: Array<TextThread | undefined>
  #closed: Promise<void> | undefined

  private constructor({ model, threads, intraOpNumThreads = 1, entry = ENTRY }: TextThreadsOptions) {
    this.id = model.id
    this.#source = `model:${model.id}`
    this.#data = { entry, model, intraOpNumThreads }
    this.#threads = new Array<TextThread | undefined>(Math.max(1, threads)).fill(undefined)
  }

  /**
   * Opens the model in the first thread (the others start when there is work for them), so that a model
   * that cannot be used is known at start-up. Rejects, with every thread stopped, if it cannot.
   */
  static async open(options: TextThreadsOptions): Promise<TextThreads> {
    const threads = new TextThreads(options)
    try {
      await threads.#spawn(0).ready
    } catch (err) {
      await threads.close()
      throw err
    }
    return threads
  }

  /** Threads currently running. */
  get started(): number {
    return this.#threads.filter(Boolean).length
  }

  classify(items: readonly ClassifierItem[]): Promise<CategoryEvidence[]> {
    return textEvidence(items, (texts) => this.#call({ texts }).then((reply) => (reply as { scores: Float32Array }).scores), this.#source)
  }

  async explainSpans(requests: readonly SpanRequest[]): Promise<CategorySpans[]> {
    if (requests.length === 0) return []
    return ((await this.#call({ explain: [...requests] })) as { spans: CategorySpans[] }).spans
  }

  /** Stops every thread (calls still waiting reject); once, however often it is called. */
  close(): Promise<void> {
    this.#closed ??= Promise.all(this.#threads.map((thread) => thread?.terminate())).then(() => undefined)
    return this.#closed
  }

  release(): Promise<void> {
    return this.close()
  }

  async #call(request: { texts: string[] } | { explain: SpanRequest[] }): Promise<TextReply> {
    if (this.#closed) throw new Error('the text threads are closed')
    return this.#leastBusy().call(request)
  }

  /** The least busy thread; a slot with no thread (not started yet, or stopped) starts one. */
  #leastBusy(): TextThread {
    const load = (i: number) => this.#threads[i]?.load ?? 0
    let slot = 0
    for (let i = 1; i < this.#threads.length && load(slot) > 0; i++) if (load(i) < load(slot)) slot = i
    return this.#threads[slot] ?? this.#spawn(slot)
  }

  #spawn(slot: number): TextThread {
    const thread = new TextThread(this.#data, () => {
      if (this.#threads[slot] === thread) this.#threads[slot] = undefined
    })
    this.#threads[slot] = thread
    return thread
  }
}
