/**
 * `npm run capacity`: the figures behind docs/capacity.md, measured on real Redis (a throwaway node and
 * a throwaway 6-node cluster, so nothing else's traffic is counted) through the service's own API:
 *
 * - bytes (`MEMORY USAGE … SAMPLES 0`, and used_memory deltas over many keys, which also count the key's
 *   dictionary and expiry entries) of a typical and a heavy user's rules, a cached text score, a cached
 *   image, crowd-signal keys, a hash-bank entry, a decision sample;
 * - Redis commands per scored item and per feedback event (`INFO commandstats` deltas summed over the
 *   masters, Lua scripts' inner calls included), on one node and on the cluster;
 * - then the arithmetic for a large platform, with its assumptions printed beside it.
 *
 * Two replicas (apps in this process) share each Redis: A scores first (cold), B is a second replica
 * that finds the scores in Redis but nothing in its own memory.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import { promisify } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import { Cluster, Redis } from 'ioredis'
import sharp from 'sharp'
import app, { fastifyOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { startRedis, startRedisCluster, type ThrowawayRedis } from '../scripts/redis-servers.js'
import { items, user } from './fixtures.js'

const BATCH = 50
const PREFIX = 'fg:'

type Stats = Map<string, number>

/** Commands that are the measurement's or the client's housekeeping, not the service's work. */
const HOUSEKEEPING = new Set(['info', 'cluster', 'ping', 'command', 'client', 'config', 'memory', 'scan', 'dbsize', 'hello', 'select', 'readonly', 'replconf', 'llen', 'quit', 'unsubscribe', 'sunsubscribe', 'punsubscribe'])

async function commandStats(nodes: Redis[]): Promise<Stats> {
  const total: Stats = new Map()
  for (const node of nodes) {
    for (const line of (await node.info('commandstats')).split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
      if (match && !HOUSEKEEPING.has(match[1]!.split('|')[0]!)) total.set(match[1]!, (total.get(match[1]!) ?? 0) + Number(match[2]))
    }
  }
  return total
}

/** Memory the nodes' data take: used_memory less the replication backlog and client buffers (which grow with traffic, not data). */
const usedMemory = async (nodes: Redis[]) => {
  let total = 0
  for (const node of nodes) {
    const info = await node.info('memory')
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0)
    total += field('used_memory') - field('mem_replication_backlog') - field('mem_clients_slaves') - field('mem_clients_normal')
  }
  return total
}

/**
 * What a key shaped like a cached text score costs in all: used_memory (less backlog and clients) over
 * 20,000 such keys with a TTL, written through `writer` (on a cluster, each to the master of its slot).
 * Beside MEMORY USAGE (the key, its value, its dictionary entry) it counts the expiry entry, the hash
 * tables' buckets and, on a cluster, the slot bookkeeping.
 */
async function perKeyTotal(writer: Redis | Cluster, masters: Redis[]): Promise<number> {
  const value = JSON.stringify({ toxicity: 0.0123, insult: 0.0045, threat: 0.0012, hate: 0.0031, profanity: 0.0456, sexual: 0.0021, violence: 0.0007 })
  const count = 20_000
  const before = await usedMemory(masters)
  for (let start = 0; start < count; start += 1000) {
    await Promise.all(Array.from({ length: 1000 }, (_, i) => writer.set(`${PREFIX}sc:text-v1:ov-${start + i}:${randomBytes(8).toString('hex')}`, value, 'EX', 86_400)))
  }
  return ((await usedMemory(masters)) - before) / count
}

interface Counted {
  total: number
  /** EVALSHA/EVAL calls (one round-trip command each; their inner calls are counted in `total` too). */
  scripts: number
  byCommand: string
}

/** Runs `work`, lets after-response writes land, and answers the commands it caused. */
async function countCommands(nodes: Redis[], work: () => Promise<unknown>): Promise<Counted> {
  const before = await commandStats(nodes)
  await work()
  await sleep(500)
  const after = await commandStats(nodes)
  const delta = [...after].map(([name, calls]) => [name, calls - (before.get(name) ?? 0)] as const).filter(([, calls]) => calls > 0)
  delta.sort((a, b) => b[1] - a[1])
  return {
    total: delta.reduce((sum, [, calls]) => sum + calls, 0),
    scripts: delta.filter(([name]) => name.startsWith('eval')).reduce((sum, [, calls]) => sum + calls, 0),
    byCommand: delta.map(([name, calls]) => `${name} ${calls}`).join(', ')
  }
}

