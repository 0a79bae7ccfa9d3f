/**
 * `npm run migrate:aggregates`: moves crowd signals, item statuses, reporter trust and insights buckets
 * from the layout where every key shared the `{agg}` hash tag to the layout where they spread
 * (src/feedback/redis-aggregate-store.ts), on the single Redis node of REDIS_URL, under
 * REDIS_KEY_PREFIX. Run it before the new version takes traffic; it is safe to run again (it only
 * finds keys of the old layout). A key the new version has already written is kept, and the old one
 * merged into it where that is exact (counters, rankings, HyperLogLogs) or dropped where it is not
 * (an item's or creator's window, a status, a trust, an event id).
 */
import { Redis } from 'ioredis'
import { loadConfig } from '../src/config.js'
import { HOUR_MS } from '../src/feedback/aggregate-store.js'
import { aggregateKeys, shardOf } from '../src/feedback/redis-aggregate-store.js'
import { digest } from '../src/feedback/terms.js'

export interface MigrationReport {
  moved: number
  merged: number
  dropped: number
}

export async function migrateAggregates(redis: Redis, prefix: string): Promise<MigrationReport> {
  const old = `${prefix}{agg}:`
  const k = aggregateKeys(prefix)
  const report: MigrationReport = { moved: 0, merged: 0, dropped: 0 }
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(old)}*`, 'COUNT', 500)
    cursor = next
    for (const key of keys) {
      const rest = key.slice(old.length)
      const target = renamed(rest, k)
      if (target) {
        // RENAMENX keeps the value and its expiry; a key the new version wrote since wins.
        if ((await redis.renamenx(key, target)) === 1) report.moved++
        else {
          await redis.del(key)
          report.dropped++
        }
        continue
      }
      const hourly = /^h:(\d+):(fb|ri|ra|rh|rc|mk|mu:(.+))$/.exec(rest)
      if (!hourly) {
        // Scratch keys of an interrupted query, and anything unknown under the old tag.
        await redis.del(key)
        report.dropped++
        continue
      }
      await mergeBucket(redis, key, Number(hourly[1]) * HOUR_MS, hourly[2]!, hourly[3], k)
      report.merged++
    }
  } while (cursor !== '0')
  return report
}

/** The new name of a key that moves whole, or undefined for an hourly bucket (merged) or scratch. */
function renamed(rest: string, k: ReturnType<typeof aggregateKeys>): string | undefined {
  if (rest === 'review') return k.review()
  const match = /^(ev|tr|st):(.*)$/.exec(rest)
  if (match) {
    const [, kind, id] = match as unknown as [string, 'ev' | 'tr' | 'st', string]
    return kind === 'ev' ? k.event(id) : kind === 'tr' ? k.trust(id) : k.status(id)
  }
  const item = /^it:(.*):(rt|rw|rs)$/.exec(rest)
  if (item) return { rt: k.itemTimes, rw: k.itemReports, rs: k.itemSums }[item[2] as 'rt' | 'rw' | 'rs'](item[1]!)
  const creator = /^au:(.*):rt$/.exec(rest)
  return creator ? k.creator(creator[1]!) : undefined
}

async function mergeBucket(redis: Redis, key: string, hour: number, what: string, termDigest: string | undefined, k: ReturnType<typeof aggregateKeys>) {
  const ttl = await redis.pttl(key)
  const touched = new Set<string>()
  if (termDigest !== undefined) {
    const target = k.mutedUsers(hour, termDigest)
    await redis.pfmerge(target, target, key)
    touched.add(target)
  } else if (what === 'fb') {
    const target = k.counts(hour, 0)
    for (const [kind, count] of Object.entries(await redis.hgetall(key))) await redis.hincrby(target, kind, Number(count))
    touched.add(target)
  } else {
    const ranking = what as 'ri' | 'ra' | 'rh' | 'rc' | 'mk'
    const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES')
    for (let i = 0; i < flat.length; i += 2) {
      const member = flat[i]!
      // Keywords fall in the shard of their digest (beside their HyperLogLog), other members in their own.
      const target = k.ranking(hour, ranking, shardOf(ranking === 'mk' ? digest(member) : member))
      await redis.zincrby(target, Number(flat[i + 1]), member)
      touched.add(target)
    }
  }
  if (ttl > 0) for (const target of touched) await redis.pexpire(target, Math.max(ttl, await redis.pttl(target)))
  await redis.del(key)
}

const escapeGlob = (value: string) => value.replace(/[*?[\]\\]/g, '\\$&')

async function main(): Promise<void> {
  const config = loadConfig()
  if (!config.REDIS_URL) throw new Error('set REDIS_URL to the Redis node that holds the old layout')
  const redis = new Redis(config.REDIS_URL)
  try {
    const report = await migrateAggregates(redis, config.REDIS_KEY_PREFIX)
    process.stdout.write(`moved ${report.moved} keys, merged ${report.merged} hourly buckets, dropped ${report.dropped} keys\n`)
  } finally {
    redis.disconnect()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(1)
  })
}
