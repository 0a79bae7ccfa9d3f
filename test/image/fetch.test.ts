import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import t from 'tap'
import { checkedLookup, fetchImage, hostAllowed, ImageFetchError, isPublicAddress, type ImageFetchOptions } from '../../src/image/fetch.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** A local image host; `localhost` and `127.0.0.1` reach it (only with private addresses allowed). */
async function imageHost(t: Tap, handler: Handler) {
  const server = createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return (server.address() as { port: number }).port
}
type Tap = { teardown(fn: () => unknown): void }

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')

const base: ImageFetchOptions = {
  allowedHosts: ['localhost', '127.0.0.1', 'cdn.example'],
  allowHttp: true,
  allowPrivateAddresses: true,
  connectTimeoutMs: 500,
  totalTimeoutMs: 1000,
  maxBytes: 1024,
  maxRedirects: 2
}

const refusal = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  if (!(err instanceof ImageFetchError)) throw new Error(`expected an ImageFetchError, got ${String(err)}`)
  return err.reason
}

t.test('fetches an allowlisted image', async (t) => {
  const port = await imageHost(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(PNG)
  })
  t.same(await fetchImage(`http://localhost:${port}/a.png`, base), PNG)
})

t.test('refusals: scheme, allowlist, credentials, bad URL', async (t) => {
  t.equal(await refusal(fetchImage('http://cdn.example/a.png', { ...base, allowHttp: false })), 'scheme_not_allowed')
  t.equal(await refusal(fetchImage('ftp://cdn.example/a.png', base)), 'scheme_not_allowed')
  t.equal(await refusal(fetchImage('https://evil.example/a.png', base)), 'host_not_allowed')
  t.equal(await refusal(fetchImage('https://user:pw@cdn.example/a.png', base)), 'bad_url')
  t.equal(await refusal(fetchImage('not a url', base)), 'bad_url')
})

t.test('no private, loopback or link-local addresses after DNS resolution unless allowed', async (t) => {
  const port = await imageHost(t, (_req, res) => res.end(PNG))
  const strict = { ...base, allowPrivateAddresses: false }
  t.equal(await refusal(fetchImage(`http://localhost:${port}/a.png`, strict)), 'address_not_allowed')
  t.equal(await refusal(fetchImage(`http://127.0.0.1:${port}/a.png`, strict)), 'address_not_allowed')
  t.equal(await refusal(fetchImage('http://no-such-host.invalid/a.png', { ...base, allowedHosts: ['no-such-host.invalid'] })), 'dns_failed')
  for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '100.64.0.1']) {
    t.equal(isPublicAddress(address), false, address)
  }
  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) t.equal(isPublicAddress(address), true, address)
  t.equal(isPublicAddress('not-an-ip'), false)
})

t.test('allowlist patterns', async (t) => {
  t.ok(hostAllowed('img.cdn.example', ['*.cdn.example']))
  t.ok(hostAllowed('CDN.example.', ['cdn.example']))
  t.notOk(hostAllowed('cdn.example', ['*.cdn.example']))
  t.notOk(hostAllowed('evilcdn.example', ['*.cdn.example']))
})

t.test('content type, status and size', async (t) => {
  const port = await imageHost(t, (req, res) => {
    if (req.url === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' })
      return res.end('<html>')
    }
    if (req.url === '/untyped') return res.end('?')
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'image/png' })
      return res.end()
    }
    if (req.url === '/declared-big') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '5000' })
      return res.end(Buffer.alloc(5000))
    }
    res.writeHead(200, { 'content-type': 'image/jpeg' })
    // No content-length: the cap is enforced while reading.
    res.write(Buffer.alloc(800))
    res.end(Buffer.alloc(800))
  })
  t.equal(await refusal(fetchImage(`http://localhost:${port}/html`, base)), 'not_an_image')
  t.equal(await refusal(fetchImage(`http://localhost:${port}/untyped`, base)), 'not_an_image')
  t.equal(await refusal(fetchImage(`http://localhost:${port}/missing`, base)), 'http_error')
  t.equal(await refusal(fetchImage(`http://localhost:${port}/declared-big`, base)), 'too_large')
  t.equal(await refusal(fetchImage(`http://localhost:${port}/streamed-big`, base)), 'too_large')
})

t.test('redirects are followed only within the allowlist, and only so many', async (t) => {
  const port = await imageHost(t, (req, res) => {
    const to: Record<string, string> = { '/one': '/two', '/two': '/img', '/away': 'http://evil.example/x.png', '/loop': '/loop' }
    if (req.url && to[req.url]) {
      res.writeHead(302, { location: to[req.url] })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(PNG)
  })
  t.same(await fetchImage(`http://localhost:${port}/one`, base), PNG)
  t.equal(await refusal(fetchImage(`http://localhost:${port}/away`, base)), 'host_not_allowed')
  t.equal(await refusal(fetchImage(`http://localhost:${port}/loop`, base)), 'too_many_redirects')
})

t.test('timeouts: a host that never answers, or answers too slowly', async (t) => {
  const port = await imageHost(t, (req, res) => {
    if (req.url === '/slow-body') {
      res.writeHead(200, { 'content-type': 'image/png' })
      res.write(PNG)
      return // never ends
    }
    // never answers
  })
  const quick = { ...base, totalTimeoutMs: 150 }
  t.equal(await refusal(fetchImage(`http://localhost:${port}/hang`, quick)), 'timeout')
  t.equal(await refusal(fetchImage(`http://localhost:${port}/slow-body`, quick)), 'timeout')
})

t.test('kept-alive connections: a slow answer on a reused one is no connect timeout, and no listener piles up', async (t) => {
  const port = await imageHost(t, (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'image/png' })
      res.end(PNG)
    }, 60)
  })
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  const options = { ...base, connectTimeoutMs: 30 }
  for (let i = 0; i < 12; i++) t.same(await fetchImage(`http://127.0.0.1:${port}/a.png`, options), PNG, `fetch ${i + 1}`)
  t.same(warnings, [])
})

