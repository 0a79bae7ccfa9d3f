import v8 from 'node:v8'
import vm from 'node:vm'
import t from 'tap'
import { CachedClassifier, contentHash } from '../../src/classifiers/cached-classifier.js'
import type { Classifier, ClassifierItem } from '../../src/classifiers/types.js'
import { ReadBatch } from '../../src/redis/read-batch.js'
import { TEXT_HEADS } from '../../src/text/heads.js'
import { keysMatching, storeClient, testPrefix } from '../helpers/redis.js'

/** A model that scores toxicity by text length, counting what it is asked. */
function countingModel() {
  const seen: string[] = []
  const model: Classifier = {
    id: 'len@1',
    categories: ['toxicity'],
    classify: async (items) => {
      seen.push(...items.map((item) => item.id))
      return items.map((item) => ({ toxicity: { score: item.text.length / 100, source: 'model:len@1' } }))
    }
  }
  return { model, seen }
}

const textOf = (item: ClassifierItem) => (item.text === '' ? undefined : item.text)

async function classify(cached: CachedClassifier, items: ClassifierItem[], batch: ReadBatch) {
  const { finish } = cached.begin(items, batch)
  await batch.run(1000)
  return finish()
}

t.test('content hashes differ for different content and are stable', async (t) => {
  t.equal(contentHash('abc'), contentHash('abc'))
  t.not(contentHash('abc'), contentHash('abd'))
})

t.test('in-process: each (item, content) is classified once; changed content is scored again', async (t) => {
  const { model, seen } = countingModel()
  const cached = new CachedClassifier(model, textOf, { enabled: true, redis: null, keyPrefix: 'x:', maxItems: 100, ttlSeconds: 60 })
  t.equal(cached.id, 'len@1')
  const first = await classify(cached, [{ id: 'a', text: 'hello' }, { id: 'b', text: '' }], new ReadBatch(null))
  t.same(first, [{ toxicity: { score: 0.05, source: 'model:len@1' } }, {}])
  await classify(cached, [{ id: 'a', text: 'hello' }], new ReadBatch(null))
  t.same(seen, ['a'])
  const changed = await classify(cached, [{ id: 'a', text: 'hello again' }], new ReadBatch(null))
  t.same(seen, ['a', 'a'])
  t.equal(changed[0]!.toxicity!.score, 0.11)
})

t.test('disabled: every call classifies', async (t) => {
  const { model, seen } = countingModel()
  const cached = new CachedClassifier(model, textOf, { enabled: false, redis: null, keyPrefix: 'x:', maxItems: 100, ttlSeconds: 60 })
  await classify(cached, [{ id: 'a', text: 'x' }], new ReadBatch(null))
  await classify(cached, [{ id: 'a', text: 'x' }], new ReadBatch(null))
  t.same(seen, ['a', 'a'])
})

