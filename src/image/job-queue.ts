/**
 * Background work with bounded memory: at most `concurrency` jobs run, at most `maxQueued` jobs (and
 * `maxQueuedBytes` of their inputs) wait, and a job for a key already waiting or running is not
 * started again: its caller shares the first one's result. Work that does not fit is dropped and
 * counted, never queued without bound.
 */
export interface JobQueueOptions {
  concurrency: number
  maxQueued: number
  /** Bytes the waiting jobs may hold (e.g. the image bytes they carry). */
  maxQueuedBytes: number
}

export interface JobQueueStats {
  running: number
  queued: number
  queuedBytes: number
  /** Jobs started or queued. */
  accepted: number
  /** Submissions that shared a job already waiting or running. */
  deduplicated: number
  /** Submissions refused because the queue was full. */
  dropped: number
  /** Jobs finished, whatever their result. */
  finished: number
}

interface Job<T> {
  key: string
  bytes: number
  run: () => Promise<T>
  resolve: (value: T) => void
  reject: (err: Error) => void
}

export class JobQueue<T> {
  readonly #options: JobQueueOptions
  readonly #waiting: Array<Job<T>> = []
  readonly #jobs = new Map<string, Promise<T>>()
  readonly #running = new Set<Promise<unknown>>()
  #queuedBytes = 0
  #closed = false
  readonly #counts = { accepted: 0, deduplicated: 0, dropped: 0, finished: 0 }

  constructor(options: JobQueueOptions) {
    this.#options = options
  }

  stats(): JobQueueStats {
    return { running: this.#running.size, queued: this.#waiting.length, queuedBytes: this.#queuedBytes, ...this.#counts }
  }

  /**
   * The result of the job for `key`: the one already waiting or running, or a new one running `run`.
   * Undefined when the queue is full (the submission is dropped and counted) or closed.
   */
  submit(key: string, bytes: number, run: () => Promise<T>): Promise<T> | undefined {
    const existing = this.#jobs.get(key)
    if (existing) {
      this.#counts.deduplicated++
      return existing
    }
    if (this.#closed) return undefined
    const full = this.#running.size >= this.#options.concurrency
    if (full && (this.#waiting.length >= this.#options.maxQueued || this.#queuedBytes + bytes > this.#options.maxQueuedBytes)) {
      this.#counts.dropped++
      return undefined
    }
    this.#counts.accepted++
    let job!: Job<T>
    const result = new Promise<T>((resolve, reject) => {
      job = { key, bytes, run, resolve, reject }
    })
    this.#jobs.set(key, result)
    if (full) {
      this.#waiting.push(job)
      this.#queuedBytes += bytes
    } else this.#start(job)
    return result
  }

  /** Refuses new jobs and drops the waiting ones (their results reject); resolves when the running ones are done. */
  async close(): Promise<void> {
    this.#closed = true
    for (const job of this.#waiting.splice(0)) {
      this.#jobs.delete(job.key)
      job.reject(new Error('the image queue is closed'))
    }
    this.#queuedBytes = 0
    await Promise.allSettled(this.#running)
  }

  #start(job: Job<T>): void {
    // The slot is free (and the key forgotten) before the job's callers hear its result.
    const finish = () => {
      this.#running.delete(running)
      this.#jobs.delete(job.key)
      this.#counts.finished++
      const next = this.#waiting.shift()
      if (next) {
        this.#queuedBytes -= next.bytes
        this.#start(next)
      }
    }
    const running = (async () => job.run())().then(
      (value) => {
        finish()
        job.resolve(value)
      },
      (err: Error) => {
        finish()
        job.reject(err)
      }
    )
    this.#running.add(running)
  }
}
