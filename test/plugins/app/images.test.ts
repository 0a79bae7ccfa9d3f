import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import { loadConfig } from '../../../src/config.js'
import images, { imagePipelineOptions } from '../../../src/plugins/app/images.js'
import metrics from '../../../src/plugins/app/metrics.js'
import models, { type ModelsPluginOptions } from '../../../src/plugins/app/models.js'
import readiness from '../../../src/plugins/app/readiness.js'
import configPlugin from '../../../src/plugins/external/config.js'

t.test('the pipeline settings come from the configuration, with safe defaults', async (t) => {
  const defaults = imagePipelineOptions(loadConfig({}), null)
  t.same(defaults.fetch, { allowedHosts: [], allowHttp: false, allowPrivateAddresses: false, connectTimeoutMs: 1000, totalTimeoutMs: 3000, maxBytes: 2 * 1024 * 1024, maxRedirects: 2 })
  t.match(defaults, {
    maxInputPixels: 4096 * 4096,
    pdqVariants: false,
    budgetMs: 25,
    queue: { concurrency: 8, maxQueued: 256, maxQueuedBytes: 64 * 1024 * 1024 },
    cache: { enabled: true, redis: null, keyPrefix: 'fg:', maxItems: 100_000, ttlSeconds: 86_400, failureTtlSeconds: 60 }
  })
  const set = imagePipelineOptions(
    loadConfig({ IMAGE_ALLOWED_HOSTS: 'cdn.example, *.img.example', IMAGE_ALLOW_HTTP: 'true', IMAGE_BUDGET_MS: '0', PDQ_DIHEDRAL: 'true' }),
    null
  )
  t.match(set, { fetch: { allowedHosts: ['cdn.example', '*.img.example'], allowHttp: true }, budgetMs: 0, pdqVariants: true })
  t.throws(() => loadConfig({ IMAGE_BUDGET_MS: '5001' }), /IMAGE_BUDGET_MS/)
})

t.test('a pipeline around the image model when there is one; none without', async (t) => {
  const cases: Array<[ModelsPluginOptions, string | undefined]> = [
    [{}, 'nsfwjs-mobilenetv2@1.0.0'],
    [{ text: [] }, undefined]
  ]
  for (const [options, expected] of cases) {
    const app = Fastify({ logger: false })
    t.teardown(() => app.close())
    await app.register(configPlugin, { config: loadConfig({ IMAGE_THREADS: '0' }) })
    await app.register(
      fp(
        async (instance) => {
          instance.decorate('redis', null)
        },
        { name: 'redis' }
      )
    )
    await app.register(metrics)
    await app.register(readiness)
    await app.register(models, options)
    await app.register(images)
    t.equal(app.images?.id, expected)
  }
})
