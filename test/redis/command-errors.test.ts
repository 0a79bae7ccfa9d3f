// Single-node Redis on purpose, not in `npm run test:cluster`: error replies on one connection.
import t from 'tap'
import { Command, Redis } from 'ioredis'
import { freePort, redisUrl } from '../helpers/redis.js'
import { onCommandError } from '../../src/redis/command-errors.js'

t.test('every failed command is counted by name, pipelined or not; a command sent twice counts once', async (t) => {
  const redis = new Redis(await redisUrl(t), { maxRetriesPerRequest: 0 })
  t.teardown(() => redis.disconnect())
  const failed: string[] = []
  onCommandError(redis, (command) => failed.push(command))

  t.equal(await redis.ping(), 'PONG')
  await t.rejects(redis.call('nosuchcommand'))
  await t.rejects(redis.call('incr'))
  const replies = await redis.pipeline().ping().call('nosuchcommand').exec()
  t.match(replies, [[null, 'PONG'], [Error]])
  t.same(failed, ['nosuchcommand', 'incr', 'nosuchcommand'], 'not the CLIENT SETINFO a Redis before 7.2 refuses')

  const command = new Command('get', ['k'])
  redis.sendCommand(command)
  redis.sendCommand(command)
  command.reject(new Error('gone'))
  await t.rejects(command.promise)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(failed.slice(3), ['get'])
})

t.test('commands refused while Redis is unreachable are counted', async (t) => {
  const redis = new Redis({ port: await freePort(), host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  t.teardown(() => redis.disconnect())
  const failed: string[] = []
  onCommandError(redis, (command) => failed.push(command))
  await t.rejects(redis.get('k'))
  await redis
    .pipeline()
    .get('a')
    .mget('b', 'c')
    .exec()
    .catch(() => undefined)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(failed, ['get', 'get', 'mget'])
})
