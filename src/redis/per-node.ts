import calculateSlot from 'cluster-key-slot'
import type { ChainableCommander } from 'ioredis'
import { isCluster, type RedisClient } from './connection.js'

/**
 * The node that serves `key` by the client's slot map: '' on a single node, and on a cluster whose
 * slot map is not known yet (ioredis then sends the pipeline where it can, and follows redirections).
 */
export function nodeOf(redis: RedisClient, key: string): string {
  return isCluster(redis) ? (redis.slots[calculateSlot(key)]?.[0] ?? '') : ''
}

/** A command on the slot of `key` (every key it touches shares that slot). */
export interface KeyedCommand {
  key: string
  queue: (pipeline: ChainableCommander) => void
}

/**
 * Sends commands as one pipeline per node that holds one of their keys (a single pipeline on one
 * node), concurrently; answers each command's [error, reply] in the order given. A node that cannot
 * be reached fails its own commands only.
 */
export async function execByNode(redis: RedisClient, commands: readonly KeyedCommand[]): Promise<Array<[Error | null, unknown]>> {
  const groups = new Map<string, { pipeline: ChainableCommander; indexes: number[] }>()
  commands.forEach((command, index) => {
    const node = nodeOf(redis, command.key)
    let group = groups.get(node)
    if (!group) {
      group = { pipeline: redis.pipeline(), indexes: [] }
      groups.set(node, group)
    }
    command.queue(group.pipeline)
    group.indexes.push(index)
  })
  const replies = new Array<[Error | null, unknown]>(commands.length)
  await Promise.all(
    [...groups.values()].map(async ({ pipeline, indexes }) => {
      try {
        const answered = (await pipeline.exec())!
        indexes.forEach((index, position) => (replies[index] = answered[position]!))
      } catch (err) {
        for (const index of indexes) replies[index] = [err as Error, undefined]
      }
    })
  )
  return replies
}

/** Sets each KEYS[i] to ARGV[i + 1], to expire in ARGV[1] seconds. */
const SET_ALL_SCRIPT = `for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1]) end return #KEYS`

/** Keys one script sets at most: bounds how long it holds Redis (about a microsecond per key). */
const SET_ALL_MAX_KEYS = 100

/**
 * The commands that set `entries` (key, value) to expire in `ttlSeconds`: the keys of one slot (all of them on a
 * single node) as one script of at most SET_ALL_MAX_KEYS keys, a key alone in its slot as a plain SET. The caches
 * write back a key per new item after a response: one command instead of fifty is that much less client work.
 */
export function setAllCommands(entries: ReadonlyArray<readonly [key: string, value: string]>, ttlSeconds: number, cluster: boolean): KeyedCommand[] {
  const slots = new Map<number, Array<readonly [string, string]>>()
  for (const entry of entries) {
    const slot = cluster ? calculateSlot(entry[0]) : 0
    const group = slots.get(slot)
    if (group) group.push(entry)
    else slots.set(slot, [entry])
  }
  const commands: KeyedCommand[] = []
  for (const group of slots.values()) {
    for (let from = 0; from < group.length; from += SET_ALL_MAX_KEYS) {
      const part = group.slice(from, from + SET_ALL_MAX_KEYS)
      const [key, value] = part[0]!
      commands.push(
        part.length === 1
          ? { key, queue: (pipeline) => pipeline.set(key, value, 'EX', ttlSeconds) }
          : { key, queue: (pipeline) => pipeline.eval(SET_ALL_SCRIPT, part.length, ...part.map(([k]) => k), ttlSeconds, ...part.map(([, v]) => v)) }
      )
    }
  }
  return commands
}

/** Sets `entries` to expire in `ttlSeconds` (see setAllCommands); rejects if any command failed. */
export async function setAll(redis: RedisClient, entries: ReadonlyArray<readonly [key: string, value: string]>, ttlSeconds: number): Promise<void> {
  const replies = await execByNode(redis, setAllCommands(entries, ttlSeconds, isCluster(redis)))
  const failed = replies.find(([err]) => err !== null)
  if (failed) throw failed[0]!
}
