import t from 'tap'
import { rulesKey } from '../../src/rules/redis-rules-store.js'
import { RESYNC_MAX_WAIT_MS } from '../../src/redis/channel-subscription.js'
import { assertCoalesced, build, countedRulesStore, startRedisCluster, testPrefix, until } from '../helpers/app.js'

type App = Awaited<ReturnType<typeof build>>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const contentOf = (doc: { keywords: Array<{ value: string }> }) => doc.keywords.map((keyword) => keyword.value).join(',')

const STEADY_MS = 4000
const AFTER_MS = 4000
const WRITES_BACK_WITHIN_MS = 15_000

t.test('a master dies under load: no /v1/score answer fails, writes come back within 15 s, no acknowledged write is lost', async (t) => {
  t.setTimeout(240_000)
  const cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 })
  const prefix = testPrefix()
  const env = { REDIS_CLUSTER_NODES: cluster.seeds, REDIS_KEY_PREFIX: prefix, OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' }
  const apps: App[] = []
  const disconnects: Array<() => void> = []
  let running = true
  const loops: Array<Promise<void>> = []
  // The loops stop and the apps close before the cluster stops: a closing app would wait on dead nodes.
  t.teardown(async () => {
    running = false
    await Promise.allSettled(loops)
    await Promise.all(apps.map((app) => app.close()))
    for (const disconnect of disconnects) disconnect()
    await cluster.stop()
  })
  const a = await build(t, env)
  // b's rules store is made by the test, to count its resyncs (one per burst of subscriber rebuilds).
  const { store: bStore, counts, disconnect } = await countedRulesStore(env)
  disconnects.push(disconnect)
  const b = await build(t, env, { rulesStore: bStore })
  apps.push(a, b)
  const userId = 'U'
  const items = [
    { id: 'i1', text: 'the finale spoiler was leaked' },
    { id: 'i2', text: 'you are an idiot' },
    { id: 'i3', text: 'Thanks for the recipe, my kids loved it' }
  ]

  // Scorers: one per app, a request every ~20 ms.
  const scores = { ok: 0, degraded: 0, failed: 0, failures: [] as string[], reasons: new Map<string, number>() }
  const scorer = async (app: App) => {
    while (running) {
      const started = Date.now()
      try {
        const answer = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId, items } })
        if (answer.statusCode === 200) {
          scores.ok++
          const meta = answer.json().meta as { degraded: boolean; degradedReasons?: string[] }
          if (meta.degraded) {
            scores.degraded++
            for (const reason of meta.degradedReasons ?? []) {
              const kind = reason.split(':')[0]!
              scores.reasons.set(kind, (scores.reasons.get(kind) ?? 0) + 1)
            }
          }
        } else {
          scores.failed++
          scores.failures.push(`${answer.statusCode} ${answer.body.slice(0, 200)}`)
        }
      } catch (err) {
        scores.failed++
        scores.failures.push(`threw ${(err as Error).message}`)
      }
      await sleep(Math.max(0, 20 - (Date.now() - started)))
    }
  }

  // Writer: replaces U's rules with If-Match, alternating between the apps. Each acknowledged (200) write is
  // recorded with its version and content; a 503 may or may not have been applied, so the same If-Match is
  // retried (safe), and a 409 means the version moved (an applied 503): it reads the version again.
  const acknowledged: Array<{ version: number; content: string; at: number }> = []
  const attempts: Array<{ content: string; at: number }> = []
  const writeFailures = new Map<string, number>()
  const regressions: string[] = []
  let version = 0
  let n = 0
  const maxAcknowledged = () => acknowledged.reduce((max, write) => Math.max(max, write.version), 0)
  const writer = async () => {
    while (running) {
      const app = n % 2 === 0 ? a : b
      const content = `w${n++}`
      attempts.push({ content, at: Date.now() })
      try {
        const answer = await app.inject({
          method: 'PUT',
          url: `/v1/users/${userId}/rules`,
          headers: { 'if-match': String(version) },
          payload: { keywords: [{ value: content }] }
        })
        if (answer.statusCode === 200) {
          const doc = answer.json()
          if (contentOf(doc) !== content) regressions.push(`write "${content}" acknowledged as "${contentOf(doc)}"`)
          if (doc.version <= maxAcknowledged()) regressions.push(`version ${doc.version} acknowledged after ${maxAcknowledged()}`)
          acknowledged.push({ version: doc.version, content, at: Date.now() })
          version = doc.version
        } else {
          const code = (answer.json() as { code?: string }).code ?? ''
          const kind = `${answer.statusCode} ${code}`
          writeFailures.set(kind, (writeFailures.get(kind) ?? 0) + 1)
          if (answer.statusCode === 409) {
            const current = await app.inject({ method: 'GET', url: `/v1/users/${userId}/rules` })
            if (current.statusCode === 200) {
              const seen = current.json().version as number
              if (seen < maxAcknowledged()) regressions.push(`read version ${seen} after ${maxAcknowledged()} was acknowledged`)
              version = seen
            }
          } else if (answer.statusCode !== 503) {
            regressions.push(`unexpected write answer ${answer.statusCode} ${answer.body.slice(0, 200)}`)
          }
        }
      } catch (err) {
        writeFailures.set('threw', (writeFailures.get('threw') ?? 0) + 1)
        regressions.push(`write threw ${(err as Error).message}`)
      }
      await sleep(50)
    }
  }

  loops.push(scorer(a), scorer(b), writer())
  await sleep(STEADY_MS)
  const beforeKill = acknowledged.length
  t.ok(beforeKill > 0, `writes acknowledged in steady state (${beforeKill})`)

  // SIGKILL the master of U's slot.
  const master = await cluster.masterFor(rulesKey(prefix, userId))
  const killedAt = Date.now()
  master.process.kill('SIGKILL')
  while (!acknowledged.some((write) => write.at > killedAt) && Date.now() - killedAt < WRITES_BACK_WITHIN_MS + 5000) await sleep(20)
  const backAt = acknowledged.find((write) => write.at > killedAt)?.at
  const gapMs = backAt === undefined ? Infinity : backAt - killedAt
  t.ok(gapMs < WRITES_BACK_WITHIN_MS, `writes succeed again ${(gapMs / 1000).toFixed(2)} s after the kill`)
  await sleep(AFTER_MS)
  running = false
  await Promise.all(loops)
  await until(async () => counts.rebuilds.length > 0 && Date.now() - counts.rebuilds.at(-1)! > 2 * RESYNC_MAX_WAIT_MS, 30_000, 'the subscriber rebuilds did not settle')
  assertCoalesced(t, counts)

  // Every acknowledged write is still there: the document both apps read has at least the last acknowledged
  // version, and its content, unless a later write (answered 503) was applied after it.
  const last = acknowledged.at(-1)!
  const later = new Set(attempts.filter((attempt) => attempt.at >= last.at).map((attempt) => attempt.content))
  let lost = 0
  for (const [name, app] of [['a', a], ['b', b]] as const) {
    const answer = await app.inject({ method: 'GET', url: `/v1/users/${userId}/rules` })
    t.equal(answer.statusCode, 200, `${name} reads U's rules`)
    const doc = answer.json()
    const content = contentOf(doc)
    const kept = doc.version > last.version ? later.has(content) : doc.version === last.version && content === last.content
    if (!kept) lost++
    t.ok(kept, `${name}: version ${doc.version} "${content}" holds the last acknowledged write (version ${last.version} "${last.content}")`)
  }
  // A lost write shows as a version acknowledged twice (the promoted replica hands the lost version out again)
  // or a version going back.
  const versions = acknowledged.map((write) => write.version)
  const duplicates = versions.length - new Set(versions).size
  lost += duplicates + regressions.length
  t.same(regressions, [], 'acknowledged writes are the documents sent, and versions only go forward')
  t.equal(duplicates, 0, 'no version acknowledged twice')
  t.equal(scores.failed, 0, `no /v1/score answer failed${scores.failures.length ? `: ${scores.failures.slice(0, 5).join('; ')}` : ''}`)
  t.ok(scores.ok > 0, 'scores were answered')

  const reasons = [...scores.reasons].map(([kind, count]) => `${kind}=${count}`).join(' ')
  const failures = [...writeFailures].map(([kind, count]) => `${kind}=${count}`).join(' ')
  t.comment(
    `failover: failed scores ${scores.failed}, degraded scores ${scores.degraded} of ${scores.ok + scores.failed}${reasons ? ` (${reasons})` : ''}, ` +
      `write gap ${(gapMs / 1000).toFixed(2)} s, acknowledged writes ${acknowledged.length} (${beforeKill} before the kill), ` +
      `failed writes ${failures || 0}, lost ${lost}`
  )
})