/** One replica of the service, in this process, on `env`'s Redis; requests go through `inject`. */
async function replica(env: Record<string, string>): Promise<FastifyInstance> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    // a loaded machine must not turn this into a measurement of degraded answers
    SCORE_REDIS_BUDGET_MS: '2000',
    REDIS_COMMAND_TIMEOUT_MS: '10000',
    OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0',
    OVERLOAD_SHED_LOOP_DELAY_MS: '0',
    // background checks and flushes only when asked, so the deltas hold the requests' commands only
    REDIS_DATASET_CHECK_MS: '3600000',
    DECISION_FLUSH_MS: '600000',
    DECISION_SAMPLE_RATE: '1',
    IMAGE_BUDGET_MS: '5000',
    ...env
  })
  const server = Fastify(fastifyOptions(config))
  await server.register(app, { config })
  await server.ready()
  return server
}

async function call(server: FastifyInstance, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<unknown> {
  const response = await server.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`)
  return response.json()
}

const score = (server: FastifyInstance, userId: string, batch: unknown[]) =>
  call(server, 'POST', '/v1/score', { userId, surface: 'for_you', items: batch, imageBudgetMs: 5000 }) as Promise<{ meta: { degraded?: boolean } }>

const pad = (n: number, width = 3) => String(n).padStart(width, '0')
const letters = (length: number, seed: number) => Array.from({ length }, (_, i) => String.fromCharCode(97 + ((seed * 7 + i * 13) % 26))).join('')

const typicalRules = () => ({
  sensitivity: 'standard',
  categories: { profanity: 'blur', violence: 'hide', sexual: 'hide' },
  keywords: Array.from({ length: 10 }, (_, i) => ({ value: `${letters(8, i)} ${letters(4, i + 50)}`, action: i % 2 ? 'hide' : 'blur' })),
  authors: Array.from({ length: 5 }, (_, i) => ({ id: `creator-${pad(i * 7919, 12)}`, action: 'hide' }))
})

const heavyRules = () => ({
  sensitivity: 'strict',
  categories: { toxicity: 'blur', insult: 'blur', threat: 'hide', hate: 'hide', profanity: 'blur', sexual: 'hide', suggestive: 'blur', violence: 'hide', self_harm: 'hide', spam: 'hide' },
  keywords: Array.from({ length: 200 }, (_, i) => ({ value: `${pad(i)} ${letters(96, i)}`, action: i % 2 ? 'hide' : 'blur', mode: i % 5 ? 'word' : 'substring' })),
  authors: Array.from({ length: 1000 }, (_, i) => ({ id: `creator-${pad(i * 7919, 12)}`, action: 'hide' }))
})

/** Keys of one node matching `pattern`. */
async function keys(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  return found
}

const memoryUsage = async (node: Redis, key: string) => Number((await node.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0)

async function meanMemory(node: Redis, pattern: string): Promise<{ keys: number; mean: number }> {
  const found = await keys(node, pattern)
  let total = 0
  for (const key of found) total += await memoryUsage(node, key)
  return { keys: found.length, mean: found.length ? total / found.length : 0 }
}

/** Distinct, detailed images (noise), so that each is its own cache entry. */
async function images(count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      sharp(randomBytes(96 * 96 * 3), { raw: { width: 96, height: 96, channels: 3 } })
        .jpeg()
        .toBuffer()
        .then((buffer) => buffer.toString('base64'))
    )
  )
}

interface Measured {
  memory: Array<[string, number, string]>
  commands: Array<[string, Counted, number]>
}

/** Bytes per thing, on one node (the cluster's per-key overhead is in the cluster's used_memory deltas). */
async function measureMemory(url: string): Promise<Measured['memory']> {
  const node = new Redis(url)
  const a = await replica({ REDIS_URL: url })
  const rows: Measured['memory'] = []
  try {
    const rulesKey = (userId: string) => `${PREFIX}{u:${userId}}:rules`
    await call(a, 'PUT', '/v1/users/cap-typical/rules', typicalRules())
    rows.push(['a typical user\'s rules (10 keywords, 5 creators, 3 categories)', await memoryUsage(node, rulesKey('cap-typical')), 'MEMORY USAGE'])
    await call(a, 'PUT', '/v1/users/cap-heavy/rules', heavyRules())
    rows.push(['a heavy user\'s rules (200 keywords of 100 chars, 1,000 creators, 10 categories)', await memoryUsage(node, rulesKey('cap-heavy')), 'MEMORY USAGE'])
    const events = Array.from({ length: 20 }, (_, i) => ({ id: `cap-ev-${i}`, userId: 'cap-typical', kind: 'not_interested', itemId: `cap-seen-${i}`, authorId: `creator-${pad(i, 12)}`, hashtags: ['cats', 'fyp'] }))
    await call(a, 'POST', '/v1/feedback', { events })
    rows.push(['the typical user after 20 not-interested events (learned rules, signals, event ids)', await memoryUsage(node, rulesKey('cap-typical')), 'MEMORY USAGE'])
    // A user at the feedback limits: 1,000 not-interested events (remembered ids, signals and learned rules are capped).
    for (let start = 0; start < 1000; start += 100) {
      const many = Array.from({ length: 100 }, (_, i) => ({ id: `cap-fb-${start + i}`, userId: 'cap-feedback', kind: 'not_interested', itemId: `cap-fb-item-${start + i}`, authorId: `creator-${pad(start + i, 12)}`, hashtags: [`tag${(start + i) % 300}`] }))
      await call(a, 'POST', '/v1/feedback', { events: many })
    }
    rows.push(['a user after 1,000 not-interested events (at the FEEDBACK_MAX_* caps)', await memoryUsage(node, rulesKey('cap-feedback')), 'MEMORY USAGE'])


    // Text scores: 500 unseen items through the model, written back with their TTL.
    const memoryBefore = await usedMemory([node])
    for (let batch = 0; batch < 10; batch++) await score(a, 'cap-typical', items(BATCH, 100 + batch, `cap-t${batch}`))
    await sleep(500)
    const texts = await meanMemory(node, `${PREFIX}sc:*`)
    const scoreDelta = ((await usedMemory([node])) - memoryBefore) / texts.keys
    rows.push(['a cached text score (one key per item and model version)', Math.round(texts.mean), `MEMORY USAGE, mean of ${texts.keys}`])
    rows.push(['a cached text score, used_memory delta (with its expiry entry)', Math.round(scoreDelta), `used_memory / ${texts.keys}`])

    // Images: scored once, cached by content hash (and by URL for fetched ones).
    const pictures = await images(10)
    await score(a, 'cap-typical', pictures.map((data, i) => ({ id: `cap-img-${i}`, text: 'a picture', image: { data } })))
    await sleep(1000)
    const cachedImages = await meanMemory(node, `${PREFIX}img:*`)
    rows.push(['a cached image score (per key: content hash, or URL)', Math.round(cachedImages.mean), `MEMORY USAGE, mean of ${cachedImages.keys} keys for 10 images`])

    // Crowd signals: 5 reporters on one item (the review threshold), 1 on another; one creator.
    const report = (userId: string, itemId: string, n: number) => ({ id: `cap-r-${itemId}-${n}`, userId, kind: 'report', itemId, authorId: 'creator-cap', hashtags: ['cats'], category: 'violence' })
    await call(a, 'POST', '/v1/feedback', { events: Array.from({ length: 5 }, (_, n) => report(`cap-reporter-${n}`, 'cap-item-5', n)) })
    await call(a, 'POST', '/v1/feedback', { events: [report('cap-reporter-9', 'cap-item-1', 0)] })
    const itemKey = (itemId: string, what: string) => `${PREFIX}{i:${itemId}}:${what}`
    const itemBytes = async (itemId: string) => {
      let total = 0
      for (const what of ['rt', 'rw', 'rs']) total += await memoryUsage(node, itemKey(itemId, what))
      return total
    }
    const one = await itemBytes('cap-item-1')
    const five = await itemBytes('cap-item-5')
    rows.push(['an item\'s report window, 1 reporter ({i:…}:rt, rw, rs)', one, 'MEMORY USAGE, 3 keys'])
    rows.push(['  each further reporter in the window', Math.round((five - one) / 4), '(5 reporters − 1) / 4'])
    rows.push(['an item status ({i:…}:st: under review, removed, cleared)', await memoryUsage(node, itemKey('cap-item-5', 'st')), 'MEMORY USAGE'])
    rows.push(['a creator\'s report window, 6 reports ({a:…}:rt)', await memoryUsage(node, `${PREFIX}{a:creator-cap}:rt`), 'MEMORY USAGE'])
    const eventKeys = await meanMemory(node, `${PREFIX}{agg:*}:ev:*`)
    rows.push(['a feedback event\'s dedupe key ({agg:n}:ev:…, kept FEEDBACK_DEDUPE_HOURS)', Math.round(eventKeys.mean), `MEMORY USAGE, mean of ${eventKeys.keys}`])
    // Insights: a HyperLogLog per muted keyword and hour (10 keywords muted by 201 users, 200 by one), and the hour's rankings and counts.
    const muted = await keys(node, `${PREFIX}{agg:*}:h:*:mu:*`)
    const logs = await Promise.all(muted.map(async (key) => ({ users: await node.pfcount(key), bytes: await memoryUsage(node, key) })))
    const single = logs.filter((log) => log.users === 1)
    const largest = logs.reduce((top, log) => (log.users > top.users ? log : top))
    rows.push(['a muted keyword\'s users in an hour ({agg:n}:h:<hour>:mu:…, HyperLogLog, 1 user)', Math.round(single.reduce((sum, log) => sum + log.bytes, 0) / single.length), `MEMORY USAGE, mean of ${single.length}`])
    rows.push([`  the same, ${largest.users} users`, largest.bytes, 'MEMORY USAGE (sparse up to ~3,000 bytes, then 12 KB dense)'])
    const hourly = (await keys(node, `${PREFIX}{agg:*}:h:*`)).filter((key) => !key.includes(':mu:'))
    let hourlyBytes = 0
    for (const key of hourly) hourlyBytes += await memoryUsage(node, key)
    rows.push([`the hour's rankings and counts (${eventKeys.keys} events, ${muted.length} keywords muted)`, hourlyBytes, `MEMORY USAGE, ${hourly.length} keys`])
    // The review queue with 200 items under review (each reported to the threshold), then a verdict.
    for (let i = 0; i < 200; i++) await call(a, 'POST', '/v1/feedback', { events: Array.from({ length: 5 }, (_, n) => report(`cap-reporter-${n}`, `cap-q-${i}`, n)) })
    const queued = await node.zcard(`${PREFIX}{review}:items`)
    rows.push(['the review queue ({review}:items), per item under review', Math.round((await memoryUsage(node, `${PREFIX}{review}:items`)) / queued), `MEMORY USAGE / ${queued} items`])
    await call(a, 'POST', '/v1/items/cap-item-5/verdict', { violating: true, category: 'violence' })
    rows.push(['a reporter\'s trust ({u:…}:tr, after a verdict)', await memoryUsage(node, `${PREFIX}{u:cap-reporter-0}:tr`), 'MEMORY USAGE'])

    // A hash bank of 1,000 entries.
    await call(a, 'POST', '/v1/banks', { name: 'cap-bank' })
    await call(a, 'POST', '/v1/banks/cap-bank/entries', { entries: Array.from({ length: 1000 }, (_, i) => ({ hash: randomBytes(32).toString('hex'), contentId: `case-${pad(i, 8)}` })) })
    const bankKeys = await keys(node, `${PREFIX}{banks}:b:cap-bank:*`)
    let bankBytes = 0
    for (const key of bankKeys) bankBytes += await memoryUsage(node, key)
    rows.push(['a hash-bank entry (entry, hash index, id order)', Math.round(bankBytes / 1000), `MEMORY USAGE of ${bankKeys.length} keys / 1,000 entries`])
  } catch (err) {
    await a.close()
    node.disconnect()
    throw err
  }
  // Closing flushes the decision samples (every scored item with a score was sampled: DECISION_SAMPLE_RATE=1).
  await a.close()
  const samples = await keys(node, `${PREFIX}{decisions}:s:*`)
  let sampleBytes = 0
  let sampleCount = 0
  for (const key of samples) {
    sampleBytes += await memoryUsage(node, key)
    sampleCount += await node.llen(key)
  }
  rows.push(['a decision sample ({decisions}:s:<hour> list entry)', Math.round(sampleBytes / sampleCount), `MEMORY USAGE / ${sampleCount} samples`])
  const counts = await keys(node, `${PREFIX}{decisions}:c:*`)
  let countBytes = 0
  for (const key of counts) countBytes += await memoryUsage(node, key)
  rows.push(['decision counts of an hour ({decisions}:c:<hour>)', countBytes, `MEMORY USAGE, ${counts.length} key(s)`])
  node.disconnect()
  return rows
}

