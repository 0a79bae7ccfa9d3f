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
