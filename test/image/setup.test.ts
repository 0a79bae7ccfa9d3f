import t from 'tap'
import { loadModel, readManifest } from '../../src/classifiers/manifest.js'
import { loadConfig } from '../../src/config.js'
import { imagePipelineOptions, imageThreadsOptions, loadImagePipeline } from '../../src/image/setup.js'

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

t.test('the image threads: one, ten nice steps down, one onnxruntime thread, no spinning, single-image batches (2 cores), a batch waits at most 2 ms', async (t) => {
  const model = { id: 'm@1', name: 'm', version: '1', kind: 'image', featuriser: 'f', bytes: new Uint8Array(0) }
  t.same(imageThreadsOptions(model, loadConfig({})), {
    model,
    threads: 1,
    nice: 10,
    session: { intraOpNumThreads: 1, allowSpinning: false },
    prepare: { maxInputPixels: 4096 * 4096, pdqVariants: false },
    batch: { maxBatch: 1, maxWaitMs: 2 }
  })
  t.match(imageThreadsOptions(model, loadConfig({ IMAGE_THREADS: '2', IMAGE_BATCH_MAX: '32', IMAGE_THREAD_NICE: '0', PDQ_DIHEDRAL: 'true' })), {
    threads: 2,
    nice: 0,
    prepare: { pdqVariants: true },
    batch: { maxBatch: 32 }
  })
})

t.test('no image model in the manifest: no pipeline; one that cannot be opened: a problem, not a crash', async (t) => {
  const config = loadConfig({})
  const problems: string[] = []
  t.equal(await loadImagePipeline([], config, null, problems), undefined)
  const manifest = await readManifest('models')
  const entry = await loadModel('models', manifest.models.find((model) => model.kind === 'image')!)
  t.equal(await loadImagePipeline([{ ...entry, featuriser: 'something-else@1' }], config, null, problems), undefined)
  t.match(problems, [/^model nsfwjs-mobilenetv2@1\.0\.0: .*not an image model for this service's preprocessing/])

  const images = await loadImagePipeline([entry], loadConfig({ IMAGE_THREADS: '0' }), null, problems)
  t.equal(images?.id, 'nsfwjs-mobilenetv2@1.0.0')
  await images?.close()
  t.equal(problems.length, 1)
})
