/**
 * The mechanics the text and image threads share (text-threads.ts, image-threads.ts): a worker thread
 * that says when it is ready, takes requests by id and routes its replies back to their callers, and a
 * fixed number of slots that start a thread when there is work for one and hand each call to the least
 * busy. A thread that stops, for whatever reason, rejects what was waiting for it and leaves its slot; the
 * next call starts another. Hand-written rather than a pool library: a call here may get more than one
 * reply (an image's hash, then its scores), and threads start lazily, one model session each.
 *
 * A thread is closed by asking it (thread-entry.ts), once its model has opened: it ends itself when the
 * requests it holds are answered. Stopping it from outside while onnxruntime creates a session aborts the
 * process, so `worker.terminate()` is only the fallback for a thread that has not ended after a grace period.
 */
import { Worker } from 'node:worker_threads'
import type { CloseRequest } from './thread-entry.js'
import { WORKER_BOOTSTRAP } from './worker-bootstrap.js'

/** How long a thread asked to close may take (to finish opening its model, and the images it holds) before it is stopped. */
export const CLOSE_GRACE_MS = 10_000

/** Every thread running in this process, whatever pool it belongs to: an exit closes them first. */
const running = new Set<{ close(): Promise<number> }>()

/** What a thread posts: once `{ ready: true }`, then replies naming the request they answer. */
export type ThreadMessage<Reply> = { ready: true } | Reply

/** A caller waiting for replies to its request: `onReply` returns true at the last one. */
export interface ThreadCall<Reply> {
  onReply(reply: Reply): boolean
  reject(err: Error): void
}

/** One worker thread running `workerData.entry`; `onStop` is told when it is gone, for whatever reason. */
export class PoolThread<Reply extends { id: number }> {
  readonly #worker: Worker
  readonly #pending = new Map<number, ThreadCall<Reply>>()
  readonly ready: Promise<void>
  /** The thread's exit code, once it has ended. */
  readonly #exited: Promise<number>
  #closing: Promise<number> | undefined
  #nextId = 0

  /** `name` says which thread stopped in the error its callers get. */
  constructor(workerData: { entry: string }, name: string, onStop: () => void) {
    this.#worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData })
    running.add(this)
    this.#exited = new Promise<number>((resolve) =>
      this.#worker.once('exit', (code) => {
        running.delete(this)
        resolve(code)
      })
    )
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
      this.#worker.on('message', (message: ThreadMessage<Reply>) => {
        if ('ready' in message) return resolve()
        const call = this.#pending.get(message.id)!
        if (call.onReply(message)) this.#pending.delete(message.id)
      })
      // An uncaught exception in the thread (its entry or the model failed to load); 'exit' follows.
      this.#worker.on('error', stop)
      this.#worker.on('exit', (code) => stop(new Error(`${name} stopped (exit code ${code})`)))
    })
    // Nobody may be waiting yet when a thread fails to start.
    this.ready.catch(() => undefined)
  }

  /** Calls waiting for this thread, counted from the moment they are made (also while it starts). */
  get load(): number {
    return this.#pending.size
  }

  /** Posts `{ id, ...request }` once the thread is ready; its replies go to `call`. */
  post(request: object, call: ThreadCall<Reply>): void {
    const id = this.#nextId++
    // counted at once, so that concurrent calls spread over the threads while this one starts
    this.#pending.set(id, call)
    this.ready.then(() => this.#worker.postMessage({ id, ...request }), (err: Error) => call.reject(err))
  }

  /**
   * Asks the thread to end (see above) and resolves with its exit code once it has: 0 when it ended by
   * itself, 1 when it was stopped after `graceMs`. Calls it still holds are answered first; any left
   * reject. Once, however often it is called.
   */
  close(graceMs = CLOSE_GRACE_MS): Promise<number> {
    this.#closing ??= (async () => {
      const fallback = setTimeout(() => void this.#worker.terminate(), graceMs)
      // After the requests posted before it, and once the thread is ready: never while its model opens.
      // A thread that failed to open has stopped already.
      this.ready.then(() => this.#worker.postMessage({ close: true } satisfies CloseRequest), () => undefined)
      const code = await this.#exited
      clearTimeout(fallback)
      return code
    })()
    return this.#closing
  }
}

/** Threads of this process that have not ended: no handle list of Node's shows a worker thread. */
export function threadsRunning(): number {
  return running.size
}

/**
 * Closes every thread of the process, also those started while it waits (a model load that was under way
 * when start-up failed starts the next one), for up to `capMs`: the process may then exit without
 * onnxruntime aborting it.
 */
export async function closeEveryThread(capMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let capped = false
  const cap = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      capped = true
      resolve()
    }, capMs)
  })
  while (running.size > 0 && !capped) await Promise.race([Promise.all([...running].map((thread) => thread.close())), cap])
  clearTimeout(timer)
}

/** A fixed number of thread slots: a slot's thread starts when there is work for it, or again after it stopped. */
export class ThreadSlots<Thread extends { readonly load: number; close(): Promise<number> }> {
  readonly #threads: Array<Thread | undefined>
  readonly #start: (onStop: () => void) => Thread

  constructor(count: number, start: (onStop: () => void) => Thread) {
    this.#threads = new Array<Thread | undefined>(count).fill(undefined)
    this.#start = start
  }

  /** Threads currently running. */
  get started(): number {
    return this.#threads.filter(Boolean).length
  }

  /** The thread of the first slot, started now if it is not running (to know at start-up that a model opens). */
  first(): Thread {
    return this.#threads[0] ?? this.#spawn(0)
  }

  /** The least busy thread; a slot with no thread (not started yet, or stopped) starts one. */
  leastBusy(): Thread {
    const load = (i: number) => this.#threads[i]?.load ?? 0
    let slot = 0
    for (let i = 1; i < this.#threads.length && load(slot) > 0; i++) if (load(i) < load(slot)) slot = i
    return this.#threads[slot] ?? this.#spawn(slot)
  }

  /** Closes every running thread. */
  async close(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread?.close()))
  }

  #spawn(slot: number): Thread {
    const thread = this.#start(() => {
      if (this.#threads[slot] === thread) this.#threads[slot] = undefined
    })
    this.#threads[slot] = thread
    return thread
  }
}
