// Single-node Redis on purpose, not in `npm run test:cluster`: blocks one connection to time out one pipeline (test/redis/per-node.test.ts covers the cluster's reads).
import t from 'tap'
import { Redis } from 'ioredis'
import { BudgetExceeded, ReadBatch } from '../../src/redis/read-batch.js'
import { redisClient, redisUrl, testPrefix } from '../helpers/redis.js'

t.test('queued reads go out as one pipeline and settle with their parsed replies', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  await admin.set(`${prefix}a`, '1')
  const batch = new ReadBatch(admin)
  const a = batch.add(`${prefix}a`, (p) => p.get(`${prefix}a`), (reply) => Number(reply))
  const missing = batch.add(`${prefix}b`, (p) => p.get(`${prefix}b`), (reply) => reply)
  const wrongType = batch.add(`${prefix}a`, (p) => p.hget(`${prefix}a`, 'f'), (reply) => reply)
  const badParse = batch.add(`${prefix}a`, (p) => p.get(`${prefix}a`), () => {
    throw new Error('unparseable')
  })
  t.equal(batch.size, 4)
  await batch.run(1000)
  t.equal(await a, 1)
  t.equal(await missing, null)
  await t.rejects(wrongType, /WRONGTYPE/)
  await t.rejects(badParse, /unparseable/)
  t.equal(batch.size, 0)
})

t.test('an empty batch costs nothing; a batch without Redis queues nothing', async (t) => {
  await new ReadBatch(null).run(1)
  await t.rejects(new ReadBatch(null).add('k', () => {}, () => 1), /no Redis connection/)
})

t.test('past the budget every queued read rejects', async (t) => {
  const redis = new Redis(await redisUrl(t))
  t.teardown(() => redis.disconnect())
  const blocker = new Redis(await redisUrl(t))
  t.teardown(() => blocker.disconnect())
  const batch = new ReadBatch(redis)
  // BLPOP on an empty list holds the pipeline's connection past the budget.
  const slow = batch.add('empty', (p) => p.blpop(`${testPrefix()}empty`, 1), (reply) => reply)
  await batch.run(20)
  await t.rejects(slow, BudgetExceeded)
  void blocker
})
