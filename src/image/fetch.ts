import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import ipaddr, { type IPv6 } from 'ipaddr.js'

export interface ImageFetchOptions {
  /** Hosts images may come from: exact names, or `*.example.com` for any subdomain. Empty: no URL is fetched. */
  allowedHosts: readonly string[]
  /** Plain http (default false: https only). */
  allowHttp: boolean
  /** Private, loopback, link-local and other non-public addresses (default false). */
  allowPrivateAddresses: boolean
  connectTimeoutMs: number
  totalTimeoutMs: number
  maxBytes: number
  maxRedirects: number
}

export type ImageFetchRefusal =
  | 'bad_url'
  | 'scheme_not_allowed'
  | 'host_not_allowed'
  | 'address_not_allowed'
  | 'dns_failed'
  | 'connect_timeout'
  | 'timeout'
  | 'too_large'
  | 'not_an_image'
  | 'http_error'
  | 'too_many_redirects'
  | 'network_error'

/** Why an image URL was not fetched; `reason` is stable for callers and tests. */
export class ImageFetchError extends Error {
  constructor(
    readonly reason: ImageFetchRefusal,
    message: string
  ) {
    super(message)
    this.name = 'ImageFetchError'
  }
}

/** `::a.b.c.d`, the deprecated IPv4-compatible form: ipaddr.js counts it as unicast, yet it names an IPv4 host. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [IPv6, number]

/**
 * Whether an address is globally reachable: only what ipaddr.js classifies as `unicast` passes, so every
 * special-purpose range (private, loopback, link-local, CGNAT, multicast, documentation, benchmarking,
 * unique and site-local, discard, Teredo, 6to4, NAT64, …) is refused. An IPv4-mapped IPv6 address (how
 * dual-stack sockets write IPv4) is judged by the IPv4 address inside it; the IPv6 forms that embed an
 * IPv4 address for tunnels and translators (IPv4-compatible, `::ffff:0:0:0/96`, 6to4, NAT64) are refused
 * outright, whatever they embed.
 */
export function isPublicAddress(address: string): boolean {
  if (isIP(address) === 0) return false
  const parsed = ipaddr.parse(hexTail(address))
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as IPv6
    if (v6.isIPv4MappedAddress()) return isPublicAddress(v6.toIPv4Address().toString())
    if (v6.match(IPV4_COMPATIBLE)) return false
  }
  return parsed.range() === 'unicast'
}

/**
 * An IPv6 address with its dotted IPv4 tail written as two hex groups, and without a zone (it only ever
 * qualifies link-local addresses): ipaddr.js reads any dotted tail as IPv4-mapped, `::8.8.8.8` included.
 */
function hexTail(address: string): string {
  const [bare = ''] = address.split('%')
  return bare.replace(/:(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) => {
    const group = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16)
    return `:${group(a, b)}:${group(c, d)}`
  })
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase()
    return p.startsWith('*.') ? name.endsWith(p.slice(1)) && name.length > p.length - 1 : name === p
  })
}

/**
 * Fetches an image URL safely: only allowlisted hosts (redirects too), https unless configured, every
 * resolved address checked before connecting (the connection uses the checked address, so a DNS
 * answer cannot change in between), connect and total timeouts, a byte cap enforced while reading, and
 * an image content type.
 */
