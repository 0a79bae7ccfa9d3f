import t from 'tap'
import { MemoryBankStore } from '../../src/banks/memory-bank-store.js'
import { bankStoreContract } from './bank-store-contract.js'

bankStoreContract(t, async (t) => {
  const store = new MemoryBankStore()
  t.teardown(() => store.close())
  // One process is its own only replica.
  return { store, replica: store }
})

t.test('results are copies: changing one does not change the store', async (t) => {
  const store = new MemoryBankStore()
  await store.createBank({ name: 'b', enabled: true, createdAt: 'now' })
  const { entries } = await store.addEntries('b', [{ id: 'e1', hash: 'a'.repeat(64), action: 'hide', addedAt: 'now' }])
  entries[0]!.action = 'blur'
  const listed = await store.listBanks()
  listed[0]!.enabled = false
  t.same((await store.listEntries('b', { limit: 1 })).entries[0]!.action, 'hide')
  t.equal((await store.getBank('b')).enabled, true)
  store.onResync(() => t.fail('never called'))
  await store.close()
  t.same(await store.listBanks(), [])
})
