import t from 'tap'
import { PDQ_MATCH_DISTANCE, PdqIndex, linearScan, packHashes } from '../../src/pdq/pdq-index.js'
import type { PdqHash } from '../../src/pdq/pdq.js'

function randomSource(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state >>> 0
  }
}

function randomHash(random: () => number): PdqHash {
  return Uint16Array.from({ length: 16 }, () => random() & 0xffff)
}

/** A copy with exactly `bits` distinct bits flipped. */
function nearCopy(hash: PdqHash, bits: number, random: () => number): PdqHash {
  const copy = Uint16Array.from(hash)
  const flipped = new Set<number>()
  while (flipped.size < bits) flipped.add(random() & 255)
  for (const bit of flipped) copy[bit >> 4]! ^= 1 << (bit & 15)
  return copy
}

t.test('finds what was added, within the distance, nearest first', async (t) => {
  const random = randomSource(1)
  const index = new PdqIndex()
  const target = randomHash(random)
  index.add('exact', target)
  index.add('near', nearCopy(target, 10, random))
  index.add('edge', nearCopy(target, 31, random))
  index.add('outside', nearCopy(target, 32, random))
  index.add('unrelated', randomHash(random))
  t.equal(index.size, 5)
  t.same(index.query(target), [
    { entryId: 'exact', distance: 0 },
    { entryId: 'near', distance: 10 },
    { entryId: 'edge', distance: 31 }
  ])
  t.same(index.query(target, 9), [{ entryId: 'exact', distance: 0 }])
  t.equal(PDQ_MATCH_DISTANCE, 31)
})

t.test('equal distances are ordered by id', async (t) => {
  const random = randomSource(2)
  const index = new PdqIndex()
  const hash = randomHash(random)
  for (const id of ['b', 'c', 'a']) index.add(id, hash)
  t.same(
    index.query(hash).map((match) => match.entryId),
    ['a', 'b', 'c']
  )
})

t.test('remove and re-add', async (t) => {
  const random = randomSource(3)
  const index = new PdqIndex()
  const first = randomHash(random)
  const second = randomHash(random)
  index.add('x', first)
  t.ok(index.has('x'))
  t.ok(index.remove('x'))
  t.notOk(index.remove('x'), 'already gone')
  t.notOk(index.has('x'))
  t.same(index.query(first), [])
  index.add('y', second)
  index.add('y', first)
  t.equal(index.size, 1, 'adding an existing id replaces its hash')
  t.same(index.query(first), [{ entryId: 'y', distance: 0 }])
  t.same(index.query(second), [])
})

t.test('agrees with a linear scan at every distance', async (t) => {
  const random = randomSource(4)
  const index = new PdqIndex()
  const bank: PdqHash[] = []
  for (let i = 0; i < 3000; i++) {
    const hash = i % 3 === 0 || bank.length === 0 ? randomHash(random) : nearCopy(bank[random() % bank.length]!, random() % 60, random)
    bank.push(hash)
    index.add(`e${i}`, hash)
  }
  const packed = packHashes(bank)
  for (const maxDistance of [0, 7, 8, 15, 16, 24, 31, 32, 40, 47, 48, 70]) {
    let expected = 0
    let differences = 0
    for (let i = 0; i < 60; i++) {
      const query = nearCopy(bank[random() % bank.length]!, random() % (maxDistance + 8), random)
      const fromScan = linearScan(packed, query, maxDistance).map(({ index: at, distance }) => ({ entryId: `e${at}`, distance }))
      const fromIndex = index.query(query, maxDistance)
      expected += fromScan.length
      if (JSON.stringify(fromIndex.map((m) => `${m.entryId}:${m.distance}`).sort()) !== JSON.stringify(fromScan.map((m) => `${m.entryId}:${m.distance}`).sort())) differences++
      t.same(index.scan(query, maxDistance).length, fromScan.length)
    }
    t.equal(differences, 0, `distance ${maxDistance}: same answers as the scan (${expected} matches)`)
  }
})

