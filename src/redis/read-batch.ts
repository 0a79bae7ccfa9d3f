import calculateSlot from 'cluster-key-slot'
import { isCluster, type RedisClient } from './connection.js'
import { nodeOf } from './per-node.js'

export class BudgetExceeded extends Error {
  constructor(budgetMs: number) {
    super(`no answer within ${budgetMs}ms`)
    this.name = 'BudgetExceeded'
  }
}

/** A read: the command's name, then its arguments (`['hget', key, 'doc']`). */
export type ReadCommand = readonly [name: string, ...args: Array<string | number>]

export interface QueuedRead {
  command: ReadCommand
  parse: (reply: unknown) => unknown
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

/**
 * The scoring path's single round of Redis reads. Each component (rules, score cache, item statuses)
 * queues the reads it needs, naming the key each touches; `run` sends them as one pipeline per node
 * that holds a needed key (one in all on a single node; on a cluster, grouped by the slot map; a node's
 * GETs as one MGET, see `coalesce`; a node's only command goes as a plain command: ioredis builds a
 * pipeline by copying every custom command onto it), concurrently, and waits at most the budget for all
 * of them. Past the budget, or on any connection error, every read of the late or failed node rejects and
 * its component falls back. A batch with nothing queued costs no round trip; without Redis there is
 * nothing to queue.
 */
export class ReadBatch {
  readonly #redis: RedisClient | null
  /** the reads queued per node, in order */
  readonly #nodes = new Map<string, QueuedRead[]>()
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
  add<T>(key: string, command: ReadCommand, parse: (reply: unknown) => T): Promise<T> {
    const redis = this.#redis
    if (!redis) return Promise.reject(new Error('no Redis connection to batch reads on'))
    const node = nodeOf(redis, key)
    let reads = this.#nodes.get(node)
    if (!reads) {
      reads = []
      this.#nodes.set(node, reads)
    }
    this.#size++
    const queued = reads
    return new Promise<T>((resolve, reject) => {
      queued.push({ command, parse, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  async run(budgetMs: number): Promise<void> {
    const redis = this.#redis!
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
      await Promise.all(batches.map((reads) => settle(redis, reads, deadline)))
    } finally {
      clearTimeout(timer)
    }
  }
}

/** One command sent: a queued read, or the GETs of several queued reads as one MGET (one reply each, in order). */
export interface Sent {
  command: ReadCommand
  reads: readonly QueuedRead[]
}

/**
 * The commands that answer a node's reads: its GETs as one MGET (per slot on a cluster, where one command's keys
 * must share one), everything else as queued. A request's score-cache reads are a GET per item: as one command they
 * cost the client one command's work instead of fifty. A key holding another type than a string then reads as
 * missing (MGET's nil) instead of failing its GET: the cache reads treat both as a miss.
 */
export function coalesce(reads: readonly QueuedRead[], cluster: boolean): Sent[] {
  const sent: Sent[] = []
  const gets = new Map<number, QueuedRead[]>()
  for (const read of reads) {
    const [name, key] = read.command
    if (name !== 'get') {
      sent.push({ command: read.command, reads: [read] })
      continue
    }
    const slot = cluster ? calculateSlot(String(key)) : 0
    const group = gets.get(slot)
    if (group) group.push(read)
    else gets.set(slot, [read])
  }
  for (const group of gets.values()) {
    sent.push(group.length === 1 ? { command: group[0]!.command, reads: group } : { command: ['mget', ...group.map((read) => read.command[1]!)], reads: group })
  }
  return sent
}

async function settle(redis: RedisClient, queued: readonly QueuedRead[], deadline: Promise<never>): Promise<void> {
  const sent = coalesce(queued, isCluster(redis))
  try {
    if (sent.length === 1) {
      const only = sent[0]!
      deliver(only, null, await Promise.race([redis.call(...only.command), deadline]))
      return
    }
    const pipeline = redis.pipeline()
    for (const { command } of sent) pipeline.call(...command)
    // A plain pipeline (no MULTI) always answers one reply per queued command.
    const replies = (await Promise.race([pipeline.exec(), deadline]))!
    sent.forEach((one, index) => {
      const [err, reply] = replies[index]!
      deliver(one, err, reply)
    })
  } catch (err) {
    for (const read of queued) read.reject(err as Error)
  }
}

/** Settles the reads a command answered: each its own reply (an MGET's replies in the order of its reads). */
function deliver({ reads }: Sent, err: Error | null, reply: unknown): void {
  if (err) for (const read of reads) read.reject(err)
  else if (reads.length === 1) answer(reads[0]!, reply)
  else reads.forEach((read, index) => answer(read, (reply as unknown[])[index]))
}

function answer(read: QueuedRead, reply: unknown): void {
  try {
    read.resolve(read.parse(reply))
  } catch (parseErr) {
    read.reject(parseErr as Error)
  }
}
