import calculateSlot from 'cluster-key-slot'
import type { ChainableCommander, Redis } from 'ioredis'
import { replicaUnacknowledged, type FeedguardError } from '../errors.js'
import { isCluster, type RedisClient } from './connection.js'

export interface ReplicaWaitOptions {
  /**
   * The connection writes that wait go on. It must be one of its own: WAIT blocks the connection it is
   * sent on, and a scoring read queued behind it on a shared one would wait for the replica too.
   */
  redis: RedisClient
  /** How long a write waits for a replica's acknowledgement (WAIT's timeout); 0: writes never wait. */
  timeoutMs: number
  /** How long a master's replica count (INFO replication) is trusted before it is asked again. */
  replicaCheckMs?: number
  now?: () => number
}

/** Replies of the queued commands, and whether a replica acknowledged them (true when none had to). */
export interface AcknowledgedReplies {
  replies: Array<[Error | null, unknown]>
  acknowledged: boolean
}

/**
 * Writes that must survive a failover. Redis replicates asynchronously: a write its master acknowledged
 * and then lost before replicating is gone, even though the replica that takes over is healthy. So the
 * write is followed by `WAIT 1 <timeout>` in the same pipeline (same connection, same node: WAIT counts
 * the replicas that have this connection's writes), when the shard has a replica to wait for: the
 * online replicas in the master's INFO replication, asked at most every `replicaCheckMs` per master. A
 * master without replicas acknowledges on its own, as before.
 */
export class ReplicaWait {
  readonly redis: RedisClient
  readonly #timeoutMs: number
  readonly #checkMs: number
  readonly #now: () => number
  readonly #replicas = new Map<string, { count: number; at: number }>()

  constructor(options: ReplicaWaitOptions) {
    this.redis = options.redis
    this.#timeoutMs = options.timeoutMs
    this.#checkMs = options.replicaCheckMs ?? 1000
    this.#now = options.now ?? Date.now
  }

  /**
   * Sends the commands `queue` adds (every key they touch in `key`'s slot) as one pipeline on that slot's
   * node, followed by WAIT when the shard has a replica. Rejects when the pipeline cannot be sent; a
   * command's own error is in its reply.
   */
  async exec(key: string, queue: (pipeline: ChainableCommander) => void): Promise<AcknowledgedReplies> {
    const wait = this.#timeoutMs > 0 && (await this.#hasReplica(key))
    const pipeline = this.redis.pipeline()
    queue(pipeline)
    if (wait) pipeline.call('WAIT', 1, this.#timeoutMs)
    const replies = (await pipeline.exec())!
    if (!wait) return { replies, acknowledged: true }
    const [err, acks] = replies.pop()!
    return { replies, acknowledged: !err && (acks as number) >= 1 }
  }

  /** The answer to a write no replica acknowledged in time: the master has it, and a failover may lose it. */
  unacknowledged(store: string): FeedguardError {
    return replicaUnacknowledged(store, this.#timeoutMs)
  }

  async #hasReplica(key: string): Promise<boolean> {
    const node = this.#masterOf(key)
    if (!node) return false
    const known = this.#replicas.get(node.key)
    if (known && this.#now() - known.at < this.#checkMs) return known.count > 0
    const info = await node.redis.info('replication')
    // Replicas still syncing (state=wait_bgsave, send_bulk) would not acknowledge: only online ones count.
    const count = info.match(/^slave\d+:.*state=online/gm)?.length ?? 0
    this.#replicas.set(node.key, { count, at: this.#now() })
    return count > 0
  }

  /**
   * The master serving `key`: the node itself, or on a cluster the one the slot map names (none while
   * the map is not known: the write then fails on its own). Not the slot map's replicas: CLUSTER SLOTS
   * leaves out a replica that has not replicated anything yet, and the map is refreshed only now and then.
   */
  #masterOf(key: string): { key: string; redis: Redis } | undefined {
    const redis = this.redis
    if (!isCluster(redis)) return { key: '', redis }
    const master = redis.slots[calculateSlot(key)]?.[0]
    const node = redis.nodes('master').find((candidate) => `${candidate.options.host}:${candidate.options.port}` === master)
    return node && { key: master!, redis: node }
  }
}
