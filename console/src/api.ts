/** The console's one way to the API: the key (if any) from sessionStorage, JSON in and out. */
const KEY = 'feedguard.apiKey'

export const storedKey = () => sessionStorage.getItem(KEY) ?? ''
export const storeKey = (key: string) => (key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY))

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, key = storedKey()): Promise<T> {
  const headers: Record<string, string> = {}
  if (key) headers.authorization = `Bearer ${key}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const json = text ? JSON.parse(text) : undefined
  if (!res.ok) throw new ApiError(res.status, json?.code ?? 'FG_HTTP', json?.message ?? res.statusText)
  return json as T
}

export type Page = 'insights' | 'review' | 'try' | 'whatif'

/** One cheap request per page, answered 403 when the key's scopes do not reach it. */
const PROBES: Record<Page, () => Promise<unknown>> = {
  insights: () => api('GET', '/v1/insights?window=1h&limit=1'),
  review: () => api('GET', '/v1/items?status=under_review&limit=1'),
  try: () => api('POST', '/v1/policy/evaluate', { item: { text: '' } }),
  whatif: () => api('GET', '/v1/policy')
}

export type Access = Record<Page, boolean>

/** What this key may use: `unauthenticated` when the service wants a (different) key. */
export async function probe(): Promise<Access | 'unauthenticated'> {
  const pages = Object.keys(PROBES) as Page[]
  const results = await Promise.all(
    pages.map((page) =>
      PROBES[page]().then(
        () => 'ok' as const,
        (err: unknown) => (err instanceof ApiError && err.status === 401 ? ('unauthenticated' as const) : err instanceof ApiError && err.status === 403 ? ('forbidden' as const) : ('ok' as const))
      )
    )
  )
  if (results.includes('unauthenticated')) return 'unauthenticated'
  return Object.fromEntries(pages.map((page, i) => [page, results[i] === 'ok'])) as Access
}

/** A CSV download of rows (the first row is the header). */
export function downloadCsv(name: string, rows: ReadonlyArray<ReadonlyArray<string | number>>) {
  const quote = (cell: string | number) => (typeof cell === 'number' ? String(cell) : `"${cell.replaceAll('"', '""')}"`)
  const blob = new Blob([rows.map((row) => row.map(quote).join(',')).join('\n') + '\n'], { type: 'text/csv' })
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = `${name}.csv`
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 1000)
}
