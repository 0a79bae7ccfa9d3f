import type { ChainableCommander, Result } from 'ioredis'
import { isCluster, type RedisClient } from '../redis/connection.js'
import { bankEntryNotFound, bankExists, bankNotFound, storeUnavailable } from '../errors.js'
import { byName, parseBankChange, type Bank, type BankChange, type BankEntry, type BankSummary, type EntryPage } from './bank.js'
import type { BankPatch, BankStore, NewBankEntry } from './bank-store.js'
import { ChannelSubscription } from '../redis/channel-subscription.js'
import { ReplicaWait } from '../redis/replica-wait.js'

/*
 * Every script changes the banks, counts the change (INCR of the version key) and publishes it with its
 * version in one atomic step: replicas apply changes in version order and resync when they see a gap.
 * All keys share the `{banks}` hash tag, so the scripts run on one Redis Cluster slot.
 */

// KEYS: banks, version. ARGV: name, bank JSON, channel.
const CREATE_SCRIPT = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], '{"v":' .. v .. ',"op":"create","bank":' .. ARGV[2] .. '}')
return v
`

// KEYS: banks, version, entries. ARGV: name, enabled ('1', '0' or '' to keep), description mode ('keep',
// 'set', 'clear'), description, channel. Answers {version, bank JSON, entry count}, or nil when there is no
// such bank.
const UPDATE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
local bank = cjson.decode(current)
if ARGV[2] ~= '' then bank.enabled = (ARGV[2] == '1') end
if ARGV[3] == 'set' then bank.description = ARGV[4] elseif ARGV[3] == 'clear' then bank.description = nil end
local json = cjson.encode(bank)
redis.call('HSET', KEYS[1], ARGV[1], json)
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[5], '{"v":' .. v .. ',"op":"update","bank":' .. json .. '}')
return {v, json, redis.call('HLEN', KEYS[3])}
`

// KEYS: banks, version, entries, hashes, ids. ARGV: name, channel.
const DELETE_SCRIPT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('UNLINK', KEYS[3], KEYS[4], KEYS[5])
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[2], '{"v":' .. v .. ',"op":"delete","bank":' .. cjson.encode(ARGV[1]) .. '}')
return v
`

// KEYS: banks, version, entries, hashes, ids. ARGV: name, channel, then 5 per entry: id, hash,
// content id ('' for none), action, addedAt. Answers {version, entry JSON…}, or nil when there is no bank.
const ADD_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return false end
local stored = {}
for base = 3, #ARGV, 5 do
  local id, hash, contentId, action, addedAt = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  local existing = redis.call('HGET', KEYS[4], hash)
  if existing then
    id = existing
    addedAt = cjson.decode(redis.call('HGET', KEYS[3], existing)).addedAt
  else
    redis.call('HSET', KEYS[4], hash, id)
    redis.call('ZADD', KEYS[5], 0, id)
  end
  local entry = {id = id, hash = hash, action = action, addedAt = addedAt}
  if contentId ~= '' then entry.contentId = contentId end
  local json = cjson.encode(entry)
  redis.call('HSET', KEYS[3], id, json)
  stored[#stored + 1] = json
end
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[2], '{"v":' .. v .. ',"op":"add","bank":' .. cjson.encode(ARGV[1]) .. ',"entries":[' .. table.concat(stored, ',') .. ']}')
table.insert(stored, 1, v)
return stored
`

// KEYS: banks, version, entries, hashes, ids. ARGV: name, entry id, channel. -1: no bank, 0: no entry.
const REMOVE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local json = redis.call('HGET', KEYS[3], ARGV[2])
if not json then return 0 end
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[4], cjson.decode(json).hash)
redis.call('ZREM', KEYS[5], ARGV[2])
local v = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], '{"v":' .. v .. ',"op":"remove","bank":' .. cjson.encode(ARGV[1]) .. ',"entryId":' .. cjson.encode(ARGV[2]) .. '}')
return v
`

// KEYS: banks, entries, ids. ARGV: name, lower bound ('-' or '(' .. after), limit. Nil when there is no bank.
const LIST_ENTRIES_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return false end
local ids = redis.call('ZRANGEBYLEX', KEYS[3], ARGV[2], '+', 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(ids))
`

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fgBankCreate(banks: string, version: string, name: string, bank: string, channel: string): Result<number, Context>
    fgBankUpdate(
      banks: string,
      version: string,
      entries: string,
      name: string,
      enabled: string,
      descriptionMode: string,
      description: string,
      channel: string
    ): Result<[number, string, number] | null, Context>
    fgBankDelete(...args: string[]): Result<number, Context>
    fgBankAdd(...args: string[]): Result<[number, ...string[]] | null, Context>
    fgBankRemove(...args: string[]): Result<number, Context>
    fgBankListEntries(...args: string[]): Result<Array<string | null> | null, Context>
  }
}