t.test('connect timeout: a TLS handshake that never completes', async (t) => {
  // A TCP listener that accepts and stays silent: the https connection is never established.
  const { createServer: createTcpServer } = await import('node:net')
  const silent = createTcpServer(() => {})
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  const sockets: import('node:net').Socket[] = []
  silent.on('connection', (socket) => sockets.push(socket))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })
  const port = (silent.address() as { port: number }).port
  t.equal(await refusal(fetchImage(`https://localhost:${port}/a.png`, { ...base, connectTimeoutMs: 100 })), 'connect_timeout')
})

t.test('a connection refused is a network error', async (t) => {
  const port = await imageHost(t, (_req, res) => res.end())
  const closed = port === 1 ? 2 : 1
  t.equal(await refusal(fetchImage(`http://127.0.0.1:${closed}/a.png`, base)), 'network_error')
})

t.test('the checked look-up answers in both forms the HTTP client asks for', async (t) => {
  const lookup = checkedLookup(true)
  const single = await new Promise<unknown[]>((resolve) => lookup('localhost', {}, (...args) => resolve(args)))
  t.match(single, [null, /^(127\.0\.0\.1|::1)$/, Number])
  const all = await new Promise<unknown[]>((resolve) => lookup('localhost', { all: true }, (...args) => resolve(args)))
  t.match(all, [null, [{ address: /./ }]])
})

/** Every special-purpose range, in each way an IPv6 address can carry an IPv4 one. */
const NON_PUBLIC = [
  // IPv4
  '0.0.0.0', '0.1.2.3', '10.0.0.1', '100.64.0.1', '127.0.0.1', '127.255.255.254', '169.254.169.254', '172.16.0.1',
  '172.31.255.255', '192.0.0.8', '192.0.2.1', '192.88.99.1', '192.168.1.1', '198.18.0.1', '198.51.100.1',
  '203.0.113.1', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255',
  // IPv6 special ranges
  '::', '::1', 'fe80::1', 'fe80::1%lo', 'fc00::1', 'fd12:3456::1', 'fec0::1', 'feff::1', 'ff02::1', '100::1',
  '2001:db8::1', '2001::1', '2001:2::1', '2001:10::1', '2001:20::1', '3fff::1', '5f00::1',
  // IPv4-mapped (dotted and hex) of private addresses
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:10.0.0.1', '::ffff:a9fe:a9fe', '::ffff:0.0.0.0',
  // IPv4-compatible: `[::127.0.0.1]`, and of a public address too (deprecated, never global)
  '::127.0.0.1', '::7f00:1', '::10.0.0.1', '::8.8.8.8',
  // ::ffff:0:0:0/96 (IPv4-translated)
  '::ffff:0:127.0.0.1', '::ffff:0:808:808',
  // 6to4: of loopback, of a public address
  '2002:7f00:1::', '2002:7f00:0001::1', '2002:808:808::1',
  // NAT64: well-known prefix and local-use prefix
  '64:ff9b::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::8.8.8.8', '64:ff9b:1::a00:1', '64:ff9b:1:abcd::1',
  // not addresses
  'not-an-ip', '', '127.1', '0x7f.0.0.1', '::ffff:127.0.0.1.1'
]
const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808']

t.test('only globally reachable addresses are public, in every IPv4-in-IPv6 form', async (t) => {
  for (const address of NON_PUBLIC) t.equal(isPublicAddress(address), false, address)
  for (const address of PUBLIC) t.equal(isPublicAddress(address), true, address)
})

t.test('an address written in the URL is checked in every form the URL parser accepts', async (t) => {
  const strict = { ...base, allowPrivateAddresses: false }
  for (const literal of ['[::127.0.0.1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[64:ff9b::127.0.0.1]', '[2002:7f00:1::1]', '[fec0::1]', '[::ffff:0:7f00:1]', '2130706433', '0x7f000001', '127.1']) {
    const url = `https://${literal}/a.png`
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
    t.equal(await refusal(fetchImage(url, { ...strict, allowedHosts: [host] })), 'address_not_allowed', `${literal} (${host})`)
  }
})

t.test('the resolved address is checked, not only literals', async (t) => {
  const answering = (...addresses: string[]) =>
    ((_hostname: string, _options: unknown, callback: (err: Error | null, addresses: Array<{ address: string; family: number }>) => void) =>
      callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))) as never
  const ask = (lookup: ReturnType<typeof checkedLookup>) =>
    new Promise<unknown[]>((resolve) => lookup('images.example', {}, (...args) => resolve(args)))
  for (const hostile of ['::127.0.0.1', '::ffff:7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::a00:1', '2002:a9fe:a9fe::', 'fec0::1', '::ffff:0:a00:1', '10.0.0.1']) {
    const [err] = await ask(checkedLookup(false, answering(hostile)))
    t.match(err, { reason: 'address_not_allowed' }, hostile)
  }
  t.match(await ask(checkedLookup(false, answering('::ffff:7f00:1', '2606:4700:4700::1111'))), [null, '2606:4700:4700::1111', 6], 'a public answer among hostile ones is the one used')
  t.match(await ask(checkedLookup(true, answering('::127.0.0.1'))), [null, '::127.0.0.1', 6], 'allowed when private addresses are')
})