/** Commands per scored item and per feedback event, on `nodes` (the masters) behind `env`'s Redis. */
async function measureCommands(env: Record<string, string>, masters: Redis[]): Promise<Measured['commands']> {
  const a = await replica(env)
  const b = await replica(env)
  const rows: Measured['commands'] = []
  let closedA = false
  try {
    const bench = user()
    await call(a, 'PUT', `/v1/users/${bench.userId}/rules`, bench.rules)
    const batch = items(BATCH, 42, 'cmd')
    const counted = async (name: string, per: number, work: () => Promise<unknown>) => rows.push([name, await countCommands(masters, work), per])
    await counted('score 50 items, cold (unseen items, rules not cached)', BATCH, () => score(a, bench.userId, batch))
    await counted('score 50 items, warm (same replica: rules and scores in memory)', BATCH, () => score(a, bench.userId, batch))
    await counted('score 50 items, another replica (scores in Redis, rules not cached)', BATCH, () => score(b, bench.userId, batch))
    await counted('score 50 items, warm again on that replica', BATCH, () => score(b, bench.userId, batch))
    const event = (kind: string, n: number) => ({ id: `cmd-${kind}-${n}`, userId: `cmd-user-${n}`, kind, itemId: 'cmd-0', authorId: 'creator-cmd', hashtags: ['cats', 'fyp'], ...(kind === 'report' ? { category: 'violence' } : {}) })
    await counted('one report (feedback event)', 1, () => call(a, 'POST', '/v1/feedback', { events: [event('report', 1)] }))
    await counted('one not-interested (feedback event)', 1, () => call(a, 'POST', '/v1/feedback', { events: [event('not_interested', 2)] }))
    // Closing flushes the decision counts and samples it holds, as every DECISION_FLUSH_MS does.
    await counted('decision flush of one replica (every DECISION_FLUSH_MS, and on close)', 1, () => a.close())
    closedA = true
  } finally {
    await Promise.all([closedA ? undefined : a.close(), b.close()])
  }
  return rows
}

