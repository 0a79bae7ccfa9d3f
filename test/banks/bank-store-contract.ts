import type { Bank, BankChange } from '../../src/banks/bank.js'
import type { BankStore, NewBankEntry } from '../../src/banks/bank-store.js'

type Tap = import('tap').Test

const hex = (digit: string) => digit.repeat(64)
const bank = (name: string, enabled = true): Bank => ({ name, enabled, createdAt: '2026-11-27T00:00:00.000Z' })
const entry = (id: string, hash: string, more: Partial<NewBankEntry> = {}): NewBankEntry => ({
  id,
  hash,
  action: 'hide',
  addedAt: '2026-11-27T01:00:00.000Z',
  ...more
})

/**
 * The behaviour every BankStore must have. `makeStore` returns a fresh, empty store and a second view
 * of the same data, as another replica would see it.
 */
export function bankStoreContract(t: Tap, makeStore: (t: Tap) => Promise<{ store: BankStore; replica: BankStore }>) {
  t.test('banks are created once, listed by name with their entry counts, and read one by one', async (t) => {
    const { store } = await makeStore(t)
    t.same(await store.listBanks(), [])
    await store.createBank({ ...bank('zeta'), description: 'known bad, é / "quoted"' })
    await store.createBank(bank('alpha', false))
    await store.createBank(bank('mid'))
    await t.rejects(store.createBank(bank('zeta')), { code: 'FG_BANK_EXISTS', statusCode: 409 })
    await store.addEntries('zeta', [entry('e1', hex('a')), entry('e2', hex('b'))])
    t.same(await store.listBanks(), [
      { ...bank('alpha', false), entries: 0 },
      { ...bank('mid'), entries: 0 },
      { ...bank('zeta'), description: 'known bad, é / "quoted"', entries: 2 }
    ])
    t.same(await store.getBank('alpha'), { ...bank('alpha', false), entries: 0 })
    await t.rejects(store.getBank('nope'), { code: 'FG_BANK_NOT_FOUND', statusCode: 404 })
  })

  t.test('a bank is enabled, disabled and described; its entries stay', async (t) => {
    const { store } = await makeStore(t)
    await store.createBank(bank('b'))
    await store.addEntries('b', [entry('e1', hex('a'))])
    t.same((await store.updateBank('b', { enabled: false, description: 'ünïcode / text' })).bank, {
      ...bank('b', false),
      description: 'ünïcode / text',
      entries: 1
    })
    t.same((await store.updateBank('b', { enabled: true })).bank, { ...bank('b'), description: 'ünïcode / text', entries: 1 })
    t.same((await store.updateBank('b', { description: null })).bank, { ...bank('b'), entries: 1 })
    t.same(await store.getBank('b'), { ...bank('b'), entries: 1 })
    await t.rejects(store.updateBank('nope', { enabled: true }), { code: 'FG_BANK_NOT_FOUND' })
  })

  t.test('entries are added in order; a hash already in the bank updates its entry', async (t) => {
    const { store } = await makeStore(t)
    await store.createBank(bank('b'))
    const first = await store.addEntries('b', [entry('e1', hex('a')), entry('e2', hex('b'), { contentId: 'c2', action: 'blur' })])
    t.same(first.entries, [entry('e1', hex('a')), entry('e2', hex('b'), { contentId: 'c2', action: 'blur' })])
    const again = await store.addEntries('b', [
      entry('e3', hex('a'), { action: 'blur', contentId: 'c1', addedAt: 'later' }),
      entry('e4', hex('c')),
      entry('e5', hex('c'), { action: 'blur' })
    ])
    t.same(again.entries, [
      entry('e1', hex('a'), { action: 'blur', contentId: 'c1' }),
      entry('e4', hex('c')),
      entry('e4', hex('c'), { action: 'blur' })
    ])
    t.ok(again.version > first.version)
    t.equal((await store.getBank('b')).entries, 3)
    await t.rejects(store.addEntries('nope', [entry('e9', hex('d'))]), { code: 'FG_BANK_NOT_FOUND' })
  })

  t.test('entries are listed a page at a time, in id order', async (t) => {
    const { store } = await makeStore(t)
    await store.createBank(bank('b'))
    await store.addEntries('b', ['e5', 'e1', 'e3', 'e2', 'e4'].map((id, i) => entry(id, hex(String(i)))))
    const first = await store.listEntries('b', { limit: 2 })
    t.same(first.entries.map((e) => e.id), ['e1', 'e2'])
    t.equal(first.next, 'e2')
    const second = await store.listEntries('b', { limit: 2, after: first.next! })
    t.same(second.entries.map((e) => e.id), ['e3', 'e4'])
    const last = await store.listEntries('b', { limit: 2, after: second.next! })
    t.same(last, { entries: [entry('e5', hex('0'))], next: null })
    t.same(await store.listEntries('b', { limit: 5 }).then((page) => page.next), null, 'an exact fit has no next page')
    t.same(await store.listEntries('b', { limit: 2, after: 'e9' }), { entries: [], next: null })
    await store.createBank(bank('empty'))
    t.same(await store.listEntries('empty', { limit: 10 }), { entries: [], next: null })
    await t.rejects(store.listEntries('nope', { limit: 1 }), { code: 'FG_BANK_NOT_FOUND' })
  })

  t.test('an entry is removed, and its hash can be added again as a new entry', async (t) => {
    const { store } = await makeStore(t)
    await store.createBank(bank('b'))
    await store.addEntries('b', [entry('e1', hex('a')), entry('e2', hex('b'))])
    await store.removeEntry('b', 'e1')
    t.same((await store.listEntries('b', { limit: 10 })).entries.map((e) => e.id), ['e2'])
    await t.rejects(store.removeEntry('b', 'e1'), { code: 'FG_BANK_ENTRY_NOT_FOUND', statusCode: 404 })
    await t.rejects(store.removeEntry('nope', 'e1'), { code: 'FG_BANK_NOT_FOUND' })
    const { entries } = await store.addEntries('b', [entry('e3', hex('a'))])
    t.equal(entries[0]!.id, 'e3')
  })

  t.test('deleting a bank deletes its entries; the name can be used again', async (t) => {
    const { store } = await makeStore(t)
    await store.createBank(bank('b'))
    await store.addEntries('b', [entry('e1', hex('a'))])
    await store.deleteBank('b')
    await t.rejects(store.getBank('b'), { code: 'FG_BANK_NOT_FOUND' })
    await t.rejects(store.deleteBank('b'), { code: 'FG_BANK_NOT_FOUND' })
    await store.createBank(bank('b'))
    t.same(await store.listEntries('b', { limit: 10 }), { entries: [], next: null })
    const { entries } = await store.addEntries('b', [entry('e2', hex('a'))])
    t.equal(entries[0]!.id, 'e2', 'the old entry for the hash is gone')
  })

  t.test('every change counts one version and is announced, in order, to every replica', async (t) => {
    const { store, replica } = await makeStore(t)
    const before = await store.version()
    const heard: BankChange[] = []
    const all = new Promise<void>((resolve) => {
      replica.onChange((change) => {
        heard.push(change)
        if (heard.length === 6) resolve()
      })
    })
    const started = Date.now()
    const versions = [
      await store.createBank(bank('b')),
      (await store.addEntries('b', [entry('e1', hex('a'), { contentId: 'c' })])).version,
      (await store.updateBank('b', { enabled: false })).version,
      await store.removeEntry('b', 'e1'),
      (await store.updateBank('b', { enabled: true })).version,
      await store.deleteBank('b')
    ]
    await all
    t.ok(Date.now() - started < 1000, 'within a second')
    t.same(versions, [1, 2, 3, 4, 5, 6].map((n) => before + n))
    t.same(await store.version(), before + 6)
    t.same(heard, [
      { version: before + 1, op: 'create', bank: bank('b') },
      { version: before + 2, op: 'add', bank: 'b', entries: [entry('e1', hex('a'), { contentId: 'c' })] },
      { version: before + 3, op: 'update', bank: bank('b', false) },
      { version: before + 4, op: 'remove', bank: 'b', entryId: 'e1' },
      { version: before + 5, op: 'update', bank: bank('b') },
      { version: before + 6, op: 'delete', bank: 'b' }
    ])
    await t.rejects(store.removeEntry('b', 'e1'))
    t.same(await store.version(), before + 6, 'a refused change is not counted')
  })

  t.test('ping answers', async (t) => {
    const { store } = await makeStore(t)
    await t.resolves(store.ping())
  })
}
