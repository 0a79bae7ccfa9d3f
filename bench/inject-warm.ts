/**
 * `node --import tsx bench/inject-warm.ts [checkout]`: CPU time per warm /v1/score request at batch 50 inside
 * the process (Fastify's inject: no socket, no load generator), of the build in `checkout` (default: this
 * one; `npm run build` first), embedded stores. What the service adds to a request without the network's
 * share, in CPU time, so that a shared machine's neighbours count less. INJECT_ROUNDS (default 7) rounds of
 * INJECT_REQUESTS (default 2000); prints each round's µs per request and their median. INJECT_MODE=score: only
 * the scoring service and the answer's serialisation, on request bodies parsed beforehand (no HTTP at all).
 * INJECT_COLD=1: cold requests instead, as `npm run bench` sends them (every item new: 600 distinct batches cycled,
 * ids never used before), with the text model on; the CPU time counts every thread of the process.
 */
import { resolve } from 'node:path'
import Fastify from 'fastify'
import { coldBodies, nextFresh } from './cold-requests.js'
import { items, user } from './fixtures.js'

const checkout = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname)
const { default: app, fastifyOptions } = (await import(`${checkout}/dist/src/app.js`)) as typeof import('../src/app.js')
const { loadConfig } = (await import(`${checkout}/dist/src/config.js`)) as typeof import('../src/config.js')
const rounds = Number(process.env.INJECT_ROUNDS ?? 7)
const requests = Number(process.env.INJECT_REQUESTS ?? 2000)

const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', OVERLOAD_DEGRADE_LOOP_DELAY_MS: '0', OVERLOAD_SHED_LOOP_DELAY_MS: '0' })
const server = Fastify(fastifyOptions(config))
// registered in the root's own context, so that its decorations (the scoring service) can be reached here
await app(server, { config })
await server.ready()
const bench = user()
const put = await server.inject({ method: 'PUT', url: `/v1/users/${bench.userId}/rules`, payload: bench.rules })
if (put.statusCode !== 200) throw new Error(`could not store the rules: ${put.statusCode} ${put.body}`)
const payload = JSON.stringify({ userId: bench.userId, surface: 'for_you', items: items(50) })
const cold = process.env.INJECT_COLD === '1'
const coldPayloads = cold ? coldBodies(bench.userId) : []
const nextPayload = () => (cold ? nextFresh(coldPayloads) : payload)
const score = async () => {
  const res = await server.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'application/json' }, payload: nextPayload() })
  if (res.statusCode !== 200) throw new Error(`score failed: ${res.statusCode} ${res.body}`)
}
const scoreOnly = process.env.INJECT_MODE === 'score'
const { serializeScoreResponse } = (await import(`${checkout}/dist/src/api/score-serializer.js`)) as typeof import('../src/api/score-serializer.js')
type ScoreInput = Parameters<typeof server.scoring.score>[0]
const parsed = () => Array.from({ length: requests }, () => ({ explain: false, ...(JSON.parse(nextPayload()) as object) }) as ScoreInput)
const perRequest: number[] = []
for (let round = -1; round < rounds; round++) {
  const bodies = scoreOnly ? parsed() : []
  const started = process.cpuUsage()
  for (let i = 0; i < requests; i++) {
    if (scoreOnly) serializeScoreResponse(await server.scoring.score(bodies[i]!))
    else await score()
  }
  const used = process.cpuUsage(started)
  // the first round warms up
  if (round >= 0) perRequest.push((used.user + used.system) / requests)
}
const sorted = [...perRequest].sort((a, b) => a - b)
console.log(`${checkout}${cold ? ' (cold)' : ''}: ${perRequest.map((v) => v.toFixed(0)).join(' ')} µs CPU per request; median ${sorted[Math.floor(rounds / 2)]!.toFixed(0)}`)
await server.close()