t.test('Redis: replicas share scores through the request batch; a failed read is a miss', async (t) => {
  const prefix = testPrefix()
  const redis = await storeClient(t, prefix)
  const options = { enabled: true, redis, keyPrefix: prefix, maxItems: 100, ttlSeconds: 60 }
  const one = countingModel()
  const two = countingModel()
  const replicaA = new CachedClassifier(one.model, textOf, options)
  const replicaB = new CachedClassifier(two.model, textOf, options)
  await classify(replicaA, [{ id: 'a', text: 'shared' }], new ReadBatch(redis))
  // The write-back is asynchronous: wait until it landed.
  for (let i = 0; i < 50 && (await keysMatching(redis, `${prefix}sc:*`)).length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  t.equal(await redis.ttl((await keysMatching(redis, `${prefix}sc:*`))[0]!) > 0, true, 'cached entries expire')
  const batch = new ReadBatch(redis)
  const fromB = await classify(replicaB, [{ id: 'a', text: 'shared' }], batch)
  t.same(two.seen, [], 'replica B did not classify')
  t.equal(fromB[0]!.toxicity!.score, 0.06)

  await redis.set(`${prefix}sc:len@1:c:${contentHash('broken')}`, 'not json')
  const broken = await classify(replicaB, [{ id: 'c', text: 'broken' }], new ReadBatch(redis))
  t.same(two.seen, ['c'], 'an unreadable cache entry is classified again')
  t.equal(broken[0]!.toxicity!.score, 0.06)
})

t.test('scores are kept to four decimals, so cached and fresh scores are equal', async (t) => {
  const model: Classifier = {
    id: 'precise@1',
    categories: ['spam'],
    classify: async (items) => items.map(() => ({ spam: { score: 0.123456789, source: 'model:precise@1' } }))
  }
  const cached = new CachedClassifier(model, textOf, { enabled: true, redis: null, keyPrefix: 'x:', maxItems: 10, ttlSeconds: 60 })
  const [fresh] = await classify(cached, [{ id: 'a', text: 'x' }], new ReadBatch(null))
  t.same(fresh, { spam: { score: 0.1235, source: 'model:precise@1' } })
  const [again] = await classify(cached, [{ id: 'a', text: 'x' }], new ReadBatch(null))
  t.equal(again, fresh, 'a hit hands out the same shared evidence')
})

t.test('evidence with the same score shares one scored category; a stored score not kept to four decimals gets its own', async (t) => {
  const prefix = testPrefix()
  const redis = await storeClient(t, prefix)
  const { model } = countingModel()
  const cached = new CachedClassifier(model, textOf, { enabled: true, redis, keyPrefix: prefix, maxItems: 100, ttlSeconds: 60 })
  // same length, same score; 'fourteen chars' and '14 characters!' score 0.14
  const [a, b] = await classify(cached, [{ id: 'a', text: 'fourteen chars' }, { id: 'b', text: '14 characters!' }], new ReadBatch(redis))
  t.equal(a!.toxicity, b!.toxicity, 'one object for both')
  t.ok(Object.isFrozen(a!.toxicity), 'and it cannot be changed through either')
  await redis.set(`${prefix}sc:len@1:c:${contentHash('odd')}`, JSON.stringify({ toxicity: 0.123456 }))
  await redis.set(`${prefix}sc:len@1:d:${contentHash('odd')}`, JSON.stringify({ toxicity: 0.123456 }))
  const [c, d] = await classify(cached, [{ id: 'c', text: 'odd' }, { id: 'd', text: 'odd' }], new ReadBatch(redis))
  t.same(c, { toxicity: { score: 0.123456, source: 'model:len@1' } })
  t.not(c!.toxicity, d!.toxicity, 'not kept for sharing')
})

t.test('maxBytes bounds the heap the entries hold: a cache filled past it holds no more, and not far less', async (t) => {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as () => void
  const heap = () => {
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  const model: Classifier = {
    id: 'six@1',
    categories: TEXT_HEADS,
    classify: async (items) =>
      items.map((item, row) => Object.fromEntries(TEXT_HEADS.map((head, k) => [head, { score: ((item.id.length * 31 + row * 7 + k * 13) % 1000) / 997, source: 'model:six@1' }])))
  }
  const maxBytes = 8 * 1024 * 1024
  // the heap with the cache full, measured before the cache becomes garbage on return
  const filled = async () => {
    // the LRU sets aside ~24 heap bytes a slot up front (maxItems of them): 20,000 slots are ~0.5 MB of what is measured
    const cached = new CachedClassifier(model, textOf, { enabled: true, redis: null, keyPrefix: 'x:', maxItems: 20_000, maxBytes, ttlSeconds: 60 })
    // ~160-character captions, parsed from a request body as the service gets them: nothing else keeps them
    for (let request = 0; request < 300; request++) {
      const body = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: `item-${request}-${i}`, text: `caption ${request} ${i} ${'lorem ipsum dolor sit amet '.repeat(6)}` })))
      await classify(cached, JSON.parse(body) as ClassifierItem[], new ReadBatch(null))
    }
    return heap()
  }
  const held = (await filled()) - heap()
  t.comment(`15,000 entries offered, ${held} bytes held at maxBytes ${maxBytes}`)
  t.ok(held <= maxBytes, `within the bound (${held} bytes)`)
  t.ok(held >= maxBytes / 2, `the estimate is not so cautious that the cache keeps half of what it may (${held} bytes)`)
})
