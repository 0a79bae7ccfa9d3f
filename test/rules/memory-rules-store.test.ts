import t from 'tap'
import { MemoryRulesStore } from '../../src/rules/memory-rules-store.js'
import { rulesStoreContract } from './rules-store-contract.js'

rulesStoreContract(t, async (t) => {
  const store = new MemoryRulesStore()
  t.teardown(() => store.close())
  // One process is its own only replica.
  return { store, replica: store }
})

t.test('documents are copies: mutating a result does not change the store', async (t) => {
  const store = new MemoryRulesStore()
  const { doc } = await store.update('u', (current) => ({ content: { ...current, sensitivity: 'strict' }, result: null }))
  doc.sensitivity = 'relaxed'
  t.equal((await store.get('u')).sensitivity, 'strict')
  store.onResync()
})
