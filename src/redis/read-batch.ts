import type { ChainableCommander } from 'ioredis'
import { isCluster, type RedisClient } from './connection.js'
import { nodeOf } from './per-node.js'

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

/** One node's share of the batch: a pipeline and the reads whose replies it brings back, in order. */
interface NodeBatch {
  pipeline: ChainableCommander
  reads: QueuedRead[]
}

/**
 * The scoring path's single round of Redis reads. Each component (rules, score cache, item statuses)
 * queues the reads it needs, naming the key each touches; `run` sends them as one pipeline per node
 * that holds a needed key (one in all on a single node; on a cluster, grouped by the slot map),
 * concurrently, and waits at most the budget for all of them. Past the budget, or on any connection
 * error, every read of the late or failed node rejects and its component falls back. A batch with
 * nothing queued costs no round trip; without Redis there is nothing to queue.
 */
export class ReadBatch {
  readonly #redis: RedisClient | null
  readonly #nodes = new Map<string, NodeBatch>()
  #size = 0
  #nodesTouched = 0

  constructor(redis: RedisClient | null) {
    this.#redis = redis
  }

  /** On a cluster, every key of one command must share a slot; on one node anything goes. */
  get cluster(): boolean {
    return this.#redis !== null && isCluster(this.#redis)
  }

  /** Reads queued and not yet sent. */
  get size(): number {
    return this.#size
  }

  /** Nodes the last `run` sent a pipeline to (0 when nothing was queued). */
  get nodesTouched(): number {
    return this.#nodesTouched
  }

  /**
   * Queues one command on `key` (every key the command touches must share its slot); the promise
   * settles when the batch has run. Needs a Redis-backed batch.
   */
  add<T>(key: string, queue: (pipeline: ChainableCommander) => void, parse: (reply: unknown) => T): Promise<T> {
    const redis = this.#redis
    if (!redis) return Promise.reject(new Error('no Redis connection to batch reads on'))
    const node = nodeOf(redis, key)
    let batch = this.#nodes.get(node)
    if (!batch) {
      batch = { pipeline: redis.pipeline(), reads: [] }
      this.#nodes.set(node, batch)
    }
    queue(batch.pipeline)
    this.#size++
    const reads = batch.reads
    return new Promise<T>((resolve, reject) => {
      reads.push({ parse, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  async run(budgetMs: number): Promise<void> {
    const batches = [...this.#nodes.values()]
    this.#nodes.clear()
    this.#size = 0
    this.#nodesTouched = batches.length
    if (batches.length === 0) return
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BudgetExceeded(budgetMs)), budgetMs)
    })
    try {
      await Promise.all(batches.map((batch) => settle(batch, deadline)))
    } finally {
      clearTimeout(timer)
    }
  }
}

async function settle({ pipeline, reads }: NodeBatch, deadline: Promise<never>): Promise<void> {
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
  }
}
