/**
 * Image preparation (decode, PDQ hash, model input) on threads of their own. Decoding runs on sharp's
 * thread pool anyway, but the PDQ hash and the resize to the model input are JavaScript: about 5 ms
 * per thumbnail, which on the event loop would hold every other request's response.
 */
import { Worker } from 'node:worker_threads'
import { prepareImage, type PreparedImage, type PrepareOptions } from './prepare.js'
import { ImageDecodeError, type ImageErrorCode } from './preprocess.js'

export interface PrepareRequest {
  id: number
  bytes: Uint8Array
}

export type PrepareReply =
  | { ready: true }
  | { id: number; prepared: PreparedImage }
  | { id: number; error: { code?: string | undefined; reason?: string | undefined; message: string } }

export interface PreparePoolOptions extends PrepareOptions {
  /** Threads preparing images; 0 prepares them on the calling thread. Started when first needed. */
  threads: number
  /** The threads' module (a file URL); default `prepare-worker` beside this file. */
  entry?: string
  /** Nice steps below the process for the threads (Linux): they yield the CPU to the event loop. Default 0. */
  nice?: number
}

/**
 * A worker's entry must be JavaScript at run time, while the service runs both compiled (dist/) and
 * from its TypeScript sources. Under tsx, whose hooks do not reach worker threads by themselves, the
 * thread registers them and imports the entry again.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads')
import(workerData.entry).catch(async (err) => {
  if (!err || err.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err
  const { register } = await import('tsx/esm/api')
  register()
  // A failed import stays failed for its URL: import it under another.
  await import(workerData.entry + '?ts')
})
`

/** `prepare-worker.js` when compiled, `prepare-worker.ts` when running from the sources. */
const ENTRY = new URL(`./prepare-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url).href

interface PendingCall {
  resolve: (prepared: PreparedImage) => void
  reject: (err: Error) => void
}

const IMAGE_ERRORS: ReadonlySet<string> = new Set<ImageErrorCode>(['FG_IMAGE_INVALID', 'FG_IMAGE_TOO_LARGE'])

/** The error a thread reported, as the caller expects it: an ImageDecodeError for an unusable image. */
export function errorFromReply({ code, reason, message }: { code?: string | undefined; reason?: string | undefined; message: string }): Error {
  return code !== undefined && IMAGE_ERRORS.has(code) ? new ImageDecodeError(code as ImageErrorCode, reason ?? message) : new Error(message)
}

/** One preparation thread; `onStop` is told when it is gone, for whatever reason. */
class PrepareThread {
  readonly #worker: Worker
  readonly #pending = new Map<number, PendingCall>()
  readonly #ready: Promise<void>
  /** Calls waiting for the thread to start. */
  #starting = 0
  #stopped: Error | undefined
  #nextId = 0

  constructor(entry: string, options: PrepareOptions, nice: number, onStop: () => void) {
    this.#worker = new Worker(BOOTSTRAP, { eval: true, workerData: { entry, options, nice } })
    this.#ready = new Promise<void>((resolve, reject) => {
      const stop = (reason: Error) => {
        if (this.#stopped) return
        this.#stopped = reason
        reject(reason)
        for (const call of this.#pending.values()) call.reject(reason)
        this.#pending.clear()
        onStop()
      }
      this.#worker.on('message', (reply: PrepareReply) => {
        if ('ready' in reply) return resolve()
        const call = this.#pending.get(reply.id) as PendingCall
        this.#pending.delete(reply.id)
        if ('prepared' in reply) return call.resolve(reply.prepared)
        call.reject(errorFromReply(reply.error))
      })
      // An uncaught exception in the thread (e.g. its entry failed to load); 'exit' follows.
      this.#worker.on('error', stop)
      this.#worker.on('exit', (code) => stop(new Error(`image preparation thread stopped (exit code ${code})`)))
    })
    // Nobody may be waiting yet when a thread fails to start.
    this.#ready.catch(() => undefined)
  }

  /** Calls waiting for this thread. */
  get load(): number {
    return this.#pending.size + this.#starting
  }

  async prepare(bytes: Uint8Array): Promise<PreparedImage> {
    this.#starting++
    try {
      await this.#ready
    } finally {
      this.#starting--
    }
    // A thread that stopped has left its slot already, so this one is still running (or rejects the call as it stops).
    return new Promise<PreparedImage>((resolve, reject) => {
      const id = this.#nextId++
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ id, bytes } satisfies PrepareRequest)
    })
  }

  terminate(): Promise<number> {
    return this.#worker.terminate()
  }
}

export class PreparePool {
  readonly #options: PrepareOptions
  readonly #entry: string
  readonly #nice: number
  readonly #threads: Array<PrepareThread | undefined>
  #closed = false

  constructor({ threads, entry = ENTRY, nice = 0, ...options }: PreparePoolOptions) {
    this.#options = options
    this.#entry = entry
    this.#nice = nice
    this.#threads = new Array<PrepareThread | undefined>(threads).fill(undefined)
  }

  /** Threads currently started. */
  get started(): number {
    return this.#threads.filter(Boolean).length
  }

  /** Model input and PDQ hash of one image; rejects with an ImageDecodeError for an unusable image. */
  prepare(bytes: Uint8Array): Promise<PreparedImage> {
    if (this.#closed) return Promise.reject(new Error('image preparation is closed'))
    if (this.#threads.length === 0) return prepareImage(bytes, this.#options)
    // The least busy thread; a slot with no thread (never started, or stopped) starts one.
    const load = (i: number) => this.#threads[i]?.load ?? 0
    let slot = 0
    for (let i = 1; i < this.#threads.length && load(slot) > 0; i++) if (load(i) < load(slot)) slot = i
    let thread = this.#threads[slot]
    if (!thread) {
      const started = new PrepareThread(this.#entry, this.#options, this.#nice, () => {
        if (this.#threads[slot] === started) this.#threads[slot] = undefined
      })
      thread = this.#threads[slot] = started
    }
    return thread.prepare(bytes)
  }

  /** Stops every thread; calls still waiting reject. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#threads.map((thread) => thread?.terminate()))
  }
}
