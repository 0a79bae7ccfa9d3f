/**
 * The image threads: each opens the image model and does all of an image's work (image-work.ts), so
 * that the event loop only hands over the image bytes (tens of kilobytes) and gets back a hash (as
 * soon as the image is decoded) and class probabilities. Neither the CPU work nor the model inputs (600 KB each, which on the event
 * loop's heap brought frequent full garbage collections) reach it. On 2 cores, one thread leaves the
 * other core to the event loop.
 */
import { Worker } from 'node:worker_threads'
import { ImageDecodeError, type DecodeOptions, type ImageErrorCode } from './decode.js'
import { hashImage, type ImageHash } from './image-hash.js'
import { openImageWork, type ImageWork, type ImageWorkOptions, type ScoredImage } from './image-work.js'
import { siblingEntry, WORKER_BOOTSTRAP } from '../worker-bootstrap.js'

/** How an image sent only to be hashed (a hash bank entry) is decoded. */
export type HashOptions = Pick<DecodeOptions, 'maxInputPixels' | 'anyFormat'>

/** An image to score, or with `hashOnly` only to hash: its reply is then its hash alone. */
export interface ImageRequest {
  id: number
  bytes: Uint8Array
  hashOnly?: HashOptions
}

export interface ReplyError {
  code?: string | undefined
  reason?: string | undefined
  message: string
}

/** A thread's answers: ready once the model is open; per image, its hash (first) and then its scores (not for `hashOnly`), or an error. */
export type ImageReply = { ready: true } | { id: number; hashed: ImageHash } | { id: number; scored: ScoredImage } | { id: number; error: ReplyError }

export interface ImageThreadsOptions extends ImageWorkOptions {
  /** Threads doing the work, each with its own model session; 0 does it on the calling thread. */
  threads: number
  /** Nice steps below the process for the threads (Linux): they yield the CPU to the event loop. Default 0. */
  nice?: number
  /** The threads' module (a file URL); default `image-worker` beside this file. */
  entry?: string
}

/** `image-worker.js` when compiled, `image-worker.ts` when running from the sources. */
const ENTRY = siblingEntry('image-worker', import.meta.url)

const IMAGE_ERRORS: ReadonlySet<string> = new Set<ImageErrorCode>(['FG_IMAGE_INVALID', 'FG_IMAGE_TOO_LARGE'])

/** The error a thread reported, as the caller expects it: an ImageDecodeError for an unusable image. */
export function errorFromReply({ code, reason, message }: ReplyError): Error {
  return code !== undefined && IMAGE_ERRORS.has(code) ? new ImageDecodeError(code as ImageErrorCode, reason ?? message) : new Error(message)
}

/** A call waiting for its answer: an image to score (told its hash on the way), or one only to hash (its hash is its answer). */
type PendingCall =
  | { hashOnly: false; resolve: (scored: ScoredImage) => void; reject: (err: Error) => void; onHashed: ((hash: ImageHash) => void) | undefined }
  | { hashOnly: true; resolve: (hash: ImageHash) => void; reject: (err: Error) => void }

/** One image thread; `onStop` is told when it is gone, for whatever reason. */
class ImageThread {
  readonly #worker: Worker
  readonly #pending = new Map<number, PendingCall>()
  readonly ready: Promise<void>
  /** Calls waiting for the thread to start. */
  #starting = 0
  #stopped = false
  #nextId = 0

  constructor(entry: string, options: ImageWorkOptions, nice: number, onStop: () => void) {
    this.#worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { entry, options, nice } })
    this.ready = new Promise<void>((resolve, reject) => {
      const stop = (reason: Error) => {
        if (this.#stopped) return
        this.#stopped = true
        reject(reason)
        for (const call of this.#pending.values()) call.reject(reason)
        this.#pending.clear()
        onStop()
      }
      this.#worker.on('message', (reply: ImageReply) => {
        if ('ready' in reply) return resolve()
        const call = this.#pending.get(reply.id) as PendingCall
        if ('hashed' in reply && !call.hashOnly) return call.onHashed?.(reply.hashed)
        this.#pending.delete(reply.id)
        if ('error' in reply) call.reject(errorFromReply(reply.error))
        else if (call.hashOnly) call.resolve((reply as { hashed: ImageHash }).hashed)
        else call.resolve((reply as { scored: ScoredImage }).scored)
      })
      // An uncaught exception in the thread (its entry or the model failed to load); 'exit' follows.
      this.#worker.on('error', stop)
      this.#worker.on('exit', (code) => stop(new Error(`image thread stopped (exit code ${code})`)))
    })
    // Nobody may be waiting yet when a thread fails to start.
    this.ready.catch(() => undefined)
  }