/**
 * Key layout, all under the `{banks}` hash tag: `<prefix>{banks}:banks` (hash: name → bank JSON),
 * `<prefix>{banks}:version` (the change counter), and per bank `<prefix>{banks}:b:<name>:entries`
 * (hash: entry id → entry JSON), `…:hashes` (hash: hex hash → entry id) and `…:ids` (sorted set of
 * entry ids, for paging).
 */
export function bankKeys(prefix: string, bank?: string) {
  const base = `${prefix}{banks}:`
  return {
    banks: `${base}banks`,
    version: `${base}version`,
    entries: `${base}b:${bank}:entries`,
    hashes: `${base}b:${bank}:hashes`,
    ids: `${base}b:${bank}:ids`
  }
}

export const bankChannel = (prefix: string) => `${prefix}banks-changed`
/** On a Redis Cluster: a sharded channel in the banks' slot. */
export const bankShardChannel = (prefix: string) => `${prefix}{banks}:changed`

/** A script that announces on the sharded channel (SPUBLISH) instead. */
const sharded = (script: string) => script.replace("redis.call('PUBLISH'", "redis.call('SPUBLISH'")

export interface RedisBankStoreOptions {
  /** Connection for commands. */
  redis: RedisClient
  /** A connection in subscriber mode, shared with other stores' notifications. */
  subscriber: RedisClient
  keyPrefix: string
  /** Writes wait for a replica through this (src/redis/replica-wait.ts); without it they do not wait. */
  writes?: ReplicaWait | null
}

export class RedisBankStore implements BankStore {
  readonly kind = 'redis'
  readonly #redis: RedisClient
  readonly #writes: ReplicaWait
  readonly #prefix: string
  readonly #channel: string
  readonly #listeners: Array<(change: BankChange) => void> = []
  readonly #resyncListeners: Array<() => void> = []
  readonly #subscription: ChannelSubscription

