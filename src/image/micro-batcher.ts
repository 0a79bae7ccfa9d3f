/**
 * Gathers single inputs from concurrent callers into batches for one call each: a batch goes when
 * `maxBatch` inputs are waiting, or `maxWaitMs` after its first input arrived. One batch runs at a
 * time (the model has one thread of its own, so a second would only queue there); inputs arriving
 * meanwhile form the next batch, which goes as soon as the running one is done.
 */
export interface MicroBatcherOptions {
  maxBatch: number
  maxWaitMs: number
}

export interface MicroBatcherStats {
  batches: number
  /** Inputs run, over all batches. */
  inputs: number
  largestBatch: number
  /** Inputs waiting for the next batch. */
  waiting: number
}

interface Waiting<I, O> {
  input: I
  resolve: (output: O) => void
  reject: (err: Error) => void
}

export class MicroBatcher<I, O> {
  readonly #run: (inputs: I[]) => Promise<O[]>
  readonly #options: MicroBatcherOptions
  #waiting: Array<Waiting<I, O>> = []
  #timer: NodeJS.Timeout | undefined
  #running = false
  #closed: Error | undefined
  readonly #stats = { batches: 0, inputs: 0, largestBatch: 0 }

  /** `run` answers one output per input, in order. */
  constructor(run: (inputs: I[]) => Promise<O[]>, options: MicroBatcherOptions) {
    this.#run = run
    this.#options = options
  }

  stats(): MicroBatcherStats {
    return { ...this.#stats, waiting: this.#waiting.length }
  }

  submit(input: I): Promise<O> {
    if (this.#closed) return Promise.reject(this.#closed)
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject })
      if (this.#running) return
      if (this.#waiting.length >= this.#options.maxBatch) this.#flush()
      else this.#timer ??= setTimeout(() => this.#flush(), this.#options.maxWaitMs)
    })
  }

  /** Refuses new inputs; those waiting reject. A batch already running completes. */
  close(): void {
    this.#closed = new Error('batching is closed')
    clearTimeout(this.#timer)
    for (const waiting of this.#waiting.splice(0)) waiting.reject(this.#closed)
  }

  #flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#waiting.splice(0, this.#options.maxBatch)
    if (batch.length === 0) return
    this.#running = true
    this.#stats.batches++
    this.#stats.inputs += batch.length
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length)
    this.#run(batch.map((waiting) => waiting.input))
      .then(
        (outputs) => {
          batch.forEach((waiting, i) => {
            if (i < outputs.length) waiting.resolve(outputs[i]!)
            else waiting.reject(new Error(`the batch answered ${outputs.length} outputs for ${batch.length} inputs`))
          })
        },
        (err: Error) => {
          for (const waiting of batch) waiting.reject(err)
        }
      )
      .finally(() => {
        this.#running = false
        // What arrived meanwhile has waited for a whole batch already: it goes now.
        this.#flush()
      })
  }
}
