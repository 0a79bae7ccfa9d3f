import t from 'tap'
import { MemoryRulesStore } from '../../src/rules/memory-rules-store.js'
import { RulesCache } from '../../src/rules/rules-cache.js'
import { defaultRules, type RulesDocument } from '../../src/rules/schema.js'
import type { RulesStore } from '../../src/rules/rules-store.js'
import { ReadBatch } from '../../src/redis/read-batch.js'

/** A store whose reads the test controls, counting them. */
function controlledStore() {
  const inner = new MemoryRulesStore()
  let reads = 0
  let gate: Promise<void> | null = null
  let failWith: Error | null = null
  let resync: () => void = () => {}
  const read = async (userId: string) => {
    reads++
    if (gate) await gate
    if (failWith) throw failWith
    return inner.get(userId)
  }
  const store: RulesStore = {
    kind: 'memory',
    get: read,
    read,
    update: (userId, change, expected) => inner.update(userId, change, expected),
    delete: (userId) => inner.delete(userId),
    onChange: (listener) => inner.onChange(listener),
    onResync: (listener) => {
      resync = listener
    },
    ping: () => inner.ping(),
    close: () => inner.close()
  }
  const setSensitivity = (userId: string, sensitivity: RulesDocument['sensitivity']) =>
    inner.update(userId, (current) => {
      const { version: _v, ...content } = current
      return { content: { ...content, sensitivity }, result: null }
    })
  return {
    store,
    reads: () => reads,
    hold() {
      let release!: () => void
      gate = new Promise((resolve) => (release = resolve))
      return () => {
        gate = null
        release()
      }
    },
    fail: (err: Error | null) => (failWith = err),
    resync: () => resync(),
    setSensitivity
  }
}

const batch = () => new ReadBatch(null)

t.test('cached and fresh: no store read; compiled once per version', async (t) => {
  let now = 1000
  const s = controlledStore()
  const cache = new RulesCache({ store: s.store, ttlMs: 100, maxUsers: 10, now: () => now })
  await s.setSensitivity('u', 'strict')
  const first = await cache.lookup('u', batch())
  t.equal(first.rules.doc.sensitivity, 'strict')
  await cache.lookup('u', batch())
  t.equal(s.reads(), 1)
  now += 100
  const third = await cache.lookup('u', batch())
  t.equal(s.reads(), 2, 're-read after the TTL')
  t.equal(third.rules, first.rules, 'same version: the compiled rules are reused')
  t.equal(cache.size, 1)
})

t.test('a change notification drops the entry at once; a resync drops them all', async (t) => {
  const s = controlledStore()
  const cache = new RulesCache({ store: s.store, ttlMs: 60_000, maxUsers: 10 })
  await cache.lookup('u', batch())
  await s.setSensitivity('u', 'relaxed')
  t.equal((await cache.lookup('u', batch())).rules.doc.sensitivity, 'relaxed')
  s.resync()
  t.equal(cache.size, 0)
})

t.test('bytes: the kept entries\' estimated compiled size, back to 0 when they are dropped', async (t) => {
  const s = controlledStore()
  const cache = new RulesCache({ store: s.store, ttlMs: 60_000, maxUsers: 10 })
  t.equal(cache.bytes, 0)
  await cache.lookup('u', batch())
  const one = cache.bytes
  t.ok(one > 0)
  await cache.lookup('v', batch())
  t.ok(cache.bytes > one)
  s.resync()
  t.equal(cache.bytes, 0)
})

t.test('a read that raced a change is not cached', async (t) => {
  const s = controlledStore()
  const cache = new RulesCache({ store: s.store, ttlMs: 60_000, maxUsers: 10 })
  const release = s.hold()
  const pending = cache.lookup('u', batch())
  cache.invalidate('v')
  release()
  await pending
  await cache.lookup('u', batch())
  t.equal(s.reads(), 2, 'the read that overlapped an invalidation was not kept')
})

t.test('a failed read: the last known rules, or the defaults, marked degraded; then recovery', async (t) => {
  let now = 0
  const s = controlledStore()
  const cache = new RulesCache({ store: s.store, ttlMs: 10, maxUsers: 10, now: () => now })
  await s.setSensitivity('u', 'strict')
  await cache.lookup('u', batch())
  now = 100
  s.fail(new Error('no answer within 5ms'))
  const stale = await cache.lookup('u', batch())
  t.equal(stale.rules.doc.sensitivity, 'strict')
  t.equal(stale.degraded, 'rules_stale: rules store: no answer within 5ms; using rules version 1')
  const unknown = await cache.lookup('other', batch())
  t.same(unknown.rules.doc, defaultRules())
  t.match(unknown.degraded, /^rules_unavailable: .*policy defaults/)
  s.fail(null)
  t.equal((await cache.lookup('other', batch())).degraded, undefined, 'recovers by itself')
})
