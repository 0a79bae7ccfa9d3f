import calculateSlot from 'cluster-key-slot'
import t from 'tap'
import { RESYNC_MAX_WAIT_MS } from '../../src/redis/channel-subscription.js'
import { rulesKey, rulesShardChannels } from '../../src/rules/redis-rules-store.js'
import { assertCoalesced, build, countedRulesStore, startRedisCluster, testPrefix, until } from '../helpers/app.js'
import { pictureHash } from '../helpers/pictures.js'

type App = Awaited<ReturnType<typeof build>>

const scoreSpoiler = async (app: App, userId: string) => {
  const answer = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId, items: [{ id: 'v', text: 'the finale spoiler' }] } })
  return answer.json().decisions[0].action as string
}
const bankEntries = async (app: App) =>
  (await app.inject({ method: 'GET', url: '/readyz' })).json().checks.hashBanks.detail as string
const putKeywords = (app: App, userId: string, keywords: string[]) =>
  app.inject({ method: 'PUT', url: `/v1/users/${userId}/rules`, payload: { keywords: keywords.map((value) => ({ value })) } })

t.test('on a Redis Cluster, rules and bank changes reach the other replica over sharded pub/sub, and a failover of the subscribed shard ends in a resync', async (t) => {
  const cluster = await startRedisCluster({ nodeTimeoutMs: 2000 })
  const prefix = testPrefix()
  // No TTL to fall back on (an hour): only notifications, and resyncs, tell a replica of a change.
  const env = { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_KEY_PREFIX: prefix, RULES_CACHE_TTL_MS: '3600000' }
  const apps: App[] = []
  const disconnects: Array<() => void> = []
  // The apps close before the cluster stops: a closing app would wait on dead nodes.
  t.teardown(async () => {
    await Promise.all(apps.map((app) => app.close()))
    for (const disconnect of disconnects) disconnect()
    await cluster.stop()
  })
  // b's rules store is made here, to count its resyncs.
  const { store: bStore, counts, disconnect } = await countedRulesStore(env)
  disconnects.push(disconnect)
  const [a, b] = [await build(t, env, { models: [] }), await build(t, env, { models: [], rulesStore: bStore })]
  apps.push(a, b)

  // A user whose rules live on another shard than the channel their changes are announced on.
  const channels = rulesShardChannels(prefix)
  let userId = ''
  for (let n = 0; !userId; n++) {
    const key = rulesKey(prefix, `user-${n}`)
    const channel = channels[calculateSlot(key) % channels.length]!
    if ((await cluster.masterFor(key)).port !== (await cluster.masterFor(channel)).port) userId = `user-${n}`
  }
  const channel = channels[calculateSlot(rulesKey(prefix, userId)) % channels.length]!

  t.equal(await scoreSpoiler(b, userId), 'allow', 'b has the user\'s rules cached')
  let started = Date.now()
  t.equal((await putKeywords(a, userId, ['spoiler'])).statusCode, 200)
  await until(async () => (await scoreSpoiler(b, userId)) === 'hide', 1000, 'b did not hear the rules change')
  t.pass(`b heard the rules change in ${Date.now() - started} ms`)

  started = Date.now()
  t.equal((await a.inject({ method: 'POST', url: '/v1/banks', payload: { name: 'known' } })).statusCode, 201)
  t.equal((await a.inject({ method: 'POST', url: '/v1/banks/known/entries', payload: { hash: pictureHash(1) } })).statusCode, 201)
  await until(async () => (await bankEntries(b)) === '1 entries in 1 enabled banks', 1000, 'b did not hear the bank change')
  t.pass(`b heard the bank change in ${Date.now() - started} ms`)

  // The master of the user's channel dies: a change announced meanwhile is lost, and b resyncs once
  // its subscription is back on the promoted replica.
  const master = await cluster.masterFor(channel)
  master.process.kill('SIGKILL')
  t.equal((await putKeywords(a, userId, ['trailer'])).statusCode, 200, 'the write stands though its announcement is lost')
  started = Date.now()
  await until(async () => (await scoreSpoiler(b, userId)) === 'allow', 30_000, 'b did not resync')
  t.pass(`b resynced after the failover and has the change made meanwhile, in ${Date.now() - started} ms`)

  // And later changes are heard again, within a second.
  await cluster.waitHealthy()
  // The rebuilds come in one burst while the failover settles; a resync for each would drop the cache and
  // read every user back again and again.
  await until(async () => Date.now() - counts.rebuilds.at(-1)! > 2 * RESYNC_MAX_WAIT_MS, 30_000, 'the rebuilds did not settle')
  assertCoalesced(t, counts)
  started = Date.now()
  t.equal((await putKeywords(a, userId, ['spoiler'])).statusCode, 200)
  await until(async () => (await scoreSpoiler(b, userId)) === 'hide', 1000, 'b did not hear the change after the failover')
  t.pass(`heard again in ${Date.now() - started} ms`)
})
