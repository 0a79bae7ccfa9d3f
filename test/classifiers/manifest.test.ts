import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { FeedguardError } from '../../src/errors.js'
import { MANIFEST_FILE, ModelLoadError, readManifest, sha256, type ManifestEntry } from '../../src/classifiers/manifest.js'
import { dirWith, entryFor } from '../helpers/model-manifests.js'
import { modelsDir, verifiedModels } from '../helpers/text-model.js'

const root = mkdtempSync(join(tmpdir(), 'fg-manifest-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** A models directory holding a copy of the shipped manifest and text model (not the other models). */
function copyOfShipped(): { dir: string; entry: ManifestEntry } {
  const dir = join(root, `copy-${n++}`)
  const shipped = JSON.parse(readFileSync(join(modelsDir, MANIFEST_FILE), 'utf8')) as { models: ManifestEntry[] }
  const entry = shipped.models.find((m) => m.kind === 'text') as ManifestEntry
  mkdirSync(join(dir, 'text'), { recursive: true })
  copyFileSync(join(modelsDir, entry.file), join(dir, entry.file))
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ models: [entry] }))
  return { dir, entry }
}

t.test('the shipped manifest verifies, every model', async (t) => {
  const models = await verifiedModels(modelsDir)
  t.ok(models.length >= 1)
  const text = models.find((m) => m.kind === 'text')
  t.equal(text?.id, 'feedguard-text@1.0.0')
  t.equal(sha256(text!.bytes), text!.sha256)
  t.ok(text!.path.endsWith('text/feedguard-text.onnx'))
})

t.test('a verified copy loads with its bytes', async (t) => {
  const { dir, entry } = copyOfShipped()
  const [model] = await verifiedModels(dir)
  t.equal(model?.sha256, entry.sha256)
  t.equal(model?.bytes.length, readFileSync(join(dir, entry.file)).length)
})

t.test('a missing model file is a clear error naming the file', async (t) => {
  const { dir, entry } = copyOfShipped()
  rmSync(join(dir, entry.file))
  const err = await verifiedModels(dir).catch((e: unknown) => e)
  t.ok(err instanceof ModelLoadError && err instanceof FeedguardError && err instanceof Error)
  t.match(err, { problem: 'missing', code: 'FG_MODEL_UNAVAILABLE', statusCode: 503, file: join(dir, entry.file), name: 'ModelLoadError' })
  t.match((err as Error).message, `model feedguard-text@1.0.0: file ${join(dir, entry.file)} is missing`)
})

t.test('a corrupt model file (one byte changed) is a clear error with both checksums', async (t) => {
  const { dir, entry } = copyOfShipped()
  const path = join(dir, entry.file)
  const bytes = readFileSync(path)
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff
  writeFileSync(path, bytes)
  const err = await verifiedModels(dir).catch((e: unknown) => e)
  t.match(err, { problem: 'corrupt', file: path })
  t.match((err as Error).message, new RegExp(`file ${path} is corrupt or not the listed version \\(sha256 ${sha256(bytes)}, manifest says ${entry.sha256}`))
})

t.test('a truncated model file is corrupt too', async (t) => {
  const { dir, entry } = copyOfShipped()
  writeFileSync(join(dir, entry.file), readFileSync(join(dir, entry.file)).subarray(0, 1000))
  await t.rejects(verifiedModels(dir), { problem: 'corrupt', message: /1000 bytes/ })
})

t.test('an unreadable model file (a directory) says so', async (t) => {
  const dir = dirWith(root, { models: [entryFor('model.bin', 'x')] })
  mkdirSync(join(dir, 'model.bin'))
  await t.rejects(verifiedModels(dir), { problem: 'unreadable', message: /file .*model\.bin cannot be read: / })
})

t.test('manifest problems: missing, unreadable, not JSON, invalid, duplicate', async (t) => {
  await t.rejects(verifiedModels(join(root, 'nowhere')), { problem: 'missing', message: /model manifest .*manifest\.json is missing/ })
  const asDir = dirWith(root, undefined)
  mkdirSync(join(asDir, MANIFEST_FILE))
  await t.rejects(readManifest(asDir), { problem: 'unreadable', message: /cannot be read/ })
  await t.rejects(readManifest(dirWith(root, '{ not json')), { problem: 'invalid-manifest', message: /is not valid JSON/ })
  await t.rejects(readManifest(dirWith(root, { models: [{ ...entryFor('a', 'a'), sha256: 'xyz' }] })), {
    problem: 'invalid-manifest',
    message: /models\.0\.sha256/
  })
  await t.rejects(readManifest(dirWith(root, { models: [entryFor('../outside', 'a')] })), { message: /inside the models directory/ })
  await t.rejects(readManifest(dirWith(root, { models: [entryFor('a', 'a', { categories: ['nonsense' as 'spam'] })] })), { message: /categories/ })
  await t.rejects(readManifest(dirWith(root, [])), { message: /\(root\)/ })
  await t.rejects(readManifest(dirWith(root, { models: [entryFor('a', 'a'), entryFor('b', 'b')] })), { message: /lists "toy" twice/ })
})