  constructor(options: RedisBankStoreOptions) {
    this.#redis = options.redis
    this.#prefix = options.keyPrefix
    this.#channel = isCluster(options.redis) ? bankShardChannel(options.keyPrefix) : bankChannel(options.keyPrefix)
    this.#writes = options.writes ?? new ReplicaWait({ redis: options.redis, timeoutMs: 0 })
    // On a cluster the scripts publish on a sharded channel of the banks' own slot: atomic still, and the
    // messages stay on that shard instead of crossing the cluster bus to every node.
    const publishing = isCluster(options.redis) ? sharded : (script: string) => script
    for (const redis of new Set([this.#redis, this.#writes.redis])) {
      redis.defineCommand('fgBankCreate', { numberOfKeys: 2, lua: publishing(CREATE_SCRIPT) })
      redis.defineCommand('fgBankUpdate', { numberOfKeys: 3, lua: publishing(UPDATE_SCRIPT) })
      redis.defineCommand('fgBankDelete', { numberOfKeys: 5, lua: publishing(DELETE_SCRIPT) })
      redis.defineCommand('fgBankAdd', { numberOfKeys: 5, lua: publishing(ADD_SCRIPT) })
      redis.defineCommand('fgBankRemove', { numberOfKeys: 5, lua: publishing(REMOVE_SCRIPT) })
    }
    this.#redis.defineCommand('fgBankListEntries', { numberOfKeys: 3, lua: LIST_ENTRIES_SCRIPT })
    // A message that cannot be read, like a reconnect (lost messages), makes replicas reload.
    const resync = () => {
      for (const listener of this.#resyncListeners) listener()
    }
    this.#subscription = new ChannelSubscription(
      options.subscriber,
      this.#channel,
      (message) => {
        const change = parseBankChange(message)
        if (change) for (const listener of this.#listeners) listener(change)
        else resync()
      },
      resync
    )
  }

  /** Subscribes to change notifications; call once before serving (see ChannelSubscription.start). */
  async start(): Promise<void> {
    await this.#subscription.start()
  }

  async createBank(bank: Bank): Promise<number> {
    const keys = bankKeys(this.#prefix)
    const version = await this.#write<number>((pipeline) => pipeline.fgBankCreate(keys.banks, keys.version, bank.name, JSON.stringify(bank), this.#channel), (v) => v !== 0)
    if (version === 0) throw bankExists(bank.name)
    return version
  }

  async listBanks(): Promise<BankSummary[]> {
    const stored = await this.#call(() => this.#redis.hgetall(bankKeys(this.#prefix).banks))
    const banks = Object.values(stored).map((json) => JSON.parse(json) as Bank)
    banks.sort(byName)
    if (banks.length === 0) return []
    const pipeline = this.#redis.pipeline()
    for (const bank of banks) pipeline.hlen(bankKeys(this.#prefix, bank.name).entries)
    const counts = await this.#call(async () => replies(await pipeline.exec()))
    return banks.map((bank, i) => ({ ...bank, entries: counts[i] as number }))
  }

  async getBank(name: string): Promise<BankSummary> {
    const keys = bankKeys(this.#prefix, name)
    const [json, count] = await this.#call(async () => replies(await this.#redis.multi().hget(keys.banks, name).hlen(keys.entries).exec()))
    if (json === null) throw bankNotFound(name)
    return { ...(JSON.parse(json as string) as Bank), entries: count as number }
  }

  async updateBank(name: string, patch: BankPatch): Promise<{ version: number; bank: BankSummary }> {
    const keys = bankKeys(this.#prefix, name)
    const enabled = patch.enabled === undefined ? '' : patch.enabled ? '1' : '0'
    const mode = patch.description === undefined ? 'keep' : patch.description === null ? 'clear' : 'set'
    const reply = await this.#write<[number, string, number] | null>(
      (pipeline) => pipeline.fgBankUpdate(keys.banks, keys.version, keys.entries, name, enabled, mode, patch.description ?? '', this.#channel),
      (r) => r !== null
    )
    if (reply === null) throw bankNotFound(name)
    return { version: reply[0], bank: { ...(JSON.parse(reply[1]) as Bank), entries: reply[2] } }
  }

  async deleteBank(name: string): Promise<number> {
    const version = await this.#write<number>((pipeline) => pipeline.fgBankDelete(...this.#bankKeyArgs(name), name, this.#channel), (v) => v !== 0)
    if (version === 0) throw bankNotFound(name)
    return version
  }

  async addEntries(bank: string, entries: readonly NewBankEntry[]): Promise<{ version: number; entries: BankEntry[] }> {
    const args = entries.flatMap((entry) => [entry.id, entry.hash, entry.contentId ?? '', entry.action, entry.addedAt])
    const reply = await this.#write<[number, ...string[]] | null>((pipeline) => pipeline.fgBankAdd(...this.#bankKeyArgs(bank), bank, this.#channel, ...args), (r) => r !== null)
    if (reply === null) throw bankNotFound(bank)
    const [version, ...stored] = reply
    return { version, entries: stored.map((json) => JSON.parse(json) as BankEntry) }
  }

  async listEntries(bank: string, page: { after?: string; limit: number }): Promise<EntryPage> {
    const keys = bankKeys(this.#prefix, bank)
    const from = page.after === undefined ? '-' : `(${page.after}`
    // One more than asked for tells whether there is a next page.
    const reply = await this.#call(() =>
      this.#redis.fgBankListEntries(keys.banks, keys.entries, keys.ids, bank, from, String(page.limit + 1))
    )
    if (reply === null) throw bankNotFound(bank)
    const entries = reply.slice(0, page.limit).map((json) => JSON.parse(json!) as BankEntry)
    return { entries, next: reply.length > page.limit ? entries[entries.length - 1]!.id : null }
  }

  async removeEntry(bank: string, entryId: string): Promise<number> {
    const version = await this.#write<number>((pipeline) => pipeline.fgBankRemove(...this.#bankKeyArgs(bank), bank, entryId, this.#channel), (v) => v > 0)
    if (version === -1) throw bankNotFound(bank)
    if (version === 0) throw bankEntryNotFound(bank, entryId)
    return version
  }

  async version(): Promise<number> {
    return Number(await this.#call(() => this.#redis.get(bankKeys(this.#prefix).version)))
  }

  onChange(listener: (change: BankChange) => void): void {
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

  #bankKeyArgs(bank: string): [string, string, string, string, string] {
    const keys = bankKeys(this.#prefix, bank)
    return [keys.banks, keys.version, keys.entries, keys.hashes, keys.ids]
  }

  /**
   * One write script on the `{banks}` slot, then the wait for a replica (see ReplicaWait): a change
   * (`changed` tells one from a refusal) no replica acknowledged in time is FG_STORE_UNAVAILABLE.
   */
  async #write<T>(queue: (pipeline: ChainableCommander) => void, changed: (reply: T) => boolean): Promise<T> {
    const { replies, acknowledged } = await this.#call(() => this.#writes.exec(bankKeys(this.#prefix).version, queue))
    const [err, reply] = replies[0]!
    if (err) throw storeUnavailable(err.message, 'hash bank store')
    if (!acknowledged && changed(reply as T)) throw this.#writes.unacknowledged('hash bank store')
    return reply as T
  }

  /** Any failure to reach Redis becomes FG_STORE_UNAVAILABLE; a write that fails stored nothing. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (err) {
      throw storeUnavailable((err as Error).message, 'hash bank store')
    }
  }
}

/** The replies of a pipeline or transaction; the first failed command's error is thrown. */
function replies(results: Array<[Error | null, unknown]> | null): unknown[] {
  return results!.map(([err, value]) => {
    if (err) throw err
    return value
  })
}

