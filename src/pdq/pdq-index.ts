/**
 * In-memory index of PDQ hashes for Hamming-radius search: multi-index hashing (Norouzi et al. 2012) on 16
 * chunks of 16 bits, with a second pigeonhole step that rules out almost every candidate before its hash
 * is read.
 *
 * Why it finds every match: cut the 256 bits into 8 pairs of 16-bit chunks. If a hash is within D bits of
 * the query, some pair differs in at most R = floor(D / 8) bits (pigeonhole), and then one chunk of that
 * pair differs in at most r = floor(R / 2) bits (pigeonhole again). So it suffices, for every chunk, to
 * read the buckets of the values within r bits of the query's chunk and keep the entries whose pair as a
 * whole is within R bits. Each bucket entry carries the other chunk of its pair for that test. For PDQ's
 * usual D = 31: R = 3, r = 1, i.e. 16 × 17 = 272 buckets; about 272 · n / 65536 entries are tested
 * (~4,000 at a million, sequentially) and only ~1% of them pass to a full comparison. Up to D = 47 the
 * buckets two bits away are read as well; beyond that a query scans.
 *
 * Memory is typed arrays: the hashes (32 bytes per entry), and per chunk an entry's slot (4 bytes) and its
 * pair's other chunk (2 bytes) in bucket arenas; only the id ↔ slot mapping is a Map.
 */

import { PDQ_HASH_WORDS, popcount32, type PdqHash } from './pdq.js'

/** PDQ's customary match threshold. */
export const PDQ_MATCH_DISTANCE = 31

export interface PdqIndexMatch {
  entryId: string
  distance: number
}

export interface LinearScanMatch {
  /** Position of the hash in the packed array. */
  index: number
  distance: number
}

const WORDS_PER_HASH = 8
const CHUNKS = 16
const CHUNK_BITS = 16
const CHUNK_VALUES = 1 << CHUNK_BITS
const PAIRS = CHUNKS / 2
const BUCKETS = CHUNKS * CHUNK_VALUES
const MAX_CHUNK_RADIUS = 2
const MAX_PROBES = CHUNKS * (1 + CHUNK_BITS + (CHUNK_BITS * (CHUNK_BITS - 1)) / 2)
const INITIAL_SLOTS = 1024
const MIN_BUCKET_CAPACITY = 4

/** Packs hashes into one array of 8 × 32-bit words per hash, the layout {@link linearScan} reads. */
export function packHashes(hashes: readonly PdqHash[]): Uint32Array {
  const packed = new Uint32Array(hashes.length * WORDS_PER_HASH)
  hashes.forEach((hash, i) => packHashInto(hash, packed, i * WORDS_PER_HASH))
  return packed
}

/** Every packed hash within `maxDistance` of `query`, by brute force: the baseline the index must equal. */
export function linearScan(packed: Uint32Array, query: PdqHash, maxDistance: number): LinearScanMatch[] {
  checkDistance(maxDistance)
  const q = packHashInto(query, new Uint32Array(WORDS_PER_HASH), 0)
  const matches: LinearScanMatch[] = []
  for (let base = 0, index = 0; base < packed.length; base += WORDS_PER_HASH, index++) {
    const distance = distanceAt(packed, base, q, maxDistance)
    if (distance <= maxDistance) matches.push({ index, distance })
  }
  return matches.sort((a, b) => a.distance - b.distance || a.index - b.index)
}

export class PdqIndex {
  #hashes = new Uint32Array(INITIAL_SLOTS * WORDS_PER_HASH)
  #ids: (string | undefined)[] = []
  #slotOf = new Map<string, number>()
  #freeSlots: number[] = []

  // Bucket b (chunk c, value v: b = c·65536 + v) holds `#bucketInfo[2b + 1]` entries from arena offset
  // `#bucketInfo[2b]` (side by side so that a probe reads one cache line), with room for
  // `#bucketCapacity[b]`. Entry k is slot `#slots[k]`, whose pair's other chunk is `#partners[k]`.
  // A full bucket moves to the end of the arena with twice the room; `compact` reclaims what it left.
  #bucketInfo = new Uint32Array(2 * BUCKETS)
  #bucketCapacity = new Uint32Array(BUCKETS)
  #slots = new Uint32Array(INITIAL_SLOTS * CHUNKS)
  #partners = new Uint16Array(INITIAL_SLOTS * CHUNKS)
  #arenaUsed = 0

  // Scratch for queries, reused so that they allocate little.
  #probeBuckets = new Uint32Array(MAX_PROBES)
  #probePartnerBudgets = new Uint8Array(MAX_PROBES)
  // Where the touching loads' result goes, so that the compiler cannot drop them as unused.
  #touchSink = new Uint32Array(1)

