import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { Redis } from 'ioredis'
import t from 'tap'
import { freePort, startRedis, startRedisCluster, until } from '../../scripts/redis-servers.js'
import { typescriptNodeArgs } from '../helpers/node-args.js'

t.test('npm run redis:cluster: a 6-node cluster for manual use, its seeds printed, gone on Ctrl-C', async (t) => {
  const child = spawn(process.execPath, [...typescriptNodeArgs(), 'scripts/redis-servers.ts'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => child.kill('SIGKILL'))
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string]
  const seeds = /^REDIS_CLUSTER_NODES=(.+)$/.exec(line)![1]!.split(',')
  t.equal(seeds.length, 6)
  const node = new Redis(Number(seeds[0]!.split(':')[1]), '127.0.0.1')
  t.match(await node.call('CLUSTER', 'INFO'), /cluster_state:ok/)
  node.disconnect()
  child.kill('SIGINT')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
})

t.test('a redis-server that cannot start, or is not installed, is an error, not a hang', async (t) => {
  await t.rejects(startRedis(undefined, ['--no-such-option', 'yes']))
  const path = process.env.PATH
  process.env.PATH = '/nonexistent'
  t.teardown(() => {
    process.env.PATH = path
  })
  await t.rejects(startRedis(), /cannot start redis-server \(is it installed\?\)/)
})

t.test('a server stopped twice is stopped once; waiting gives up with what it waited for', async (t) => {
  const server = await startRedis()
  await server.stop()
  await server.stop()
  t.ok(server.process.signalCode !== null)
  await t.rejects(until(async () => false, 10, 'never true'), /never true after 10 ms/)
})

t.test('a cluster redis-cli refuses (fewer than 3 masters) is an error', async (t) => {
  await t.rejects(startRedisCluster({ masters: 1, replicas: 1 }), /redis-cli/)
})

t.test('free ports lie below the ephemeral range, so no outgoing connection or listen(0) takes one meanwhile', async (t) => {
  const low = Number((await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).split(/\s+/)[0])
  for (let i = 0; i < 20; i++) {
    const port = await freePort()
    t.ok(port >= 10_000 && port < low, `${port} is below ${low}`)
    const server = createServer().listen(port, '127.0.0.1')
    await once(server, 'listening')
    server.close()
    await once(server, 'close')
  }
  const below = await freePort(12_000)
  t.ok(below >= 10_000 && below < 12_000, 'and below a bound when asked')
})
