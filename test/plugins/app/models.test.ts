import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { readManifest, sha256, type Manifest } from '../../../src/classifiers/manifest.js'
import { loadConfig } from '../../../src/config.js'
import models, { imageThreadsOptions, type ModelsPluginOptions } from '../../../src/plugins/app/models.js'
import readiness from '../../../src/plugins/app/readiness.js'
import configPlugin from '../../../src/plugins/external/config.js'
import { TextClassifier } from '../../../src/text/text-classifier.js'
import { TextThreads } from '../../../src/text/text-threads.js'
import { build } from '../../helpers/app.js'

type Tap = import('tap').Test

/** The models plugin alone, on the given environment. */
async function modelsApp(t: Tap, env: Record<string, string> = {}, options: ModelsPluginOptions = {}) {
  // the model threads start in the plugin: on a loaded test machine that can take longer than Fastify's default 10 s
  const app = Fastify({ logger: false, pluginTimeout: 120_000 })
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(readiness)
  await app.register(models, options)
  return app
}

/** A models directory with the shipped manifest as `change` makes it, and copies of the files it names for which `copy` says so. */
async function modelsCopy(change: (manifest: Manifest) => Manifest = (m) => m, copy: (file: string) => boolean = () => false) {
  const dir = await mkdtemp(join(tmpdir(), 'fg-models-'))
  const manifest = change(await readManifest('models'))
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest))
  for (const { file } of manifest.models.filter((entry) => copy(entry.file))) {
    await mkdir(dirname(join(dir, file)), { recursive: true })
    await copyFile(join('models', file), join(dir, file))
  }
  return { dir, manifest }
}

t.test('the shipped models load and verify', async (t) => {
  const app = await modelsApp(t)
  t.same(app.models.problems, [])
  const manifest = await readManifest('models')
  t.equal(app.models.text.length + (app.models.image ? 1 : 0), manifest.models.length)
  for (const model of app.models.text) t.match(model.id, /@/)
  t.same([...app.models.ids].sort(), manifest.models.map((entry) => `${entry.name}@${entry.version}`).sort())
  t.same((await app.readiness.run()).checks.models, { ok: true, detail: app.models.ids.join(', ') })
})

t.test('the text model runs on a text thread; with TEXT_THREADS=0 on the event loop, scoring the same', async (t) => {
  const threaded = await modelsApp(t)
  t.ok(threaded.models.text[0] instanceof TextThreads)
  const inline = await modelsApp(t, { TEXT_THREADS: '0', IMAGE_THREADS: '0' })
  t.ok(inline.models.text[0] instanceof TextClassifier)
  const items = [{ id: 'a', text: 'You are a worthless idiot' }]
  t.strictSame(await threaded.models.text[0]!.classify(items), await inline.models.text[0]!.classify(items))
})

t.test('a missing manifest or model file is reported, not thrown', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'fg-models-'))
  const none = await modelsApp(t, { MODELS_DIR: empty, POLICY_FILE: 'models/policy.json' })
  t.match(none.models.problems, [/manifest .* is missing/])
  t.match((await none.readiness.run()).checks.models, { ok: false, detail: /manifest .* is missing/ })

  const { dir, manifest } = await modelsCopy()
  const missing = await modelsApp(t, { MODELS_DIR: dir })
  t.equal(missing.models.problems.length, manifest.models.length)
  t.match(missing.models.problems[0], /is missing/)
})

t.test('a corrupt model is reported; the service starts unready and says why', async (t) => {
  const { dir, manifest } = await modelsCopy()
  const [first, ...rest] = manifest.models
  await writeFile(join(dir, first!.file.split('/').join('-')), 'garbage')
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ models: [{ ...first, file: first!.file.split('/').join('-') }, ...rest] }))
  for (const entry of rest) {
    await writeFile(join(dir, entry.file.split('/').join('-')), '')
  }
  const loaded = await modelsApp(t, { MODELS_DIR: dir })
  t.match(loaded.models.problems[0], /corrupt or not the listed version/)

  await copyFile('models/policy.json', join(dir, 'policy.json'))
  const app = await build(t, { MODELS_DIR: dir })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { ready: false, checks: { models: { ok: false, detail: /corrupt/ } } })
  const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u', items: [{ id: 'a', text: 'x' }] } })
  t.equal(scored.statusCode, 200)
  t.match(scored.json().meta.degradedReasons, [/^model_unavailable: .*corrupt/])
})

t.test('a text model file that matches its checksum but is no model is a problem, not a crash; the others still load', async (t) => {
  const { dir } = await modelsCopy(
    (m) => ({ models: [...m.models, { ...m.models.find((entry) => entry.kind === 'text')!, name: 'broken-text', file: 'broken.onnx', sha256: sha256(Buffer.from('not a model')) }] }),
    (file) => file !== 'broken.onnx'
  )
  await writeFile(join(dir, 'broken.onnx'), 'not a model')
  const app = await modelsApp(t, { MODELS_DIR: dir, IMAGE_THREADS: '0' })
  t.equal(app.models.problems.length, 1)
  t.same(app.models.ids.sort(), ['feedguard-text@1.0.0', 'nsfwjs-mobilenetv2@1.0.0'])
  t.match((await app.readiness.run()).checks.models, { ok: false })
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

t.test('no image model in the manifest: none opened; one that cannot be opened: a problem, not a crash', async (t) => {
  const textOnly = await modelsCopy((m) => ({ models: m.models.filter((entry) => entry.kind !== 'image') }), () => true)
  const withoutImages = await modelsApp(t, { MODELS_DIR: textOnly.dir })
  t.equal(withoutImages.models.image, undefined)
  t.same(withoutImages.models.problems, [])

  const otherPreprocessing = await modelsCopy(
    (m) => ({ models: m.models.map((entry) => (entry.kind === 'image' ? { ...entry, featuriser: 'something-else@1' } : entry)) }),
    () => true
  )
  const unusable = await modelsApp(t, { MODELS_DIR: otherPreprocessing.dir })
  t.equal(unusable.models.image, undefined)
  t.match(unusable.models.problems, [/^model nsfwjs-mobilenetv2@1\.0\.0: .*not an image model for this service's preprocessing/])

  const onTheCallingThread = await modelsApp(t, { IMAGE_THREADS: '0' })
  t.equal(onTheCallingThread.models.image?.id, 'nsfwjs-mobilenetv2@1.0.0')
  t.equal(onTheCallingThread.models.image?.started, 0)
})

t.test('text models given by a test replace the manifest’s: no image model then', async (t) => {
  const given = { id: 'given@1', categories: [], classify: async () => [] }
  const app = await modelsApp(t, {}, { text: [given] })
  t.same(app.models, { text: [given], image: undefined, problems: [], ids: ['given@1'] })
})
