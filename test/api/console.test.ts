import t from 'tap'
import { build } from '../helpers/app.js'
import { buildConsole } from '../helpers/console.js'

await buildConsole()

t.test('GET /console serves the built page and its bundle, without a CDN', async (t) => {
  const app = await build(t, {}, { models: [] })
  const page = await app.inject({ method: 'GET', url: '/console' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.body, /<script src="\/console\/app.js">/)
  t.notMatch(page.body, /https?:\/\//, 'nothing loaded from elsewhere')
  t.equal((await app.inject({ method: 'GET', url: '/console/' })).statusCode, 200)
  const bundle = await app.inject({ method: 'GET', url: '/console/app.js' })
  t.equal(bundle.statusCode, 200)
  t.match(bundle.headers['content-type'], /javascript/)
  t.equal((await app.inject({ method: 'GET', url: '/console/style.css' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/console/missing.js' })).statusCode, 404)
})

t.test('CONSOLE_ENABLED=false, or files not built: no console, the API is unaffected', async (t) => {
  const off = await build(t, { CONSOLE_ENABLED: 'false' }, { models: [] })
  t.equal((await off.inject({ method: 'GET', url: '/console' })).statusCode, 404)
  const missing = await build(t, { CONSOLE_DIR: 'no/such/dir' }, { models: [] })
  t.equal((await missing.inject({ method: 'GET', url: '/console' })).statusCode, 404)
  t.equal((await missing.inject({ method: 'GET', url: '/v1/policy' })).statusCode, 200)
})
