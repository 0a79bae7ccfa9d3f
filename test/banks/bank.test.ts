import t from 'tap'
import { byName, newEntryId, parseBankChange } from '../../src/banks/bank.js'

t.test('entry ids are unique and increase, even when the clock does not', async (t) => {
  const now = Date.parse('2026-11-27T12:00:00Z')
  const ids = [newEntryId(now), newEntryId(now), newEntryId(now + 1), newEntryId(now - 5000), newEntryId(now + 2)]
  t.same([...ids].sort(), ids, 'in the order they were made')
  t.equal(new Set(ids).size, ids.length)
  for (const id of ids) t.match(id, /^e[0-9a-z]{13}[0-9a-f]{12}$/)
  t.ok(newEntryId() > ids[ids.length - 1]!, 'the real clock is later still')
})

t.test('change messages carry the version as `v`; anything else is not a change', async (t) => {
  t.same(parseBankChange('{"v":3,"op":"remove","bank":"b","entryId":"e1"}'), { version: 3, op: 'remove', bank: 'b', entryId: 'e1' })
  t.equal(parseBankChange('not json'), undefined)
  t.equal(parseBankChange('7'), undefined)
  t.equal(parseBankChange('null'), undefined)
  t.equal(parseBankChange('{"op":"remove"}'), undefined)
  t.equal(parseBankChange('{"v":1}'), undefined)
})

t.test('banks sort by name in code point order', async (t) => {
  const names = ['b', 'B', 'a-1', 'a_1', 'a', 'b'].map((name) => ({ name }))
  t.same(names.sort(byName).map((b) => b.name), ['B', 'a', 'a-1', 'a_1', 'b', 'b'])
})
