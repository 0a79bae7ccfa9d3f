// Single-node Redis on purpose, not in `npm run test:cluster`: a master and a replica made with --replicaof (the cluster's replica wait is in test/redis/replica-wait.test.ts).
import t from 'tap'
import { Redis } from 'ioredis'
import { build, startRedis, testPrefix, until, type ThrowawayRedis } from '../helpers/app.js'

type Tap = Parameters<typeof build>[0]

/** A master and a replica of it (redis-server --replicaof), in sync. */
async function masterAndReplica(t: Tap): Promise<{ master: ThrowawayRedis; replica: ThrowawayRedis; replicaClient: Redis }> {
  const master = await startRedis()
  t.teardown(() => master.stop())
  const replica = await startRedis(undefined, ['--replicaof', '127.0.0.1', String(master.port)])
  t.teardown(() => {
    // A stopped process takes SIGKILL only once continued.
    replica.process.kill('SIGCONT')
    return replica.stop()
  })
  const replicaClient = new Redis(replica.url)
  t.teardown(() => replicaClient.disconnect())
  await until(async () => (await replicaClient.info('replication')).includes('master_link_status:up'), 10_000, 'replica not in sync')
  return { master, replica, replicaClient }
}

const putRules = (app: Awaited<ReturnType<typeof build>>, userId: string, keyword: string, ifMatch?: number) =>
  app.inject({
    method: 'PUT',
    url: `/v1/users/${userId}/rules`,
    payload: { keywords: [{ value: keyword }] },
    ...(ifMatch === undefined ? {} : { headers: { 'if-match': `"${ifMatch}"` } })
  })

t.test('rules writes wait for the replica: acknowledged while it keeps up, 503 while it hangs, applied whole or not at all', async (t) => {
  const { master, replica, replicaClient } = await masterAndReplica(t)
  const prefix = testPrefix()
  const app = await build(t, { REDIS_URL: master.url, REDIS_KEY_PREFIX: prefix, REDIS_REPLICA_WAIT_MS: '300' })

  const first = await putRules(app, 'alice', 'spoiler', 0)
  t.equal(first.statusCode, 200)
  // Acknowledged by the replica: it holds the write at once (WAIT returned after it had it).
  t.match(JSON.parse((await replicaClient.hget(`${prefix}{u:alice}:rules`, 'doc'))!), { version: 1, keywords: [{ value: 'spoiler' }] })

  // A hung replica: connected (the master still counts it) but acknowledging nothing.
  replica.process.kill('SIGSTOP')
  const started = Date.now()
  const unacknowledged = await putRules(app, 'alice', 'finale', 1)
  const waited = Date.now() - started
  t.equal(unacknowledged.statusCode, 503)
  t.match(unacknowledged.json(), { code: 'FG_STORE_UNAVAILABLE', message: /no replica acknowledged the write within 300ms; it may or may not have been applied/ })
  t.ok(waited >= 300, `answered after the wait (${waited} ms)`)
  const deletion = await app.inject({ method: 'DELETE', url: '/v1/users/alice/rules' })
  t.equal(deletion.statusCode, 503, 'a delete waits too')

  const verdict = await app.inject({ method: 'POST', url: '/v1/items/clip/verdict', payload: { violating: true } })
  t.equal(verdict.statusCode, 503, 'a verdict waits too')
  t.match(verdict.json(), { code: 'FG_STORE_UNAVAILABLE', message: /^feedback store: no replica acknowledged/ })
  const bank = await app.inject({ method: 'POST', url: '/v1/banks', payload: { name: 'csam' } })
  t.equal(bank.statusCode, 503, 'a bank change waits too')
  t.match(bank.json(), { code: 'FG_STORE_UNAVAILABLE', message: /^hash bank store: no replica acknowledged/ })
  t.equal((await app.inject({ method: 'POST', url: '/v1/banks', payload: { name: 'csam' } })).statusCode, 409, 'a refused change waits for nothing')

  // The master applied each write whole: the document is one of the versions asked for, complete.
  const current = (await app.inject({ method: 'GET', url: '/v1/users/alice/rules' })).json()
  t.equal(current.version, 3, 'both were applied on the master')
  t.same(current.keywords, [], 'the delete left the defaults')

  replica.process.kill('SIGCONT')
  await until(async () => (await replicaClient.hget(`${prefix}{u:alice}:rules`, 'v')) === '3', 10_000, 'replica did not catch up')
  // Retrying with the If-Match of before is safe: the write was applied, so it is refused, not applied twice.
  const retry = await putRules(app, 'alice', 'finale', 1)
  t.equal(retry.statusCode, 409)
  t.equal((await putRules(app, 'alice', 'finale', 3)).statusCode, 200, 'acknowledged again once the replica is back')
  t.match((await app.inject({ method: 'GET', url: '/v1/items/clip' })).json(), { status: 'removed' }, 'the verdict was applied')
  t.equal((await app.inject({ method: 'POST', url: '/v1/items/clip/verdict', payload: { violating: true } })).statusCode, 200, 'and can be repeated')
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/banks/csam', payload: { enabled: true } })).statusCode, 200, 'the bank was created')
})

t.test('a master without a replica acknowledges on its own; one whose replica died stops waiting', async (t) => {
  const { master, replica } = await masterAndReplica(t)
  const app = await build(t, { REDIS_URL: master.url, REDIS_KEY_PREFIX: testPrefix(), REDIS_REPLICA_WAIT_MS: '300' })
  t.equal((await putRules(app, 'bob', 'spoiler')).statusCode, 200)
  await replica.stop()
  const master2 = new Redis(master.url)
  t.teardown(() => master2.disconnect())
  await until(async () => (await master2.info('replication')).includes('connected_slaves:0'), 10_000, 'master still counts its replica')
  // The replica count is trusted for a second: within it a write may still wait, and fail.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const started = Date.now()
  t.equal((await putRules(app, 'bob', 'finale')).statusCode, 200)
  t.ok(Date.now() - started < 300, 'without waiting')

  // The master gone too: its replicas cannot be asked, and nothing is written.
  await master.stop()
  await new Promise((resolve) => setTimeout(resolve, 1100))
  for (const [method, url, payload] of [
    ['PUT', '/v1/users/bob/rules', { keywords: [] }],
    ['POST', '/v1/items/clip/verdict', { violating: true }],
    ['POST', '/v1/banks', { name: 'csam' }]
  ] as const) {
    const answer = await app.inject({ method, url, payload })
    t.equal(answer.statusCode, 503, `${method} ${url}`)
    t.match(answer.json(), { code: 'FG_STORE_UNAVAILABLE', message: /unavailable/ })
  }
})

t.test('REDIS_REPLICA_WAIT_MS=0: writes never wait', async (t) => {
  const { master, replica } = await masterAndReplica(t)
  const app = await build(t, { REDIS_URL: master.url, REDIS_KEY_PREFIX: testPrefix(), REDIS_REPLICA_WAIT_MS: '0' })
  replica.process.kill('SIGSTOP')
  t.equal((await putRules(app, 'carol', 'spoiler')).statusCode, 200)
})
