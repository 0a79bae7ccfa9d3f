import { copyFile, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadClassifiers } from '../../src/classifiers/load-models.js'
import { readManifest } from '../../src/classifiers/manifest.js'
import { build } from '../helper.js'

/** A models directory holding a copy of the shipped manifest and files, for the test to break. */
async function modelsCopy() {
  const dir = await mkdtemp(join(tmpdir(), 'fg-models-'))
  const manifest = await readManifest('models')
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest))
  return { dir, manifest }
}

t.test('the shipped models load and verify', async (t) => {
  const loaded = await loadClassifiers('models', { textThreads: 1 })
  t.teardown(() => loaded.release())
  t.same(loaded.problems, [])
  const manifest = await readManifest('models')
  t.equal(loaded.text.length + loaded.others.length, manifest.models.length)
  for (const model of loaded.text) t.match(model.id, /@/)
})

t.test('a missing manifest or model file is reported, not thrown', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'fg-models-'))
  const none = await loadClassifiers(empty, { textThreads: 1 })
  t.match(none.problems, [/manifest .* is missing/])

  const { dir, manifest } = await modelsCopy()
  const missing = await loadClassifiers(dir, { textThreads: 1 })
  t.equal(missing.problems.length, manifest.models.length)
  t.match(missing.problems[0], /is missing/)
})

t.test('a corrupt model is reported; the service starts unready and says why', async (t) => {
  const { dir, manifest } = await modelsCopy()
  const [first, ...rest] = manifest.models
  await writeFile(join(dir, first!.file.split('/').join('-')), 'garbage')
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ models: [{ ...first, file: first!.file.split('/').join('-') }, ...rest] }))
  for (const entry of rest) {
    await writeFile(join(dir, entry.file.split('/').join('-')), '')
  }
  const loaded = await loadClassifiers(dir, { textThreads: 1 })
  t.match(loaded.problems[0], /corrupt or not the listed version/)

  await copyFile('models/policy.json', join(dir, 'policy.json'))
  const app = await build(t, { MODELS_DIR: dir })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { ready: false, checks: { models: { ok: false, detail: /corrupt/ } } })
  const scored = await app.inject({ method: 'POST', url: '/v1/score', payload: { userId: 'u', items: [{ id: 'a', text: 'x' }] } })
  t.equal(scored.statusCode, 200)
  t.match(scored.json().meta.degradedReasons, [/^model_unavailable: .*corrupt/])
})
