/**
 * Throwaway redis-server processes on free loopback ports: a single node, or a Redis Cluster (masters
 * with one replica each) in a temporary directory. Used by the tests, the failover test, the bench and
 * `npm run redis:cluster` (which starts a cluster and prints REDIS_CLUSTER_NODES for manual use).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'

/* c8 ignore start -- test and dev harness, not the service: its cluster paths run under `npm run test:cluster` (without
   coverage) and its command line in a child process whose coverage tap does not merge */
const run = promisify(execFile)

/** The lowest port handed out. */
const LOWEST_PORT = 10_000
/** The lowest port of the kernel's ephemeral range (Linux; 32768 where it cannot be read). */
const EPHEMERAL_LOW = ephemeralLow()

/**
 * A loopback port nobody listens on, below the kernel's ephemeral range (and below `below`): the port an
 * outgoing connection or a `listen(0)` gets comes from that range, so neither can take this one between the
 * check and the start of the server it is meant for, which may be seconds later (the service loads its models
 * first). Only another caller's check could, one chance in thousands, and the server would then fail to start.
 */
export async function freePort(below = EPHEMERAL_LOW): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST_PORT + randomInt(below - LOWEST_PORT)
    if (await isFree(port)) return port
  }
  throw new Error(`no free port between ${LOWEST_PORT} and ${below} in 100 tries`)
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0])
    return low > LOWEST_PORT + 10_000 ? low : 32_768
  } catch {
    return 32_768
  }
}

export interface ThrowawayRedis {
  url: string
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

/**
 * A redis-server on a free port (or the given one); extra arguments are passed on. On a free port of its
 * choosing, a server that exits at once (another process took the port after it was found free: test files
 * start servers in parallel) is started again on another.
 */
export async function startRedis(port?: number, extraArgs: readonly string[] = []): Promise<ThrowawayRedis> {
  if (port !== undefined) return startRedisOn(port, extraArgs)
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOn(await freePort(), extraArgs)
    } catch (err) {
      if (attempt >= 5) throw err
    }
  }
}

