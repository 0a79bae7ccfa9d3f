/**
 * The benchmarks' cold requests: every request's items new to the service. Distinct batches of new captions,
 * more than the analysis and score caches hold, are cycled, and each request's item ids are ones never sent
 * before by this process, so that nothing is found cached by id or by content. Also the load that sends them.
 */
import autocannon from 'autocannon'
import { items } from './fixtures.js'

/** Distinct cold request bodies, cycled: more captions than the analysis cache holds, so cold stays cold. */
export const COLD_BODIES = 600

/** The bodies of the cold requests of `userId` at `batch` items each. */
export function coldBodies(userId: string, batch = 50): string[] {
  return Array.from({ length: COLD_BODIES }, (_, k) => JSON.stringify({ userId, surface: 'for_you', items: items(batch, 1000 + k) }))
}

let sent = 0

/** The next of `bodies` in turn, with item ids never sent before by this process. */
export function nextFresh(bodies: readonly string[]): string {
  const request = sent++
  return bodies[request % bodies.length]!.replaceAll('"id":"item-', `"id":"r${request}-`)
}

/** autocannon's options for sending `bodies` in turn, each request's item ids new (see nextFresh). */
export function freshRequests(bodies: readonly string[]): Pick<autocannon.Options, 'requests'> {
  return { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: nextFresh(bodies) }) }] }
}

/**
 * Drives POST /v1/score at `url` for `seconds` from 8 connections (or `connections`), as the benchmark's load does:
 * `body` again and again (warm), or, given `cold` bodies, those in turn with new item ids.
 */
export function scoreLoad(url: string, body: string, seconds: number, cold?: readonly string[], connections = 8): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/v1/score`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    ...(cold ? freshRequests(cold) : {})
  })
}
