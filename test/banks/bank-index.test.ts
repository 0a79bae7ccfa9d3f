import t from 'tap'
import { BankIndex, type BankIndexOptions, type ImageHash } from '../../src/banks/bank-index.js'
import type { NewBankEntry } from '../../src/banks/bank-store.js'
import { hashFromHex, hashToHex, type PdqHash } from '../../src/pdq/pdq.js'
import { ControlledStore } from './controlled-bank-store.js'

type Tap = import('tap').Test

function randomHash(seed: number): PdqHash {
  let state = seed * 2654435761
  return Uint16Array.from({ length: 16 }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state >>> 16
  })
}

/** A copy with the first `bits` bits flipped. */
function nearCopy(hash: PdqHash, bits: number): PdqHash {
  const copy = Uint16Array.from(hash)
  for (let bit = 0; bit < bits; bit++) copy[bit >> 4]! ^= 1 << (bit & 15)
  return copy
}

const image = (hash: PdqHash, quality = 100, variants?: PdqHash[]): ImageHash => (variants ? { hash, quality, variants } : { hash, quality })
const entry = (id: string, hash: PdqHash, more: Partial<NewBankEntry> = {}): NewBankEntry => ({
  id,
  hash: hashToHex(hash),
  action: 'hide',
  addedAt: 'now',
  ...more
})
const bank = (name: string, enabled = true) => ({ name, enabled, createdAt: 'now' })

interface Logged {
  level: 'info' | 'warn'
  details: object
  message: string
}

async function setup(t: Tap, options: Partial<BankIndexOptions> = {}, store = new ControlledStore()) {
  const logged: Logged[] = []
  const log = {
    info: (details: object, message: string) => logged.push({ level: 'info', details, message }),
    warn: (details: object, message: string) => logged.push({ level: 'warn', details, message })
  }
  const index = new BankIndex({ store, maxDistance: 31, minQuality: 50, dihedral: false, log, retryMs: 10, ...options })
  t.teardown(() => index.close())
  return { store, index, logged }
}

const A = randomHash(1)
const B = randomHash(2)
const C = randomHash(3)

async function until(check: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs}ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

t.test('loads the enabled banks at start and matches within the distance', async (t) => {
  const store = new ControlledStore()
  await store.createBank(bank('known'))
  await store.createBank(bank('off', false))
  await store.addEntries('known', [entry('e1', A, { contentId: 'c1' }), entry('e2', B, { action: 'blur' })])
  await store.addEntries('off', [entry('e3', C)])
  const { index, logged } = await setup(t, {}, store)
  t.notOk(index.loaded)
  t.equal(index.version, -1)
  await index.start()
  t.ok(index.loaded)
  t.equal(index.version, 4)
  t.equal(index.size, 2)
  t.equal(index.enabledBanks, 1)
  t.match(logged, [{ level: 'info', details: { entries: 2, banks: 1, version: 4 }, message: 'hash banks loaded' }])
  t.same(index.match(image(nearCopy(A, 12))), [{ type: 'hash', action: 'hide', bank: 'known', distance: 12, contentId: 'c1', entryId: 'e1' }])
  t.same(index.match(image(B)), [{ type: 'hash', action: 'blur', bank: 'known', distance: 0, entryId: 'e2' }])
  t.same(index.match(image(nearCopy(A, 32))), [], 'beyond the distance')
  t.same(index.match(image(C)), [], 'disabled banks are not matched')
  t.same(index.match(image(A, 49)), [], 'images below the quality threshold are not matched')
})

t.test('changes apply as they are announced; a write can wait for them', async (t) => {
  const { store, index } = await setup(t)
  await index.start()
  t.equal(index.version, 0)
  t.same(index.match(image(A)), [], 'an empty index matches nothing')
  await store.createBank(bank('b'))
  const { version } = await store.addEntries('b', [entry('e1', A)])
  t.equal(await index.caughtUp(version, 100), true)
  t.equal(index.match(image(A))[0]?.entryId, 'e1')
  await store.addEntries('b', [entry('e1', A, { action: 'blur', contentId: 'c' })])
  t.same(index.match(image(A)), [{ type: 'hash', action: 'blur', bank: 'b', distance: 0, contentId: 'c', entryId: 'e1' }], 'an updated entry')
  await store.removeEntry('b', 'e1')
  t.same(index.match(image(A)), [])
  t.equal(await index.caughtUp(index.version + 1, 20), false, 'a change that never comes')
})

