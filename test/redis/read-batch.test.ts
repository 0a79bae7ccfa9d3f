// Single-node Redis on purpose, not in `npm run test:cluster`: blocks one connection to time out one pipeline (test/redis/per-node.test.ts covers the cluster's reads).
import t from 'tap'
import { Redis } from 'ioredis'
import { BudgetExceeded, ReadBatch, coalesce, type ReadCommand } from '../../src/redis/read-batch.js'
import { redisClient, redisUrl, testPrefix } from '../helpers/redis.js'

t.test('queued reads go out as one pipeline and settle with their parsed replies', async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  await admin.set(`${prefix}a`, '1')
  const batch = new ReadBatch(admin)
  const a = batch.add(`${prefix}a`, ['get', `${prefix}a`], (reply) => Number(reply))
  const missing = batch.add(`${prefix}b`, ['get', `${prefix}b`], (reply) => reply)
  const wrongType = batch.add(`${prefix}a`, ['hget', `${prefix}a`, 'f'], (reply) => reply)
  const badParse = batch.add(`${prefix}a`, ['get', `${prefix}a`], () => {
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

t.test("a node's only read goes as a plain command, with the same answers and errors", async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  await admin.set(`${prefix}a`, '1')
  await admin.set(`${prefix}many`, 'x')
  const read = async <T>(command: ReadCommand, parse: (reply: unknown) => T) => {
    const batch = new ReadBatch(admin)
    const answer = batch.add(`${prefix}a`, command, parse)
    await batch.run(1000)
    return answer
  }
  t.equal(await read(['get', `${prefix}a`], (reply) => Number(reply)), 1)
  t.same(await read(['mget', `${prefix}a`, `${prefix}b`, `${prefix}many`], (reply) => reply), ['1', null, 'x'])
  t.equal(await read(['hget', `${prefix}b`, 'doc'], (reply) => reply), null)
  await t.rejects(
    read(['hget', `${prefix}a`, 'f'], (reply) => reply),
    /WRONGTYPE/
  )
  await t.rejects(
    read(['get', `${prefix}a`], () => {
      throw new Error('unparseable')
    }),
    /unparseable/
  )
})

t.test("a node's GETs go as one MGET, each read settling with its own reply", async (t) => {
  const prefix = testPrefix()
  const admin = await redisClient(t, prefix)
  await admin.set(`${prefix}a`, '1')
  await admin.hset(`${prefix}h`, 'f', 'v')
  const sent: unknown[][] = []
  const call = admin.call.bind(admin)
  admin.call = ((...args: unknown[]) => {
    sent.push(args)
    return (call as (...a: unknown[]) => unknown)(...args)
  }) as typeof admin.call
  const batch = new ReadBatch(admin)
  const a = batch.add(`${prefix}a`, ['get', `${prefix}a`], (reply) => Number(reply))
  const missing = batch.add(`${prefix}b`, ['get', `${prefix}b`], (reply) => reply)
  const badParse = batch.add(`${prefix}a`, ['get', `${prefix}a`], () => {
    throw new Error('unparseable')
  })
  // MGET answers nil for a key of another type, where GET would fail: both are a miss to a cache read
  const otherType = batch.add(`${prefix}h`, ['get', `${prefix}h`], (reply) => reply)
  await batch.run(1000)
  t.same(sent, [['mget', `${prefix}a`, `${prefix}b`, `${prefix}a`, `${prefix}h`]], 'one command')
  t.equal(await a, 1)
  t.equal(await missing, null)
  await t.rejects(badParse, /unparseable/)
  t.equal(await otherType, null)
})

t.test('on a cluster, GETs share an MGET only with GETs of their slot', async (t) => {
  const read = (command: ReadCommand) => ({ command, parse: (reply: unknown) => reply, resolve: () => {}, reject: () => {} })
  const reads = [read(['get', '{x}1']), read(['hget', '{x}1', 'doc']), read(['get', '{y}1']), read(['get', '{x}2'])]
  t.same(
    coalesce(reads, true).map((one) => one.command),
    [['hget', '{x}1', 'doc'], ['mget', '{x}1', '{x}2'], ['get', '{y}1']]
  )
  t.same(
    coalesce(reads, false).map((one) => one.command),
    [['hget', '{x}1', 'doc'], ['mget', '{x}1', '{y}1', '{x}2']]
  )
})

t.test('an empty batch costs nothing; a batch without Redis queues nothing', async (t) => {
  await new ReadBatch(null).run(1)
  await t.rejects(new ReadBatch(null).add('k', ['get', 'k'], () => 1), /no Redis connection/)
})

t.test('past the budget every queued read rejects', async (t) => {
  const redis = new Redis(await redisUrl(t))
  t.teardown(() => redis.disconnect())
  const blocker = new Redis(await redisUrl(t))
  t.teardown(() => blocker.disconnect())
  const batch = new ReadBatch(redis)
  // BLPOP on an empty list holds the pipeline's connection past the budget.
  const slow = batch.add('empty', ['blpop', `${testPrefix()}empty`, 1], (reply) => reply)
  await batch.run(20)
  await t.rejects(slow, BudgetExceeded)
  void blocker
})
