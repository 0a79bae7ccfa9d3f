import type { ChainableCommander, Result } from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import { isCluster, type RedisClient } from '../redis/connection.js'
import { rulesConflict, storeContention, storeUnavailable } from '../errors.js'
import { forgettableAt } from './document.js'
import type { ReadBatch } from '../redis/read-batch.js'
import { ChannelSubscription } from '../redis/channel-subscription.js'
import { ReplicaWait } from '../redis/replica-wait.js'
import { defaultRules, type RulesDocument } from './schema.js'
import type { RulesChange, RulesStore } from './rules-store.js'

/**
 * Compare-and-set: stores the new document only if the stored version is still the one the change was
 * computed from, and announces the change in the same atomic step. Returns the stored version on a race.
 * A document holding only what feedback taught expires with it (ARGV[6], ms); any other never expires.
 * Without a channel (ARGV[4] empty: on a cluster) the change is announced after the script.
 */
const CAS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v') or '0'
if current ~= ARGV[1] then return tonumber(current) end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'doc', ARGV[3])
redis.call('HDEL', KEYS[1], 'deleted')
if ARGV[6] == '' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[6]) end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return -1
`

/**
 * Deleting leaves a tombstone: the defaults at the next version (ARGV[3] is their JSON without the
 * version), kept for good, so an If-Match from before the delete never matches again.
 */
const DELETE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v')
if not current or redis.call('HEXISTS', KEYS[1], 'deleted') == 1 then return 0 end
local next = tonumber(current) + 1
redis.call('HSET', KEYS[1], 'v', next, 'doc', '{"version":' .. next .. ',' .. string.sub(ARGV[3], 2), 'deleted', '1')
redis.call('PERSIST', KEYS[1])
if ARGV[1] ~= '' then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return 1
`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fgRulesCas(
      key: string,
      expected: string,
      next: string,
      doc: string,
      channel: string,
      userId: string,
      ttlMs: string
    ): Result<number, Context>
    fgRulesDelete(key: string, channel: string, userId: string, defaults: string): Result<number, Context>
  }
}

export interface RedisRulesStoreOptions {
  /** Connection for commands. */
  redis: RedisClient
  /** A dedicated connection for change notifications (it is put in subscriber mode). */
  subscriber: RedisClient
  keyPrefix: string
  /** Writes wait for a replica through this (src/redis/replica-wait.ts); without it they do not wait. */
  writes?: ReplicaWait
  /** Bound on recomputations when writers keep racing on one user's rules. */
  maxAttempts?: number
}

/** Key layout: every key of one user shares the `{u:<id>}` hash tag, so it lives in one Redis Cluster slot. */
export const rulesKey = (prefix: string, userId: string) => `${prefix}{u:${userId}}:rules`
export const rulesChannel = (prefix: string) => `${prefix}rules-changed`

/**
 * On a Redis Cluster, changes go out on sharded channels, a user's by the slot of their rules key.
 * A script may publish on a sharded channel of its own slot only, and no replica could subscribe to a
 * channel per slot of every user: so the announcement follows the script, on one of a fixed set of
 * channels that spread over the shards. Every replica subscribes to all of them.
 */
export const RULES_CHANNEL_SHARDS = 16
export const rulesShardChannels = (prefix: string) =>
  Array.from({ length: RULES_CHANNEL_SHARDS }, (_, n) => `${prefix}{rules-changed:${n}}`)

export class RedisRulesStore implements RulesStore {
  readonly kind = 'redis'
  readonly #redis: RedisClient
  readonly #writes: ReplicaWait
  readonly #subscription: ChannelSubscription
  readonly #prefix: string
  /** One node: the channel the scripts publish on. A cluster: '' (the scripts do not publish). */
  readonly #channel: string
  /** A cluster: the sharded channels changes are announced on after the script. */
  readonly #shardChannels: readonly string[]
  readonly #maxAttempts: number
  readonly #listeners: Array<(userId: string) => void> = []
  readonly #resyncListeners: Array<() => void> = []

