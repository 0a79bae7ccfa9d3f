import type { ChainableCommander } from 'ioredis'
import type { RedisClient } from './connection.js'

export class BudgetExceeded extends Error {
  constructor(budgetMs: number) {
    super(`no answer within ${budgetMs}ms`)
    this.name = 'BudgetExceeded'
  }
}

interface QueuedRead {
  parse: (reply: unknown) => unknown
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

/**
 * The scoring path's single Redis round trip. Each component (rules, score cache, item statuses)
 * queues the reads it needs; `run` sends them as one pipeline and waits at most the budget. Past the
 * budget, or on any connection error, every queued read rejects and its component falls back. A batch
 * with nothing queued costs no round trip; without Redis there is nothing to queue.
 */
export class ReadBatch {
  readonly #redis: RedisClient | null
  #pipeline: ChainableCommander | null = null
  readonly #reads: QueuedRead[] = []

  constructor(redis: RedisClient | null) {
    this.#redis = redis
  }

  get size(): number {
    return this.#reads.length
  }

  /** Queues one command; the promise settles when the batch has run. Needs a Redis-backed batch. */
  add<T>(queue: (pipeline: ChainableCommander) => void, parse: (reply: unknown) => T): Promise<T> {
    if (!this.#redis) return Promise.reject(new Error('no Redis connection to batch reads on'))
    this.#pipeline ??= this.#redis.pipeline()
    queue(this.#pipeline)
    return new Promise<T>((resolve, reject) => {
      this.#reads.push({ parse, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  async run(budgetMs: number): Promise<void> {
    const pipeline = this.#pipeline
    if (!pipeline) return
    const reads = this.#reads.splice(0)
    this.#pipeline = null
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BudgetExceeded(budgetMs)), budgetMs)
    })
    try {
      // A plain pipeline (no MULTI) always answers one reply per queued command.
      const replies = (await Promise.race([pipeline.exec(), deadline]))!
      reads.forEach((read, index) => {
        const [err, reply] = replies[index]!
        if (err) read.reject(err)
        else {
          try {
            read.resolve(read.parse(reply))
          } catch (parseErr) {
            read.reject(parseErr as Error)
          }
        }
      })
    } catch (err) {
      for (const read of reads) read.reject(err as Error)
    } finally {
      clearTimeout(timer)
    }
  }
}
