import t from 'tap'
import { ItemStatusCache } from '../../src/feedback/item-status-cache.js'

function cache(maxAgeMs = 500, maxItems = 100) {
  const clock = { now: 1_000_000 }
  return { clock, cache: new ItemStatusCache({ maxAgeMs, maxItems, now: () => clock.now }) }
}

const removed = { status: 'removed' as const, category: 'spam' as const }

t.test('what a read found is used until it is maxAgeMs old, items without a status included', async (t) => {
  const { clock, cache: statuses } = cache()
  t.same(statuses.lookup(['a', 'b']), { statuses: new Map(), unknown: ['a', 'b'] })
  statuses.remember(['a', 'b'], new Map([['a', { status: removed, expiresAt: clock.now + 60_000 }]]), statuses.generation)
  t.same(statuses.lookup(['a', 'b', 'c']), { statuses: new Map([['a', removed]]), unknown: ['c'] })
  clock.now += 499
  t.same(statuses.lookup(['a', 'b']).unknown, [])
  clock.now += 2
  t.same(statuses.lookup(['a', 'b']), { statuses: new Map(), unknown: ['a', 'b'] }, 'read again once too old')
})

t.test('a status is used no longer than until it expires, and one already expired is not kept', async (t) => {
  const { clock, cache: statuses } = cache()
  statuses.remember(
    ['soon', 'gone'],
    new Map([
      ['soon', { status: { status: 'under_review' as const }, expiresAt: clock.now + 100 }],
      ['gone', { status: removed, expiresAt: clock.now }]
    ]),
    statuses.generation
  )
  t.same(statuses.lookup(['soon', 'gone']), { statuses: new Map([['soon', { status: 'under_review' }]]), unknown: ['gone'] })
  clock.now += 101
  t.same(statuses.lookup(['soon']).unknown, ['soon'])
})

t.test('forgotten items are read again, and a read under way when statuses were forgotten is not kept', async (t) => {
  const { cache: statuses } = cache()
  statuses.remember(['a', 'b'], new Map(), statuses.generation)
  const before = statuses.generation
  statuses.forget(['a'])
  t.not(statuses.generation, before)
  t.same(statuses.lookup(['a', 'b']).unknown, ['a'])
  // a read begun before the forget may have seen the item before its change
  statuses.remember(['a'], new Map(), before)
  t.same(statuses.lookup(['a']).unknown, ['a'])
  statuses.remember(['a'], new Map(), statuses.generation)
  t.same(statuses.lookup(['a']).unknown, [])
})

t.test('at most maxItems are kept, the least recently used going first', async (t) => {
  const { cache: statuses } = cache(500, 3)
  statuses.remember(['a', 'b', 'c'], new Map(), statuses.generation)
  statuses.lookup(['a'])
  statuses.remember(['d'], new Map(), statuses.generation)
  t.equal(statuses.size, 3)
  t.same(statuses.lookup(['a', 'b', 'c', 'd']).unknown, ['b'])
})