  /** Calls waiting for this thread. */
  get load(): number {
    return this.#pending.size + this.#starting
  }

  async score(bytes: Uint8Array, onHashed: ((hash: ImageHash) => void) | undefined): Promise<ScoredImage> {
    await this.#started()
    // A thread that stopped has left its slot already, so this one is still running (or rejects the call as it stops).
    return new Promise<ScoredImage>((resolve, reject) => {
      const id = this.#nextId++
      this.#pending.set(id, { hashOnly: false, resolve, reject, onHashed })
      this.#worker.postMessage({ id, bytes } satisfies ImageRequest)
    })
  }

  async hash(bytes: Uint8Array, options: HashOptions): Promise<ImageHash> {
    await this.#started()
    return new Promise<ImageHash>((resolve, reject) => {
      const id = this.#nextId++
      this.#pending.set(id, { hashOnly: true, resolve, reject })
      this.#worker.postMessage({ id, bytes, hashOnly: options } satisfies ImageRequest)
    })
  }

  async #started(): Promise<void> {
    this.#starting++
    try {
      await this.ready
    } finally {
      this.#starting--
    }
  }

  terminate(): Promise<number> {
    return this.#worker.terminate()
  }
}

export class ImageThreads {
  readonly id: string
  readonly #options: ImageWorkOptions
  readonly #entry: string
  readonly #nice: number
  readonly #threads: Array<ImageThread | undefined>
  readonly #local: Promise<ImageWork> | undefined
  #closed: Promise<void> | undefined

  private constructor({ threads, entry = ENTRY, nice = 0, ...options }: ImageThreadsOptions) {
    this.id = options.model.id
    this.#options = options
    this.#entry = entry
    this.#nice = nice
    this.#threads = new Array<ImageThread | undefined>(threads).fill(undefined)
    this.#local = threads === 0 ? openImageWork(options) : undefined
  }

  /**
   * Opens the model (in the first thread; the others start when there is work for them), so that a
   * model that cannot be used is known at start-up. Rejects, with every thread stopped, if it cannot.
   */
  static async open(options: ImageThreadsOptions): Promise<ImageThreads> {
    const threads = new ImageThreads(options)
    try {
      await (threads.#local ?? threads.#spawn(0).ready)
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

  /**
   * Probabilities and PDQ hash of one image; rejects with an ImageDecodeError for an unusable image.
   * `onHashed` is given the hash as soon as the image is decoded, before the model has run.
   */
  async score(bytes: Uint8Array, onHashed?: (hash: ImageHash) => void): Promise<ScoredImage> {
    if (this.#closed) throw new Error('the image threads are closed')
    if (this.#local) return (await this.#local).score(bytes, onHashed)
    return this.#leastBusy().score(bytes, onHashed)
  }

  /**
   * The PDQ hash of an image sent only to be hashed (a hash bank entry: any size up to its own pixel limit,
   * any format with `anyFormat`), decoded and hashed on a thread like an item image, never on the event
   * loop (a 7000×7000 image holds a thread for seconds). Rejects with an ImageDecodeError for an unusable image.
   */
  async hash(bytes: Uint8Array, options: HashOptions): Promise<ImageHash> {
    if (this.#closed) throw new Error('the image threads are closed')
    if (this.#local) return hashImage(bytes, options)
    return this.#leastBusy().hash(bytes, options)
  }

  /** Stops every thread (calls still waiting reject) and releases the model; once, however often it is called. */
  close(): Promise<void> {
    this.#closed ??= Promise.all([...this.#threads.map((thread) => thread?.terminate()), this.#local?.then((work) => work.release(), () => undefined)]).then(() => undefined)
    return this.#closed
  }

  /** The least busy thread; a slot with no thread (not started yet, or stopped) starts one. */
  #leastBusy(): ImageThread {
    const load = (i: number) => this.#threads[i]?.load ?? 0
    let slot = 0
    for (let i = 1; i < this.#threads.length && load(slot) > 0; i++) if (load(i) < load(slot)) slot = i
    return this.#threads[slot] ?? this.#spawn(slot)
  }

  #spawn(slot: number): ImageThread {
    const thread = new ImageThread(this.#entry, this.#options, this.#nice, () => {
      if (this.#threads[slot] === thread) this.#threads[slot] = undefined
    })
    this.#threads[slot] = thread
    return thread
  }
}
