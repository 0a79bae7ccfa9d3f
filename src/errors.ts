/**
 * Every error the API answers with has a stable `FG_*` code and a status. Routes and services throw
 * these; the root error handler turns them into `{ statusCode, code, error, message, details? }`.
 */
export interface ErrorDetail {
  path: string
  message: string
}

export class FeedguardError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details?: ErrorDetail[]
  ) {
    super(message)
    this.name = 'FeedguardError'
  }
}

export const validationError = (message: string, details: ErrorDetail[] = []) =>
  new FeedguardError('FG_VALIDATION', 400, message, details)

export const limitExceeded = (message: string, path: string) =>
  new FeedguardError('FG_LIMIT_EXCEEDED', 400, message, [{ path, message }])

export const rulesConflict = (expected: number, actual: number) =>
  new FeedguardError(
    'FG_RULES_CONFLICT',
    409,
    `rules version is ${actual}, not ${expected}: reload the rules and retry`
  )

export const notFound = (what: string) => new FeedguardError('FG_NOT_FOUND', 404, `${what} not found`)

export const storeUnavailable = (cause: string, store = 'rules store') =>
  new FeedguardError('FG_STORE_UNAVAILABLE', 503, `${store} unavailable: ${cause}; nothing was changed`)

/** A write no replica acknowledged in time (src/redis/replica-wait.ts): the master has it, and a failover may lose it. */
export const replicaUnacknowledged = (store: string, timeoutMs: number) =>
  new FeedguardError(
    'FG_STORE_UNAVAILABLE',
    503,
    `${store}: no replica acknowledged the write within ${timeoutMs}ms; it may or may not have been applied, and a retry (with the same If-Match) is safe`
  )

/** Raised by a store when optimistic concurrency gives up after repeated races. */
export const storeContention = () =>
  new FeedguardError('FG_RULES_CONTENTION', 503, 'too many concurrent changes to these rules; retry')

export const bankNotFound = (bank: string) => new FeedguardError('FG_BANK_NOT_FOUND', 404, `hash bank ${bank} not found`)

export const bankExists = (bank: string) => new FeedguardError('FG_BANK_EXISTS', 409, `hash bank ${bank} already exists`)

export const bankEntryNotFound = (bank: string, entryId: string) =>
  new FeedguardError('FG_BANK_ENTRY_NOT_FOUND', 404, `entry ${entryId} not found in hash bank ${bank}`)

export const unauthenticated = (message: string) => new FeedguardError('FG_UNAUTHENTICATED', 401, message)

export const forbidden = (scope: string) =>
  new FeedguardError('FG_FORBIDDEN', 403, `this key lacks the scope ${scope}`)

/** The edges of HTTP: requests no route sees (src/api/http-edges.ts). */
export const methodNotAllowed = (method: string, path: string, allowed: string[]) =>
  new FeedguardError('FG_METHOD_NOT_ALLOWED', 405, `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`)

export const routeNotFound = (method: string, path: string) => new FeedguardError('FG_NOT_FOUND', 404, `no route ${method} ${path}`)

export const badUrl = () => new FeedguardError('FG_BAD_URL', 400, 'the URL is not validly percent-encoded')

export const uriTooLong = (maxParamLength: number) =>
  new FeedguardError('FG_URI_TOO_LONG', 414, `a path parameter is longer than ${maxParamLength} characters`)

export const headersTooLarge = () =>
  new FeedguardError('FG_HEADERS_TOO_LARGE', 431, 'the request line and headers are larger than the server accepts')

export const requestTimeout = () => new FeedguardError('FG_REQUEST_TIMEOUT', 408, 'the request was not received in time')

export const badHttp = (parserError: string) =>
  new FeedguardError('FG_BAD_HTTP', 400, `malformed HTTP request (${parserError})`)

export const badRequest = (message: string) => new FeedguardError('FG_BAD_REQUEST', 400, message)

export const overloaded = () =>
  new FeedguardError('FG_OVERLOADED', 503, 'the service is overloaded: retry after the time Retry-After gives')

export const metricsUnavailable = (reason: string) => new FeedguardError('FG_METRICS_UNAVAILABLE', 503, reason)