async function mastersOf(nodes: ThrowawayRedis[]): Promise<Redis[]> {
  const masters: Redis[] = []
  for (const node of nodes) {
    const connection = new Redis(node.port, '127.0.0.1')
    if ((await connection.info('replication')).includes('role:master')) masters.push(connection)
    else connection.disconnect()
  }
  return masters
}

/** Redis' own throughput on this machine: GET/SET, 50 clients, unpipelined and 16 deep. */
async function redisBenchmark(port: number): Promise<string> {
  const lines: string[] = []
  for (const depth of ['1', '16']) {
    const { stdout } = await promisify(execFile)('redis-benchmark', ['-p', String(port), '-t', 'get,set', '-n', '200000', '-c', '50', '-P', depth, '-q'])
    for (const line of stdout.split(/\r|\n/)) {
      const match = /^(GET|SET): ([\d.]+) requests per second/.exec(line.trim())
      if (match) lines.push(`${match[1]} ${Number(match[2]).toFixed(0)}/s (pipeline ${depth})`)
    }
  }
  return lines.join(', ')
}

function table(headers: string[], rows: Array<Array<string | number>>): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function main() {
  const single = await startRedis()
  let memory: Measured['memory']
  let singleCommands: Measured['commands']
  let throughput: string
  let singleKeyBytes: number
  try {
    memory = await measureMemory(single.url)
    const probe = new Redis(single.url, { enableAutoPipelining: true })
    singleKeyBytes = await perKeyTotal(probe, [probe])
    singleCommands = await measureCommands({ REDIS_URL: single.url }, [probe])
    probe.disconnect()
    throughput = await redisBenchmark(single.port)
  } finally {
    await single.stop()
  }

  const cluster = await startRedisCluster()
  let clusterCommands: Measured['commands']
  let clusterKeyBytes: number
  try {
    const masters = await mastersOf(cluster.nodes)
    clusterCommands = await measureCommands({ REDIS_CLUSTER_NODES: cluster.seeds }, masters)
    const writer = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })), { enableAutoPipelining: true })
    clusterKeyBytes = await perKeyTotal(writer, masters)
    writer.disconnect()
    for (const master of masters) master.disconnect()
  } finally {
    await cluster.stop()
  }

  const [one, five, fifteen] = os.loadavg()
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length} cores, load average ${one!.toFixed(1)} / ${five!.toFixed(1)} / ${fifteen!.toFixed(1)}; ${(await promisify(execFile)('redis-server', ['--version'])).stdout.trim()}\n`)
  console.log('## Bytes\n')
  console.log(
    table(['what', 'bytes', 'how'], [
      ...memory,
      ['a key shaped like a cached text score, all costs, one node', Math.round(singleKeyBytes), 'used_memory delta / 20,000 keys with a TTL'],
      ['  the same on the cluster', Math.round(clusterKeyBytes), 'used_memory delta over the masters / 20,000 keys']
    ])
  )
  for (const [label, rows] of [['one node', singleCommands], ['cluster, 3 masters', clusterCommands]] as const) {
    console.log(`\n## Redis commands (${label})\n`)
    console.log(table(['what', 'commands', 'per item/event', 'scripts', 'by command'], rows.map(([name, c, per]) => [name, c.total, (c.total / per).toFixed(2), c.scripts, c.byCommand])))
  }
  console.log(`\nredis-benchmark on this machine: ${throughput}`)
}

await main()
