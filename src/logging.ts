import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { hostname } from 'node:os'
import type { FastifyRequest } from 'fastify'

export interface ServiceInfo {
  name: string
  version: string
}

/**
 * The service's name and version, from the first package.json above `from` (this module's folder:
 * `src/` when run from source, `dist/src/` when built; the image carries package.json too).
 */
export function serviceInfo(from: URL = new URL('.', import.meta.url)): ServiceInfo {
  let dir = from
  let text = readIfExists(new URL('package.json', dir))
  while (text === undefined && dir.pathname !== '/') {
    dir = new URL('..', dir)
    text = readIfExists(new URL('package.json', dir))
  }
  if (text === undefined) throw new Error(`no package.json above ${from.pathname}`)
  const { name, version } = JSON.parse(text) as ServiceInfo
  return { name, version }
}

function readIfExists(file: URL): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** What a caller may send as a request id: bounded, and characters no log or header parser trips on. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/

/**
 * A request's id: the caller's `x-request-id` when it is a sensible one (so a trace spans services),
 * otherwise a random UUID, unique across replicas without coordination.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : randomUUID()
}

/** A path with the user id of `/v1/users/<id>/…` replaced: user ids identify people and stay out of the logs. */
export const redactUserId = (url: string) => url.replace(/^\/v1\/users\/[^/?#]*/, '/v1/users/:userId')

/** A request as log lines show it: Fastify's usual fields, the route it matched, and no user id. */
/** The logger's options: JSON lines that name the service, with requests as `serializeRequest` shows them. */
export function loggerOptions(level: string, service: ServiceInfo = serviceInfo()) {
  return {
    level,
    // Nested: other fields (a bank's version) would collide with a flat `version`.
    base: { service: { name: service.name, version: service.version }, pid: process.pid, hostname: hostname() },
    serializers: { req: serializeRequest }
  }
}

export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUserId(request.url),
    route: request.routeOptions.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort
  }
}