t.test('disabling a bank drops its entries; enabling it loads them; deleting it drops them', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b'))
  await store.createBank(bank('other'))
  await store.addEntries('b', [entry('e1', A), entry('e2', B)])
  await store.addEntries('other', [entry('e3', C)])
  await index.start()
  t.equal(index.size, 3)
  await store.updateBank('b', { enabled: false })
  t.equal(index.size, 1)
  t.same(index.match(image(A)), [])
  // Changes to a disabled bank's entries are not held; enabling it reads what it has then.
  await store.addEntries('b', [entry('e4', nearCopy(A, 3))])
  await store.removeEntry('b', 'e2')
  const { version } = await store.updateBank('b', { enabled: true })
  await index.caughtUp(version, 1000)
  t.equal(index.size, 3)
  t.same(index.match(image(A)).map((r) => r.entryId), ['e1'])
  t.same(index.match(image(B)), [])
  await store.updateBank('b', { description: 'enabled already: nothing to load' })
  t.equal(index.size, 3)
  await store.deleteBank('b')
  t.equal(index.size, 1)
  t.equal(index.enabledBanks, 1)
  await store.updateBank('other', { enabled: false })
  await store.deleteBank('other')
  t.equal(index.size, 0)
  t.equal(index.enabledBanks, 0)
})

t.test('one reason per bank: its most severe match, the nearest among equals; most severe bank first', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('a-bank'))
  await store.createBank(bank('b-bank'))
  await store.createBank(bank('c-bank'))
  await store.addEntries('b-bank', [
    entry('far-hide', nearCopy(A, 20)),
    entry('near-blur', nearCopy(A, 2), { action: 'blur' }),
    entry('nearer-hide', nearCopy(A, 10)),
    entry('farther-hide', nearCopy(A, 15))
  ])
  await store.addEntries('a-bank', [entry('blur-1', nearCopy(A, 1), { action: 'blur' }), entry('blur-5', nearCopy(A, 5), { action: 'blur' })])
  await store.addEntries('c-bank', [entry('hide-10', nearCopy(A, 10))])
  await index.start()
  t.same(
    index.match(image(A)).map((r) => [r.bank, r.entryId, r.action, r.distance]),
    [
      ['b-bank', 'nearer-hide', 'hide', 10],
      ['c-bank', 'hide-10', 'hide', 10],
      ['a-bank', 'blur-1', 'blur', 1]
    ]
  )
})

t.test('banks whose best matches tie are listed by name', async (t) => {
  const { store, index } = await setup(t)
  for (const [name, id] of [
    ['c', 'e1'],
    ['a', 'e2'],
    ['d', 'e3'],
    ['b', 'e4']
  ] as const) {
    await store.createBank(bank(name))
    await store.addEntries(name, [entry(id, nearCopy(A, 3))])
  }
  await index.start()
  t.same(
    index.match(image(A)).map((r) => r.bank),
    ['a', 'b', 'c', 'd']
  )
})

t.test('dihedral matching tries every variant given, and only when it is on', async (t) => {
  const store = new ControlledStore()
  await store.createBank(bank('b'))
  await store.addEntries('b', [entry('rotated', B)])
  const off = (await setup(t, {}, store)).index
  const on = (await setup(t, { dihedral: true }, store)).index
  await Promise.all([off.start(), on.start()])
  const variants = [A, C, nearCopy(B, 4)]
  t.same(off.match(image(A, 100, variants)), [])
  t.same(on.match(image(A, 100, variants)), [{ type: 'hash', action: 'hide', bank: 'b', distance: 4, entryId: 'rotated' }])
  t.same(on.match(image(nearCopy(B, 7))).map((r) => r.distance), [7], 'without variants, the hash alone')
  t.same(on.match(image(A, 100, [nearCopy(B, 9), nearCopy(B, 6)])).map((r) => r.distance), [6], 'the nearest variant')
})

t.test('a gap in the versions reloads everything; stale changes are ignored', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b'))
  await index.start()
  store.deliver = false
  await store.addEntries('b', [entry('lost', A)])
  store.deliver = true
  t.equal(index.size, 0, 'the notification was lost')
  const { version } = await store.addEntries('b', [entry('e2', B)])
  await index.caughtUp(version, 1000)
  t.equal(index.size, 2, 'the next one shows the gap: reloaded')
  t.equal(index.match(image(A))[0]?.entryId, 'lost')
  store.announce({ version: version - 1, op: 'remove', bank: 'b', entryId: 'lost' })
  t.equal(index.size, 2, 'an old notification changes nothing')
  store.announce({ version: version + 1, op: 'remove', bank: 'b', entryId: 'unknown' })
  store.announce({ version: version + 2, op: 'remove', bank: 'other', entryId: 'lost' })
  t.equal(index.size, 2, 'removals of entries it does not hold change nothing')
})

