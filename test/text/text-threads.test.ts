import t from 'tap'
import { pathToFileURL } from 'node:url'
import { TextClassifier } from '../../src/text/text-classifier.js'
import { TextThreads, type TextThreadsOptions } from '../../src/text/text-threads.js'
import { PARITY_TEXTS, modelsDir, verifiedModels } from '../helpers/text-model.js'

const model = (await verifiedModels(modelsDir)).find((entry) => entry.kind === 'text')!
const local = await TextClassifier.fromManifest(model)
t.teardown(() => local.release())
const faults = pathToFileURL(new URL('../fixtures/text/text-worker-faults.ts', import.meta.url).pathname).href

async function open(t: Tap, overrides: Partial<TextThreadsOptions> = {}) {
  const threads = await TextThreads.open({ model, threads: 1, ...overrides })
  t.teardown(() => threads.close())
  return threads
}
type Tap = { teardown(fn: () => unknown): void }

const items = PARITY_TEXTS.map((text, i) => ({ id: `i${i}`, text }))

t.test('a text thread scores exactly what the model scores in process, and explains alike', async (t) => {
  const threads = await open(t)
  t.equal(threads.id, local.id)
  t.same(threads.categories, local.categories)
  t.equal(threads.started, 1, 'the first thread opens the model at once')
  const withBlank = [...items, { id: 'blank', text: '  ' }]
  t.strictSame(await threads.classify(withBlank), await local.classify(withBlank), 'the same evidence, bit for bit')
  t.strictSame(await threads.classify([{ id: 'e', text: '' }]), [{}], 'an item without text costs no call')
  const requests = [
    { text: 'You are a worthless idiot, shut up', categories: ['insult', 'toxicity'] as const },
    { text: 'Sunday pancakes', categories: ['spam'] as const }
  ]
  t.strictSame(await threads.explainSpans(requests), await local.explainSpans(requests))
  t.strictSame(await threads.explainSpans([]), [])
})

t.test('concurrent batches spread over the threads', async (t) => {
  const threads = await open(t, { threads: 2 })
  const batches = [items.slice(0, 5), items.slice(5)]
  const answers = await Promise.all(batches.map((batch) => threads.classify(batch)))
  t.equal(threads.started, 2, 'the second batch started the second thread rather than waiting')
  t.strictSame(answers, await Promise.all(batches.map((batch) => local.classify(batch))))
})

t.test('a batch the model fails on rejects with its error; the thread goes on', async (t) => {
  const threads = await open(t, { entry: faults })
  await t.rejects(threads.classify([{ id: 'a', text: 'fail the batch' }]))
  t.strictSame(await threads.classify(items), await local.classify(items))
})

t.test('a thread that stops rejects the calls it holds; the next call starts another', async (t) => {
  const threads = await open(t, { entry: faults })
  await t.rejects(threads.classify([{ id: 'a', text: 'stop the thread' }]), /text thread stopped \(exit code 7\)/)
  t.equal(threads.started, 0)
  t.strictSame(await threads.classify(items), await local.classify(items))
  t.equal(threads.started, 1)
})

t.test('a model that cannot be opened fails the opening, with no thread left running', async (t) => {
  await t.rejects(TextThreads.open({ model: { ...model, featuriser: 'fg-text-hash-0' }, threads: 1 }), /built for featuriser fg-text-hash-0/)
})

t.test('closed threads refuse work; closing twice is closing once', async (t) => {
  const threads = await TextThreads.open({ model, threads: 1 })
  const closed = threads.release()
  t.equal(threads.close(), closed)
  await closed
  await t.rejects(threads.classify(items), /the text threads are closed/)
})
