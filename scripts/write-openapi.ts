/**
 * Writes openapi/openapi.json from the routes' schemas (`--check`: fails when the committed file is
 * stale). Built on the default configuration, so the document does not depend on the environment.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import Fastify from 'fastify'
import app, { fastifyOptions } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const file = new URL('../openapi/openapi.json', import.meta.url)
const config = loadConfig({ LOG_LEVEL: 'silent' })
const server = Fastify(fastifyOptions(config))
await server.register(app, { config })
const response = await server.inject({ method: 'GET', url: '/openapi.json' })
const document = `${JSON.stringify(response.json(), null, 2)}\n`
await server.close()

if (process.argv.includes('--check')) {
  const committed = await readFile(file, 'utf8').catch(() => '')
  if (committed !== document) {
    console.error('openapi/openapi.json is stale: run `npm run openapi` and commit the result')
    process.exit(1)
  }
  console.log('openapi/openapi.json is up to date')
} else {
  await mkdir(new URL('.', file), { recursive: true })
  await writeFile(file, document)
  console.log('wrote openapi/openapi.json')
}