export async function fetchImage(url: string, options: ImageFetchOptions): Promise<Buffer> {
  const deadline = Date.now() + options.totalTimeoutMs
  let current = url
  for (let redirects = 0; redirects <= options.maxRedirects; redirects++) {
    const target = checkUrl(current, options)
    const response = await get(target, options, deadline)
    // A client response always has a status code.
    const status = response.statusCode!
    if (status < 300 || status >= 400 || !response.headers.location) return readImage(response, options, deadline)
    response.resume()
    current = new URL(response.headers.location, target).toString()
  }
  throw new ImageFetchError('too_many_redirects', `more than ${options.maxRedirects} redirects`)
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void

type Resolve = (hostname: string, options: { all: true }, callback: (err: Error | null, addresses: LookupAddress[]) => void) => void

/**
 * A DNS look-up for the HTTP client that only ever hands it an address that passed the checks.
 * `resolve` is the system resolver (tests give their own answers).
 */
export function checkedLookup(allowPrivateAddresses: boolean, resolve: Resolve = dnsLookup) {
  return (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(new ImageFetchError('dns_failed', `cannot resolve ${hostname}`), '', 0)
      const chosen = (allowPrivateAddresses ? addresses : addresses.filter((a) => isPublicAddress(a.address)))[0]
      if (!chosen) return callback(new ImageFetchError('address_not_allowed', `${hostname} resolves only to non-public addresses`), '', 0)
      if (lookupOptions.all) callback(null, [chosen])
      else callback(null, chosen.address, chosen.family)
    })
  }
}

const timeoutError = (options: ImageFetchOptions) =>
  new ImageFetchError('timeout', `no complete answer within ${options.totalTimeoutMs}ms`)

/** The URL as it would be fetched, or an ImageFetchError saying why it would not be (checked again by `fetchImage`). */
export function checkUrl(raw: string, options: ImageFetchOptions): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ImageFetchError('bad_url', 'not a valid URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
    throw new ImageFetchError('scheme_not_allowed', `${url.protocol.slice(0, -1)} URLs are not fetched`)
  }
  if (url.username || url.password) throw new ImageFetchError('bad_url', 'URLs with credentials are not fetched')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!hostAllowed(host, options.allowedHosts)) throw new ImageFetchError('host_not_allowed', `host ${host} is not on the image allowlist`)
  // An address written in the URL is connected to without a DNS look-up: check it here.
  if (isIP(host) !== 0 && !options.allowPrivateAddresses && !isPublicAddress(host)) {
    throw new ImageFetchError('address_not_allowed', `${host} is not a public address`)
  }
  return url
}

function get(url: URL, options: ImageFetchOptions, deadline: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { accept: 'image/*' },
      lookup: checkedLookup(options.allowPrivateAddresses) as never
    })
    const connectTimer = setTimeout(() => request.destroy(new ImageFetchError('connect_timeout', `no connection within ${options.connectTimeoutMs}ms`)), options.connectTimeoutMs)
    const totalTimer = setTimeout(() => request.destroy(timeoutError(options)), Math.max(0, deadline - Date.now()))
    request.on('socket', (socket) => {
      // A kept-alive socket is connected already (and would never say so again).
      if (!socket.connecting) clearTimeout(connectTimer)
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer))
    })
    request.on('response', (response) => {
      clearTimeout(connectTimer)
      clearTimeout(totalTimer)
      resolve(response)
    })
    request.on('error', (err) => {
      clearTimeout(connectTimer)
      clearTimeout(totalTimer)
      reject(err instanceof ImageFetchError ? err : new ImageFetchError('network_error', err.message))
    })
    request.end()
  })
}

function readImage(response: IncomingMessage, options: ImageFetchOptions, deadline: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(timeoutError(options)), Math.max(0, deadline - Date.now()))
    const fail = (err: ImageFetchError) => {
      clearTimeout(timer)
      response.destroy()
      reject(err)
    }
    const status = response.statusCode!
    if (status < 200 || status >= 300) return fail(new ImageFetchError('http_error', `the image host answered ${status}`))
    const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (!type.startsWith('image/')) return fail(new ImageFetchError('not_an_image', `content type ${type || '(none)'} is not an image`))
    const declared = Number(response.headers['content-length'] ?? 0)
    if (declared > options.maxBytes) return fail(new ImageFetchError('too_large', `image is larger than ${options.maxBytes} bytes`))
    const chunks: Buffer[] = []
    let size = 0
    response.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > options.maxBytes) return fail(new ImageFetchError('too_large', `image is larger than ${options.maxBytes} bytes`))
      chunks.push(chunk)
    })
    response.on('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    response.on('error', (err) => fail(err instanceof ImageFetchError ? err : new ImageFetchError('network_error', err.message)))
  })
}
