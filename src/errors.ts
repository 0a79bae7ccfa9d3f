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