t.test('stays correct through removals, slot reuse, bucket growth and compaction', async (t) => {
  const random = randomSource(5)
  const index = new PdqIndex()
  const shared = randomHash(random)
  const live = new Map<string, PdqHash>()
  // Many entries on the same chunk values make buckets outgrow their room many times over.
  for (let i = 0; i < 2500; i++) {
    const hash = i % 2 === 0 ? nearCopy(shared, random() % 40, random) : randomHash(random)
    index.add(`e${i}`, hash)
    live.set(`e${i}`, hash)
    if (i % 5 === 4) {
      const victim = `e${random() % i}`
      index.remove(victim)
      live.delete(victim)
    }
  }
  index.compact()
  for (let i = 0; i < 300; i++) {
    const hash = nearCopy(shared, random() % 40, random)
    index.add(`late${i}`, hash)
    live.set(`late${i}`, hash)
  }
  t.equal(index.size, live.size)
  const ids = [...live.keys()]
  const packed = packHashes(ids.map((id) => live.get(id)!))
  for (const query of [shared, nearCopy(shared, 12, random), nearCopy(shared, 25, random)]) {
    const expected = linearScan(packed, query, PDQ_MATCH_DISTANCE).map(({ index: at, distance }) => `${ids[at]}:${distance}`)
    const got = index.query(query).map((m) => `${m.entryId}:${m.distance}`)
    t.same(got.sort(), expected.sort())
    t.same(index.scan(query).map((m) => `${m.entryId}:${m.distance}`).sort(), expected.sort())
  }
})

t.test('bulk loading gives the same answers as adding one by one', async (t) => {
  const random = randomSource(7)
  const entries: [string, PdqHash][] = []
  for (let i = 0; i < 2000; i++) {
    entries.push([`e${i}`, i % 2 === 0 || i === 1 ? randomHash(random) : nearCopy(entries[i - 1]![1], random() % 30, random)])
  }
  const bulk = new PdqIndex()
  bulk.add('e5', randomHash(random))
  // Later duplicates win, in the batch as in the index.
  bulk.addAll([...entries, ['e7', entries[8]![1]]])
  const oneByOne = new PdqIndex()
  for (const [id, hash] of entries) oneByOne.add(id, hash)
  oneByOne.add('e7', entries[8]![1])
  t.equal(bulk.size, 2000)
  for (let i = 0; i < 50; i++) {
    const query = nearCopy(entries[random() % entries.length]![1], random() % 35, random)
    t.same(bulk.query(query), oneByOne.query(query))
  }
  // A small batch next to the index goes through add; a bad hash anywhere refuses a large one whole.
  bulk.addAll([['small', entries[0]![1]]])
  t.same(bulk.query(entries[0]![1]).map((m) => m.entryId), ['e0', 'small'])
  t.throws(() => bulk.addAll(Array.from({ length: 500 }, (_, i) => [`bad${i}`, i === 499 ? new Uint16Array(3) : randomHash(random)] as const)), RangeError)
  t.equal(bulk.size, 2001)
  const empty = new PdqIndex()
  empty.addAll([])
  t.equal(empty.size, 0)
})

t.test('compacting an empty index is harmless', async (t) => {
  const index = new PdqIndex()
  index.compact()
  const hash = randomHash(randomSource(6))
  index.add('a', hash)
  t.same(index.query(hash), [{ entryId: 'a', distance: 0 }])
})

t.test('invalid arguments are refused', async (t) => {
  const index = new PdqIndex()
  const hash = new Uint16Array(16)
  t.throws(() => index.query(hash, -1), RangeError)
  t.throws(() => index.query(hash, 1.5), RangeError)
  t.throws(() => index.scan(hash, Number.NaN), RangeError)
  t.throws(() => index.add('short', new Uint16Array(8)), RangeError)
  t.throws(() => linearScan(new Uint32Array(0), hash, -3), RangeError)
  t.same(linearScan(new Uint32Array(0), hash, 31), [])
})
