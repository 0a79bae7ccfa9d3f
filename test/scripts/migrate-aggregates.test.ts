// Single-node Redis on purpose, not in `npm run test:cluster`: the one-off migration from the single-node key layout takes REDIS_URL only.
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { migrateAggregates } from '../../scripts/migrate-aggregates.js'
import { defaultAggregateOptions, HOUR_MS, hourOf } from '../../src/feedback/aggregate-store.js'
import { aggregateKeys, RedisAggregateStore } from '../../src/feedback/redis-aggregate-store.js'
import { digest } from '../../src/feedback/terms.js'
import { redisClient, redisUrl, testPrefix } from '../helpers/redis.js'
import { typescriptNodeArgs } from '../helpers/node-args.js'

t.test('the {agg} layout moves to the spread one: what the old version stored reads the same afterwards', async (t) => {
  const prefix = testPrefix()
  const redis = await redisClient(t, prefix)
  const now = Date.now()
  const hour = hourOf(now) / HOUR_MS
  const old = `${prefix}{agg}:`
  const day = 24 * HOUR_MS
  // What the previous version wrote: one report by r1 on v1 (by creator c1), a verdict-free status, counters.
  await redis
    .multi()
    .zadd(`${old}it:v:1:rt`, now - 1000, 'r1')
    .hset(`${old}it:v:1:rw`, 'r1', '1250|spam')
    .hset(`${old}it:v:1:rs`, 'all', '1250', 'spam', '1250')
    .set(`${old}st:v:1`, `under_review|spam|${now}|${now + day}`, 'PX', day)
    .zadd(`${old}au:c1:rt`, now - 1000, 'spam|r1')
    .set(`${old}tr:r1`, '1250', 'PX', day)
    .set(`${old}ev:${digest('r1', 'e1')}`, '1', 'PX', day)
    .hset(`${old}h:${hour}:fb`, 'report', '2', 'not_interested', '1')
    .pexpire(`${old}h:${hour}:fb`, day)
    .zadd(`${old}h:${hour}:ri`, 1, 'v:1', 3, 'v2')
    .zadd(`${old}h:${hour}:ra`, 1, 'c1')
    .zadd(`${old}h:${hour}:rh`, 1, 'cats')
    .zadd(`${old}h:${hour}:rc`, 1, 'spam')
    .zadd(`${old}h:${hour}:mk`, 2, 'cats')
    .pfadd(`${old}h:${hour}:mu:${digest('cats')}`, 'u1', 'u2')
    .set(`${old}tmp:abc`, 'scratch')
    .zadd(`${old}review`, now, 'v:1')
    .exec()
  // The new version already counted one report this hour before the migration ran.
  await redis.hset(aggregateKeys(prefix).counts(hourOf(now), 0), 'report', '1')

  const report = await migrateAggregates(redis, prefix)
  t.same(report, { moved: 8, merged: 7, dropped: 1 })
  t.same(await redis.zrange(aggregateKeys(prefix).review(), '0', '-1'), ['v:1'], 'the review queue moved whole')
  t.same(await redis.keys(`${prefix}{agg}:*`), [], 'nothing left under the old tag')
  t.ok((await redis.pttl(aggregateKeys(prefix).status('v:1'))) > day - 60_000, 'expiries kept')
  t.ok((await redis.pttl(aggregateKeys(prefix).counts(hourOf(now), 0))) > 0, 'merged buckets expire like the old ones')

  const store = new RedisAggregateStore({ ...defaultAggregateOptions(), redis, keyPrefix: prefix })
  const item = await store.item('v:1')
  t.match(item, { status: 'under_review', category: 'spam', reporters: 1, weighted: 1.25, byCategory: { spam: 1.25 } })
  t.same((await store.creator('c1')).byCategory, { spam: 1 })
  t.equal(await store.trust('r1'), 1.25)
  const [again] = await store.record([{ dedupeKey: digest('r1', 'e1'), userId: 'r1', kind: 'report', itemId: 'v:1', hashtags: [], at: now }])
  t.equal(again!.applied, false, 'an event counted before the migration is still known')
  const insights = await store.insights({ hours: 1, limit: 5, minUsers: 1 })
  t.same(insights.items, [{ value: 'v2', count: 3 }, { value: 'v:1', count: 1 }])
  t.same(insights.creators, [{ value: 'c1', count: 1 }])
  t.same(insights.hashtags, [{ value: 'cats', count: 1 }])
  t.same(insights.categories, [{ value: 'spam', count: 1 }])
  t.same(insights.byHour.at(-1)!.counts, { not_interested: 1, hide_author: 0, see_less_hashtag: 0, report: 3 })
  t.same(insights.mutedKeywords, [{ value: 'cats', count: 2 }])

  t.same(await migrateAggregates(redis, prefix), { moved: 0, merged: 0, dropped: 0 }, 'running it again finds nothing to do')
})

t.test('a key the new version wrote since wins over the old one', async (t) => {
  const prefix = testPrefix()
  const redis = await redisClient(t, prefix)
  await redis.set(`${prefix}{agg}:tr:r1`, '500')
  await redis.set(aggregateKeys(prefix).trust('r1'), '2000')
  t.same(await migrateAggregates(redis, prefix), { moved: 0, merged: 0, dropped: 1 })
  t.equal(await redis.get(aggregateKeys(prefix).trust('r1')), '2000')
})

t.test('npm run migrate:aggregates: on REDIS_URL under REDIS_KEY_PREFIX, says what it did; refuses without REDIS_URL', async (t) => {
  const prefix = testPrefix()
  const redis = await redisClient(t, prefix)
  await redis.set(`${prefix}{agg}:tr:r1`, '500')
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REDIS_')))
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [...typescriptNodeArgs(), 'scripts/migrate-aggregates.ts'], { encoding: 'utf8', env: { ...base, ...env } })
  const done = run({ REDIS_URL: await redisUrl(t), REDIS_KEY_PREFIX: prefix })
  t.equal(done.status, 0, done.stderr)
  t.match(done.stdout, /moved 1 keys, merged 0 hourly buckets, dropped 0 keys/)
  t.equal(await redis.get(aggregateKeys(prefix).trust('r1')), '500')
  const refused = run({})
  t.equal(refused.status, 1)
  t.match(refused.stderr, /set REDIS_URL/)
})
