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