  /** Number of entries. */
  get size(): number {
    return this.#slotOf.size
  }

  has(entryId: string): boolean {
    return this.#slotOf.has(entryId)
  }

  /** Adds an entry, replacing the hash of an existing entry with the same id. */
  add(entryId: string, hash: PdqHash): void {
    this.remove(entryId)
    const slot = this.#freeSlots.pop() ?? this.#newSlot()
    this.#ids[slot] = entryId
    this.#slotOf.set(entryId, slot)
    const base = slot * WORDS_PER_HASH
    packHashInto(hash, this.#hashes, base)
    for (let c = 0; c < CHUNKS; c++) {
      this.#appendToBucket(c * CHUNK_VALUES + chunkValue(this.#hashes, base, c), slot, chunkValue(this.#hashes, base, c ^ 1))
    }
  }

  /** Removes an entry; false when there was none with that id. */
  remove(entryId: string): boolean {
    const slot = this.#slotOf.get(entryId)
    if (slot === undefined) return false
    for (let c = 0; c < CHUNKS; c++) {
      this.#removeFromBucket(c * CHUNK_VALUES + chunkValue(this.#hashes, slot * WORDS_PER_HASH, c), slot)
    }
    this.#slotOf.delete(entryId)
    this.#ids[slot] = undefined
    this.#freeSlots.push(slot)
    return true
  }

  /**
   * Adds many entries at once (as `add` each, in order), building the buckets in one pass instead of
   * growing them entry by entry when the batch is large next to the index: for loading a bank.
   */
  addAll(entries: readonly (readonly [entryId: string, hash: PdqHash])[]): void {
    if (entries.length < this.size / 8) {
      for (const [entryId, hash] of entries) this.add(entryId, hash)
      return
    }
    // Check everything first: a bad hash half-way would leave entries outside the buckets.
    for (const [, hash] of entries) checkHash(hash)
    for (const [entryId, hash] of entries) {
      const slot = this.#slotOf.get(entryId) ?? this.#freeSlots.pop() ?? this.#newSlot()
      this.#ids[slot] = entryId
      this.#slotOf.set(entryId, slot)
      packHashInto(hash, this.#hashes, slot * WORDS_PER_HASH)
    }
    this.#rebuildBuckets()
  }

  /**
   * Lays the buckets out again, without the space that buckets left behind when they outgrew their room,
   * each with an eighth more room than it holds. Growth by doubling leaves the arena up to 4× what the
   * entries need (a bucket only moves when it outgrows the most it ever held): call this after many adds.
   */
  compact(): void {
    this.#rebuildBuckets()
    this.#hashes = this.#hashes.slice(0, Math.max(this.#ids.length, INITIAL_SLOTS) * WORDS_PER_HASH)
  }

  /** Rebuilds every bucket from the stored hashes: count, lay out, fill (a counting sort). */
  #rebuildBuckets(): void {
    const info = this.#bucketInfo
    const hashes = this.#hashes
    const live: number[] = []
    this.#ids.forEach((id, slot) => {
      if (id !== undefined) live.push(slot)
    })
    info.fill(0)
    for (const slot of live) {
      for (let c = 0; c < CHUNKS; c++) info[2 * (c * CHUNK_VALUES + chunkValue(hashes, slot * WORDS_PER_HASH, c)) + 1]!++
    }
    let total = 0
    for (let b = 0; b < BUCKETS; b++) {
      const room = roomFor(info[2 * b + 1]!)
      info[2 * b] = total
      info[2 * b + 1] = 0
      this.#bucketCapacity[b] = room
      total += room
    }
    // One spare entry: an empty bucket at the very end still points inside the arena.
    this.#slots = new Uint32Array(total + 1)
    this.#partners = new Uint16Array(total + 1)
    this.#arenaUsed = total
    for (const slot of live) {
      const base = slot * WORDS_PER_HASH
      for (let c = 0; c < CHUNKS; c++) {
        const bucket = c * CHUNK_VALUES + chunkValue(hashes, base, c)
        const at = info[2 * bucket]! + info[2 * bucket + 1]!++
        this.#slots[at] = slot
        this.#partners[at] = chunkValue(hashes, base, c ^ 1)
      }
    }
  }

  /** Entries within `maxDistance` of `hash`, nearest first (ties by id). */
  query(hash: PdqHash, maxDistance: number = PDQ_MATCH_DISTANCE): PdqIndexMatch[] {
    checkDistance(maxDistance)
    const pairRadius = Math.floor(maxDistance / PAIRS)
    const chunkRadius = Math.floor(pairRadius / 2)
    if (chunkRadius > MAX_CHUNK_RADIUS) return this.scan(hash, maxDistance)
    const q = packHashInto(hash, new Uint32Array(WORDS_PER_HASH), 0)
    const probes = this.#listProbes(q, pairRadius, chunkRadius)
    // The buckets lie at random places in large arrays, so reading them one after the other would wait
    // for memory each time. Touching every bucket's header, then every bucket's first entry, with nothing
    // depending on the loads, lets the processor fetch them all at once.
    const info = this.#bucketInfo
    const partners = this.#partners
    let touched = 0
    for (let p = 0; p < probes; p++) touched ^= info[2 * this.#probeBuckets[p]!]!
    for (let p = 0; p < probes; p++) touched ^= partners[info[2 * this.#probeBuckets[p]!]!]!
    this.#touchSink[0] = touched
    // A near entry is found through several chunks; the map keeps it once.
    const found = new Map<number, number>()
    for (let p = 0; p < probes; p++) {
      const bucket = this.#probeBuckets[p]!
      const partner = chunkValue(q, 0, Math.floor(bucket / CHUNK_VALUES) ^ 1)
      this.#probe(bucket, partner, this.#probePartnerBudgets[p]!, q, maxDistance, found)
    }
    return this.#toMatches(found)
  }

  /** The same answer as {@link query}, by checking every entry. */
  scan(hash: PdqHash, maxDistance: number = PDQ_MATCH_DISTANCE): PdqIndexMatch[] {
    const found = new Map<number, number>()
    const packed = this.#hashes.subarray(0, this.#ids.length * WORDS_PER_HASH)
    for (const { index, distance } of linearScan(packed, hash, maxDistance)) {
      if (this.#ids[index] !== undefined) found.set(index, distance)
    }
    return this.#toMatches(found)
  }

  /**
   * Lists the buckets to read into `#probeBuckets`, returning how many: per chunk, the query's value and
   * those within `chunkRadius` bits of it. A bucket `f` bits away leaves `pairRadius - f` bits for the
   * partner chunk.
   */
  #listProbes(q: Uint32Array, pairRadius: number, chunkRadius: number): number {
    const buckets = this.#probeBuckets
    const budgets = this.#probePartnerBudgets
    let count = 0
    for (let c = 0; c < CHUNKS; c++) {
      const value = chunkValue(q, 0, c)
      const bucketBase = c * CHUNK_VALUES
      buckets[count] = bucketBase + value
      budgets[count++] = pairRadius
      for (let i = 0; i < CHUNK_BITS && chunkRadius > 0; i++) {
        const oneOff = value ^ (1 << i)
        buckets[count] = bucketBase + oneOff
        budgets[count++] = pairRadius - 1
        for (let j = i + 1; j < CHUNK_BITS && chunkRadius > 1; j++) {
          buckets[count] = bucketBase + (oneOff ^ (1 << j))
          budgets[count++] = pairRadius - 2
        }
      }
    }
    return count
  }

  /**
   * Tests the entries of one bucket: those whose partner chunk is within `partnerBudget` bits of the
   * query's are compared in full.
   */
  #probe(
    bucket: number,
    partner: number,
    partnerBudget: number,
    q: Uint32Array,
    maxDistance: number,
    found: Map<number, number>
  ): void {
    const start = this.#bucketInfo[2 * bucket]!
    const end = start + this.#bucketInfo[2 * bucket + 1]!
    const partners = this.#partners
    for (let k = start; k < end; k++) {
      if (popcount32(partners[k]! ^ partner) > partnerBudget) continue
      const slot = this.#slots[k]!
      const distance = distanceAt(this.#hashes, slot * WORDS_PER_HASH, q, maxDistance)
      if (distance <= maxDistance) found.set(slot, distance)
    }
  }

  #toMatches(found: Map<number, number>): PdqIndexMatch[] {
    const matches: PdqIndexMatch[] = []
    for (const [slot, distance] of found) matches.push({ entryId: this.#ids[slot]!, distance })
    return matches.sort((a, b) => a.distance - b.distance || (a.entryId < b.entryId ? -1 : 1))
  }

  #newSlot(): number {
    const slot = this.#ids.length
    this.#ids.push(undefined)
    if ((slot + 1) * WORDS_PER_HASH > this.#hashes.length) {
      const grown = new Uint32Array(this.#hashes.length * 2)
      grown.set(this.#hashes)
      this.#hashes = grown
    }
    return slot
  }

  #appendToBucket(bucket: number, slot: number, partner: number): void {
    const length = this.#bucketInfo[2 * bucket + 1]!
    const capacity = this.#bucketCapacity[bucket]!
    if (length === capacity) this.#moveToEnd(bucket, Math.max(MIN_BUCKET_CAPACITY, 2 * capacity))
    const at = this.#bucketInfo[2 * bucket]! + length
    this.#slots[at] = slot
    this.#partners[at] = partner
    this.#bucketInfo[2 * bucket + 1] = length + 1
  }

  #moveToEnd(bucket: number, capacity: number): void {
    if (this.#arenaUsed + capacity > this.#slots.length) {
      // Grow by half, not double: at a million entries these are the largest arrays.
      const size = Math.max(this.#arenaUsed + capacity, Math.ceil(this.#slots.length * 1.5))
      const slots = new Uint32Array(size)
      slots.set(this.#slots.subarray(0, this.#arenaUsed))
      this.#slots = slots
      const partners = new Uint16Array(size)
      partners.set(this.#partners.subarray(0, this.#arenaUsed))
      this.#partners = partners
    }
    const from = this.#bucketInfo[2 * bucket]!
    const to = this.#arenaUsed
    // Buckets are short: a plain loop beats two copyWithin calls.
    for (let k = 0; k < this.#bucketInfo[2 * bucket + 1]!; k++) {
      this.#slots[to + k] = this.#slots[from + k]!
      this.#partners[to + k] = this.#partners[from + k]!
    }
    this.#bucketInfo[2 * bucket] = this.#arenaUsed
    this.#bucketCapacity[bucket] = capacity
    this.#arenaUsed += capacity
  }

  /** Moves the bucket's last entry into the removed one's place: order within a bucket does not matter. */
  #removeFromBucket(bucket: number, slot: number): void {
    const start = this.#bucketInfo[2 * bucket]!
    const last = start + this.#bucketInfo[2 * bucket + 1]! - 1
    const at = start + this.#slots.subarray(start, last + 1).indexOf(slot)
    this.#slots[at] = this.#slots[last]!
    this.#partners[at] = this.#partners[last]!
    this.#bucketInfo[2 * bucket + 1] = last - start
  }
}

/** Room given to a bucket when compacting: an eighth more than it holds, so that the next adds fit. */
function roomFor(length: number): number {
  return length + Math.ceil(length / 8)
}

function checkDistance(maxDistance: number): void {
  if (!Number.isInteger(maxDistance) || maxDistance < 0) {
    throw new RangeError(`maxDistance must be a non-negative integer, got ${maxDistance}`)
  }
}

function checkHash(hash: PdqHash): void {
  if (hash.length !== PDQ_HASH_WORDS) throw new RangeError(`a PDQ hash has ${PDQ_HASH_WORDS} words`)
}

/** Writes a hash as 8 words of 32 bits: word k holds the hash's words 2k (low half) and 2k+1. */
function packHashInto(hash: PdqHash, target: Uint32Array, offset: number): Uint32Array {
  checkHash(hash)
  for (let k = 0; k < WORDS_PER_HASH; k++) target[offset + k] = (hash[2 * k]! | (hash[2 * k + 1]! << 16)) >>> 0
  return target
}

/** Chunk c of a packed hash is the reference's word c; chunks 2k and 2k+1 form pair k. */
function chunkValue(words: Uint32Array, base: number, chunk: number): number {
  return (words[base + (chunk >> 1)]! >>> ((chunk & 1) * CHUNK_BITS)) & (CHUNK_VALUES - 1)
}

/**
 * Hamming distance between the packed hash at `base` and `q`, or the count over the first half when that
 * already exceeds `maxDistance` (for an unrelated hash it is ~64: the test almost always goes the same
 * way, which keeps the processor's branch prediction, and so a scan, fast).
 */
function distanceAt(words: Uint32Array, base: number, q: Uint32Array, maxDistance: number): number {
  const firstHalf =
    popcount32(words[base]! ^ q[0]!) +
    popcount32(words[base + 1]! ^ q[1]!) +
    popcount32(words[base + 2]! ^ q[2]!) +
    popcount32(words[base + 3]! ^ q[3]!)
  if (firstHalf > maxDistance) return firstHalf
  return (
    firstHalf +
    popcount32(words[base + 4]! ^ q[4]!) +
    popcount32(words[base + 5]! ^ q[5]!) +
    popcount32(words[base + 6]! ^ q[6]!) +
    popcount32(words[base + 7]! ^ q[7]!)
  )
}