t.test('changes heard before the first load are left to it', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b'))
  await store.addEntries('b', [entry('e1', A)])
  t.equal(index.size, 0)
  t.notOk(index.loaded)
  await index.start()
  t.equal(index.size, 1)
})

t.test('changes made during a load are applied after it, in order', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b'))
  await store.addEntries('b', [entry('e1', A), entry('e2', B)])
  let changed = false
  store.beforeListEntries = () => {
    if (changed) return
    changed = true
    // Made after the version was read: the snapshot may or may not include them; replaying is harmless.
    void store.removeEntry('b', 'e1')
    void store.addEntries('b', [entry('e3', C)])
  }
  await index.start()
  t.equal(index.version, 4)
  t.same([index.match(image(A)), index.match(image(B))[0]?.entryId, index.match(image(C))[0]?.entryId], [[], 'e2', 'e3'])
})

t.test('a resync reloads into a new index while the old one keeps matching', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b'))
  await store.addEntries('b', [entry('e1', A)])
  await index.start()
  store.deliver = false
  await store.removeEntry('b', 'e1')
  await store.addEntries('b', [entry('e2', B)])
  store.deliver = true
  store.failingReads = 0
  let during: string | undefined
  store.beforeListEntries = () => {
    during = index.match(image(A))[0]?.entryId
  }
  store.resync()
  await until(() => index.version === 4)
  t.equal(during, 'e1', 'the old index answered during the reload')
  t.same(index.match(image(A)), [])
  t.equal(index.match(image(B))[0]?.entryId, 'e2')
})

t.test('a load that fails is retried until it succeeds, warning once', async (t) => {
  const { store, index, logged } = await setup(t)
  await store.createBank(bank('b'))
  await store.addEntries('b', [entry('e1', A)])
  store.failingReads = 3
  await index.start()
  t.notOk(index.loaded, 'start does not wait for Redis to come back')
  await until(() => index.loaded)
  t.equal(index.size, 1)
  t.same(
    logged.map((l) => l.level),
    ['warn', 'info']
  )
  t.match(logged[0], { details: { err: { message: /hash bank store unavailable: connection refused/ } }, message: 'hash banks could not be loaded; retrying' })
})

t.test('a bank that fails to load when enabled is loaded by the retry', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b', false))
  await store.addEntries('b', [entry('e1', A)])
  await index.start()
  store.failingReads = 1
  await store.updateBank('b', { enabled: true })
  t.equal(index.size, 0)
  await until(() => index.size === 1)
  t.equal(index.match(image(A))[0]?.entryId, 'e1')
})

t.test('a bank deleted while the banks load is skipped', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('b'))
  await store.createBank(bank('gone'))
  await store.addEntries('b', [entry('e1', A)])
  store.vanishing.add('gone')
  await index.start()
  t.ok(index.loaded)
  t.equal(index.size, 1)
})

t.test('large banks load a page at a time', async (t) => {
  const { store, index } = await setup(t)
  await store.createBank(bank('big'))
  const entries = Array.from({ length: 12_000 }, (_, i) => entry(`e${String(i).padStart(5, '0')}`, randomHash(1000 + i)))
  await store.addEntries('big', entries)
  let pages = 0
  store.beforeListEntries = () => pages++
  await index.start()
  t.equal(index.size, 12_000)
  t.equal(pages, 3)
  t.equal(index.match(image(hashFromHex(entries[11_999]!.hash)))[0]?.entryId, 'e11999')
})

t.test('once closed, it neither retries nor applies changes', async (t) => {
  const { store, index, logged } = await setup(t, { retryMs: 5 })
  store.failingReads = 1
  await store.createBank(bank('b'))
  await index.start()
  index.close()
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.notOk(index.loaded)
  await store.addEntries('b', [entry('e1', A)])
  store.resync()
  t.equal(index.size, 0)
  t.equal(logged.length, 1)
  await index.start()
  t.notOk(index.loaded, 'a closed index does not load')
  // A failure after closing schedules nothing.
  const late = await setup(t, { retryMs: 5 })
  late.store.failingReads = 10
  const starting = late.index.start()
  late.index.close()
  await starting
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.equal(late.store.failingReads, 9)
  // Closing cancels a retry that is waiting (by default, a second).
  const waiting = await setup(t, { retryMs: undefined })
  waiting.store.failingReads = 1
  await waiting.index.start()
  waiting.index.close()
  t.notOk(waiting.index.loaded)
})