  constructor(options: RedisRulesStoreOptions) {
    this.#redis = options.redis
    this.#prefix = options.keyPrefix
    const cluster = isCluster(options.redis)
    this.#channel = cluster ? '' : rulesChannel(options.keyPrefix)
    this.#shardChannels = cluster ? rulesShardChannels(options.keyPrefix) : []
    this.#maxAttempts = options.maxAttempts ?? 50
    this.#writes = options.writes ?? new ReplicaWait({ redis: options.redis, timeoutMs: 0 })
    for (const redis of new Set([this.#redis, this.#writes.redis])) {
      redis.defineCommand('fgRulesCas', { numberOfKeys: 1, lua: CAS_SCRIPT })
      redis.defineCommand('fgRulesDelete', { numberOfKeys: 1, lua: DELETE_SCRIPT })
    }
    // After a reconnect (lost notifications) every cached document is suspect.
    this.#subscription = new ChannelSubscription(
      options.subscriber,
      cluster ? this.#shardChannels : this.#channel,
      (userId) => {
        for (const listener of this.#listeners) listener(userId)
      },
      () => {
        for (const listener of this.#resyncListeners) listener()
      }
    )
  }

  /** Subscribes to change notifications; call once before serving (see ChannelSubscription.start). */
  async start(): Promise<void> {
    await this.#subscription.start()
  }

  key(userId: string): string {
    return rulesKey(this.#prefix, userId)
  }

  async get(userId: string): Promise<RulesDocument> {
    const stored = await this.#call(() => this.#redis.hget(this.key(userId), 'doc'))
    return parseStoredRules(stored)
  }

  read(userId: string, batch: ReadBatch): Promise<RulesDocument> {
    const key = this.key(userId)
    return batch.add(key, ['hget', key, 'doc'], (reply) => parseStoredRules(reply as string | null))
  }

  async update<T>(userId: string, change: RulesChange<T>, expectedVersion?: number) {
    const key = this.key(userId)
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const current = await this.get(userId)
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw rulesConflict(expectedVersion, current.version)
      }
      const { content, result } = change(current)
      const doc: RulesDocument = { version: current.version + 1, ...content }
      const forgettable = forgettableAt(doc)
      const ttlMs = forgettable === null ? '' : String(Math.max(1, forgettable - Date.now()))
      const { reply: outcome, acknowledged } = await this.#write(key, (pipeline) =>
        pipeline.fgRulesCas(key, String(current.version), String(doc.version), JSON.stringify(doc), this.#channel, userId, ttlMs)
      )
      if (outcome === -1) {
        if (!acknowledged) throw this.#writes.unacknowledged('rules store')
        await this.#announce(key, userId)
        return { doc, result }
      }
      // Another writer stored a version in between: recompute on top of it.
    }
    throw storeContention()
  }

  async delete(userId: string): Promise<boolean> {
    const { version: _version, ...defaults } = defaultRules()
    const key = this.key(userId)
    const { reply: removed, acknowledged } = await this.#write(key, (pipeline) =>
      pipeline.fgRulesDelete(key, this.#channel, userId, JSON.stringify(defaults))
    )
    if (removed !== 1) return false
    if (!acknowledged) throw this.#writes.unacknowledged('rules store')
    await this.#announce(key, userId)
    return true
  }

  onChange(listener: (userId: string) => void): void {
    this.#listeners.push(listener)
  }

  onResync(listener: () => void): void {
    this.#resyncListeners.push(listener)
  }

  async ping(): Promise<void> {
    await this.#call(() => this.#redis.ping())
  }

  /** Stops listening; the connections belong to whoever made them. */
  async close(): Promise<void> {
    this.#subscription.close()
  }

  /**
   * On a cluster, announces a stored change on its sharded channel. Not announced (that shard failing
   * over), it is seen by the cache's TTL: the write stands, and the replicas subscribed to that shard
   * resync when their subscription comes back.
   */
  async #announce(key: string, userId: string): Promise<void> {
    if (this.#shardChannels.length === 0) return
    const channel = this.#shardChannels[calculateSlot(key) % this.#shardChannels.length]!
    await this.#redis.spublish(channel, userId).catch(() => undefined)
  }

  /** One write script on `key`'s node, then the wait for a replica (see ReplicaWait). */
  async #write(key: string, queue: (pipeline: ChainableCommander) => void): Promise<{ reply: number; acknowledged: boolean }> {
    const { replies, acknowledged } = await this.#call(() => this.#writes.exec(key, queue))
    const [err, reply] = replies[0]!
    if (err) throw storeUnavailable(err.message)
    return { reply: reply as number, acknowledged }
  }

  /** Any failure to reach Redis becomes FG_STORE_UNAVAILABLE; a write that fails stored nothing. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (err) {
      throw storeUnavailable((err as Error).message)
    }
  }
}

/** Stored documents are the service's own JSON; absence means defaults. */
export function parseStoredRules(stored: string | null | undefined): RulesDocument {
  // Fields added in later versions of the document take their defaults when reading older ones.
  return stored ? { ...defaultRules(), ...(JSON.parse(stored) as Partial<RulesDocument>) } : defaultRules()
}