async function startRedisOn(listenPort: number, extraArgs: readonly string[]): Promise<ThrowawayRedis> {
  // A directory of its own: a replica writes the snapshot it syncs from its master to disk, and that file must
  // not land in the working directory (the repository, when run from it).
  const dir = await mkdtemp(join(tmpdir(), 'fg-redis-'))
  const args = ['--port', String(listenPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', ...extraArgs]
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`)))
  })
  failed.catch(() => {})
  const url = `redis://127.0.0.1:${listenPort}`
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
  probe.on('error', () => {})
  const deadline = Date.now() + 10_000
  try {
    for (;;) {
      try {
        await Promise.race([probe.connect(), failed])
        await probe.ping()
        break
      } catch (err) {
        if (Date.now() > deadline || child.exitCode !== null) throw err
        await sleep(50)
      }
    }
  } catch (err) {
    child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
    throw err
  } finally {
    probe.disconnect()
  }
  return {
    url,
    port: listenPort,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await once(child, 'exit')
      }
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export interface ClusterOptions {
  /** Masters; each gets `replicas` replicas. Default 3 masters, 1 replica each (6 nodes). */
  masters?: number
  replicas?: number
  /** cluster-node-timeout: how long a master may be unreachable before its replica takes over. */
  nodeTimeoutMs?: number
}

export interface ThrowawayCluster {
  /** Seed list in the REDIS_CLUSTER_NODES format: `127.0.0.1:p1,127.0.0.1:p2,…`. */
  seeds: string
  nodes: ThrowawayRedis[]
  /** Where the nodes keep their cluster configuration files. */
  dir: string
  /** The node currently serving `key`'s slot as master. */
  masterFor(key: string): Promise<ThrowawayRedis>
  /** Waits until every node still running reports cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * A Redis Cluster of `masters × (1 + replicas)` redis-server processes in a temporary directory,
 * created with `redis-cli --cluster create` and ready (cluster_state:ok on every node) on return.
 */
export async function startRedisCluster(options: ClusterOptions = {}): Promise<ThrowawayCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicas ?? 1
  const dir = await mkdtemp(join(tmpdir(), 'fg-redis-cluster-'))
  const nodes: ThrowawayRedis[] = []
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) nodes.push(await startClusterNode(dir, options.nodeTimeoutMs ?? 2000))
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'])
    const cluster: ThrowawayCluster = {
      seeds: addresses.join(','),
      nodes,
      dir,
      async masterFor(key) {
        return ask(nodes.find(isRunning)!, async (probe) => {
          const slot = (await probe.call('CLUSTER', 'KEYSLOT', key)) as number
          const shards = (await probe.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>
          const owner = shards.find(([from, to]) => slot >= from && slot <= to)!
          return nodes.find((node) => node.port === owner[2][1])!
        })
      },
      async waitHealthy(timeoutMs = 30_000) {
        for (const node of nodes.filter(isRunning)) {
          // Every slot served, as this node sees the shard map.
          await until(async () => {
            // a node that does not answer yet is not healthy yet
            const info = await ask(node, (probe) => probe.call('CLUSTER', 'INFO') as Promise<string>).catch(() => '')
            return info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384')
          }, timeoutMs, `cluster not healthy (node ${node.port})`)
        }
      },
      stop
    }
    await cluster.waitHealthy()
    // Replicas report ok before they have synced; a failover test needs them in sync.
    await waitReplicasSynced(nodes)
    return cluster
  } catch (err) {
    await stop()
    throw err
  }
}

/**
 * One cluster node on a free port whose cluster bus port (the port + 10000) is free too. Another process can
 * take either port between the check and the node's start (the test files run in parallel, each starting
 * servers): then the node exits at once, and it is started again on other ports.
 */
async function startClusterNode(dir: string, nodeTimeoutMs: number): Promise<ThrowawayRedis> {
  for (let attempt = 1; ; attempt++) {
    // the bus port too below the ephemeral range
    const port = await freePort(EPHEMERAL_LOW - 10_000)
    if (!(await isFree(port + 10_000))) {
      if (attempt >= 5) throw new Error(`no free port with a free cluster bus port in ${attempt} tries`)
      continue
    }
    try {
      return await startRedis(port, [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', String(nodeTimeoutMs),
        '--dir', dir
      ])
    } catch (err) {
      if (attempt >= 5) throw err
    }
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer()
  server.listen(port, '127.0.0.1')
  // once() rejects on 'error': the port is taken
  const listening = await once(server, 'listening').then(
    () => true,
    () => false
  )
  if (listening) {
    server.close()
    await once(server, 'close')
  }
  return listening
}

async function waitReplicasSynced(nodes: ThrowawayRedis[]): Promise<void> {
  for (const node of nodes) {
    await until(async () => {
      const info = await ask(node, (probe) => probe.info('replication')).catch(() => '')
      return info.includes('role:master') || info.includes('master_link_status:up')
    }, 30_000, `replica ${node.port} did not sync`)
  }
}

/** Polls `check` every 100 ms until it holds; past `timeoutMs`, fails with `what`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} after ${timeoutMs} ms`)
    await sleep(100)
  }
}

/** One question to one node, on a connection of its own. */
async function ask<T>(node: ThrowawayRedis, question: (probe: Redis) => Promise<T>): Promise<T> {
  const probe = await connect(node)
  try {
    return await question(probe)
  } finally {
    probe.disconnect()
  }
}

const isRunning = (node: ThrowawayRedis) => node.process.exitCode === null && node.process.signalCode === null

async function connect(node: ThrowawayRedis): Promise<Redis> {
  const redis = new Redis(node.port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true })
  redis.on('error', () => {})
  await redis.connect()
  return redis
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `npm run redis:cluster`: a 6-node cluster for manual use, until Ctrl-C. */
async function main(): Promise<void> {
  const cluster = await startRedisCluster()
  process.stdout.write(`REDIS_CLUSTER_NODES=${cluster.seeds}\n`)
  process.stderr.write('6-node Redis Cluster running (3 masters, 3 replicas); Ctrl-C stops it and removes its files\n')
  const shutdown = () => {
    void cluster.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(1)
  })
}
/* c8 ignore stop */
