import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import FindMyWay, { type HTTPMethod } from 'find-my-way'
import {
  badHttp,
  badRequest,
  badUrl,
  headersTooLarge,
  methodNotAllowed,
  requestTimeout,
  routeNotFound,
  uriTooLong,
  type ErrorDetail,
  type FeedguardError
} from '../errors.js'

/**
 * The edges of HTTP that never reach a route: requests Node cannot parse, URLs the router cannot
 * decode, paths or methods no route has, and bodies that are declared but empty. Each still answers
 * the API's error shape with a stable `FG_*` code.
 */

export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  details?: ErrorDetail[]
}

export function errorBody(statusCode: number, code: string, message: string, details?: ErrorDetail[]): ErrorBody {
  const body: ErrorBody = { statusCode, code, error: String(STATUS_CODES[statusCode]), message }
  if (details) body.details = details
  return body
}

const bodyOf = (err: FeedguardError) => errorBody(err.statusCode, err.code, err.message, err.details)

/**
 * Path parameters the router accepts, in characters once decoded: above the longest id any schema allows
 * (256, item ids), so an over-long id reaches validation and is refused as FG_VALIDATION naming it; only
 * absurd ones stop at the router (414 FG_URI_TOO_LONG).
 */
export const MAX_PARAM_LENGTH = 1024

/** What Node's HTTP parser reports (`clientError`) as the answer written on the socket. */
function clientErrorBody(err: NodeJS.ErrnoException): ErrorBody {
  if (err.code === 'HPE_HEADER_OVERFLOW') return bodyOf(headersTooLarge())
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return bodyOf(requestTimeout())
  return bodyOf(badHttp(String(err.code)))
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refused (framing, oversized headers, timeout)
 * never becomes a Fastify request, so the JSON answer is written on the socket by hand, as Node would
 * write its bare one, and the connection is closed.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const body = clientErrorBody(err)
  this.log.info({ code: body.code, parserError: err.code }, 'request refused by the HTTP parser')
  // Once a response has started on this connection, a second status line would corrupt it.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage
  if (socket.writable && !inFlight?.headersSent) {
    const json = JSON.stringify(body)
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${body.error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`
    )
  }
  socket.destroy()
}

/** Fastify's `frameworkErrors`: the router's refusals, in the API's shape. */
export function frameworkErrors(err: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) {
  let body: ErrorBody
  if (err.code === 'FST_ERR_BAD_URL') body = bodyOf(badUrl())
  else if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') body = bodyOf(uriTooLong(MAX_PARAM_LENGTH))
  else body = bodyOf(badRequest(err.message))
  request.log.info({ code: body.code, statusCode: body.statusCode }, 'request refused')
  void reply.code(body.statusCode).send(body)
}

/**
 * Answers for paths no route matches: 405 with `Allow` when the path exists for other methods, 404
 * otherwise. Knows the routes through an `onRoute` hook, so it must be installed before any route.
 */
export function installNotFound(fastify: FastifyInstance) {
  const known = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH })
  const methods = new Set<string>()
  fastify.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      methods.add(method)
      if (!known.hasRoute(method as HTTPMethod, route.url)) known.on(method as HTTPMethod, route.url, route.handler as never)
    }
  })
  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!
    const allowed = [...methods].filter((method) => known.find(method as HTTPMethod, path) !== null)
    if (allowed.length > 0) {
      void reply.code(405).header('allow', allowed.join(', ')).send(bodyOf(methodNotAllowed(request.method, path, allowed)))
      return
    }
    void reply.code(404).send(bodyOf(routeNotFound(request.method, path)))
  })
}

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that an empty body on a route
 * that takes none is no body: clients that send `content-type: application/json` on every request are
 * common. A route that needs a body still refuses an empty one (FG_BAD_JSON).
 */
export function acceptEmptyJsonWithoutBody(fastify: FastifyInstance) {
  const parseJson = fastify.getDefaultJsonParser('error', 'ignore')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '' && request.routeOptions.schema?.body === undefined) {
      done(null, undefined)
      return
    }
    parseJson(request, body as string, done)
  })
}
