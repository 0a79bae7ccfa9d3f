/**
 * PDQ benchmark: the bank index against a linear scan at 1,000,000 entries (queries/s, memory, recall at
 * distance 31), and PDQ hashing throughput.
 *
 *   nice node --import tsx bench/pdq-index.ts [entries] [queries]
 *
 * Bank hashes are uniformly random, which is the index's favourable case (real PDQ chunk values are less
 * evenly spread); near-duplicates are planted in the bank and among the queries so that recall is measured
 * on real matches, not only on empty answers. The index is bulk-loaded, as a bank loader would; its memory counts its typed arrays and its id map, not the id strings, which the caller holds.
 * The scan and the index take turns on the queries so that both meet the same load on a shared machine.
 */

import os from 'node:os'
import v8 from 'node:v8'
import vm from 'node:vm'
import sharp from 'sharp'
import { decodeImage } from '../src/image/decode.js'
import { hashImage } from '../src/image/image-hash.js'
import { PDQ_MATCH_DISTANCE, PdqIndex, linearScan, packHashes, type PdqIndexMatch } from '../src/pdq/pdq-index.js'
import { PDQ_HASH_WORDS, pdqFromRgb, type PdqHash } from '../src/pdq/pdq.js'
import { createRandom } from './random.js'

const ENTRIES = Number(process.argv[2] ?? 1_000_000)
const QUERIES = Number(process.argv[3] ?? 3_000)
const PLANTED_IN_BANK = 10_000
// The scan is slow; its speed is measured on a sample, its answers on every query (for recall).
const SCAN_TIMED_QUERIES = 200

v8.setFlagsFromString('--expose-gc')
const collectGarbage = vm.runInNewContext('gc') as () => void

/** Deterministic 32-bit numbers (mulberry32), so that runs are comparable. */
function randomSource(seed: number): () => number {
  const random = createRandom(seed)
  return () => random() * 4294967296
}
const random = randomSource(0x5eed)

function randomHash(): PdqHash {
  const hash = new Uint16Array(PDQ_HASH_WORDS)
  for (let i = 0; i < PDQ_HASH_WORDS; i++) hash[i] = random() & 0xffff
  return hash
}

/** A copy with `bits` distinct bits flipped. */
function nearCopy(hash: PdqHash, bits: number): PdqHash {
  const copy = Uint16Array.from(hash)
  const flipped = new Set<number>()
  while (flipped.size < bits) flipped.add(random() & 255)
  for (const bit of flipped) copy[bit >> 4]! ^= 1 << (bit & 15)
  return copy
}

interface MemoryUse {
  heap: number
  external: number
  rss: number
}

/** Memory in use once garbage is collected (typed arrays' memory is released after the collection). */
async function memory(): Promise<MemoryUse> {
  for (let i = 0; i < 3; i++) {
    collectGarbage()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, external: usage.arrayBuffers, rss: usage.rss }
}

function memoryDelta(before: MemoryUse, after: MemoryUse): string {
  const mb = (bytes: number): string => `${bytes < 0 ? '-' : '+'}${(Math.abs(bytes) / 2 ** 20).toFixed(1)} MB`
  return `heap ${mb(after.heap - before.heap)}, typed arrays ${mb(after.external - before.external)}, RSS ${mb(after.rss - before.rss)}`
}

function timed<T>(run: () => T): { result: T; seconds: number } {
  const start = process.hrtime.bigint()
  const result = run()
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, Node ${process.version}`)
console.log(`bank: ${ENTRIES.toLocaleString('en')} entries (${PLANTED_IN_BANK} planted near-duplicates), ${QUERIES} queries, distance ≤ ${PDQ_MATCH_DISTANCE}`)

// ---- the bank: random hashes, plus near-duplicates of some of them (0–31 bits away)
const bank: PdqHash[] = []
for (let i = 0; i < ENTRIES - PLANTED_IN_BANK; i++) bank.push(randomHash())
for (let i = 0; i < PLANTED_IN_BANK; i++) bank.push(nearCopy(bank[random() % bank.length]!, random() % 32))
const ids = bank.map((_, i) => `bank-a:${String(i).padStart(9, '0')}`)

// ---- queries: a third unrelated, two thirds near a bank entry (0–40 bits away, so some just miss)
const queries: PdqHash[] = []
for (let i = 0; i < QUERIES; i++) {
  queries.push(i % 3 === 0 ? randomHash() : nearCopy(bank[random() % bank.length]!, random() % 41))
}

// ---- build both structures, measuring memory one after the other
let before = await memory()
const { seconds: buildSeconds, result: index } = timed(() => {
  const built = new PdqIndex()
  built.addAll(bank.map((hash, i) => [ids[i]!, hash] as const))
  return built
})
const indexMemory = memoryDelta(before, await memory())
before = await memory()
const packed = packHashes(bank)
const scanMemory = memoryDelta(before, await memory())
console.log(`index: loaded in ${buildSeconds.toFixed(1)} s; ${indexMemory}`)
console.log(`scan:  packed hashes; ${scanMemory}`)

// ---- warm up both paths so that the timings are of optimised code
for (let i = 0; i < 50; i++) index.query(queries[i]!)
for (let i = 0; i < 3; i++) linearScan(packed, queries[i]!, PDQ_MATCH_DISTANCE)

const ROUNDS = 20
const indexAnswers: PdqIndexMatch[][] = []
let indexSeconds = 0
let scanSeconds = 0
for (let round = 0; round < ROUNDS; round++) {
  const from = Math.floor((round * QUERIES) / ROUNDS)
  const to = Math.floor(((round + 1) * QUERIES) / ROUNDS)
  indexSeconds += timed(() => {
    for (let i = from; i < to; i++) indexAnswers.push(index.query(queries[i]!, PDQ_MATCH_DISTANCE))
  }).seconds
  const scanFrom = (round * SCAN_TIMED_QUERIES) / ROUNDS
  scanSeconds += timed(() => {
    for (let i = scanFrom; i < scanFrom + SCAN_TIMED_QUERIES / ROUNDS; i++) linearScan(packed, queries[i]!, PDQ_MATCH_DISTANCE)
  }).seconds
}
const indexQps = QUERIES / indexSeconds
const scanQps = SCAN_TIMED_QUERIES / scanSeconds
console.log(`index: ${indexQps.toFixed(0)} queries/s (${((indexSeconds / QUERIES) * 1e6).toFixed(0)} µs/query)`)
console.log(`scan:  ${scanQps.toFixed(1)} queries/s (${((scanSeconds / SCAN_TIMED_QUERIES) * 1e3).toFixed(1)} ms/query)`)
console.log(`ratio: ${(indexQps / scanQps).toFixed(0)}× (target ≥ 50×)`)

// ---- recall and exactness of the index against the scan on every query
let expected = 0
let recalled = 0
let wrong = 0
let queriesWithMatches = 0
for (let i = 0; i < QUERIES; i++) {
  const truth = linearScan(packed, queries[i]!, PDQ_MATCH_DISTANCE)
  const got = new Map(indexAnswers[i]!.map((m) => [m.entryId, m.distance]))
  if (truth.length > 0) queriesWithMatches++
  expected += truth.length
  for (const { index: at, distance } of truth) if (got.get(ids[at]!) === distance) recalled++
  wrong += got.size - truth.filter(({ index: at }) => got.has(ids[at]!)).length
}
console.log(
  `recall at ${PDQ_MATCH_DISTANCE}: ${expected === 0 ? 'n/a' : (recalled / expected).toFixed(4)} ` +
    `(${recalled}/${expected} matches over ${queriesWithMatches} queries with a match); entries returned that the scan did not: ${wrong}`
)

// ---- bank changes one at a time (as replicas apply them): add an entry, then remove it again
const UPDATES = 10_000
const updates = timed(() => {
  for (let i = 0; i < UPDATES; i++) index.add(`update-${i}`, randomHash())
  for (let i = 0; i < UPDATES; i++) index.remove(`update-${i}`)
})
console.log(`index: ${((2 * UPDATES) / updates.seconds).toFixed(0)} single adds or removes/s at ${index.size.toLocaleString('en')} entries`)

// ---- PDQ hashing throughput, on a synthetic photo-like image at two sizes
async function syntheticJpeg(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3
      const shade = 128 + 60 * Math.sin(x / (width / 7)) * Math.cos(y / (height / 5))
      pixels[p] = shade + (random() & 31)
      pixels[p + 1] = (x * 255) / width
      pixels[p + 2] = (y * 255) / height
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()
}

for (const [width, height] of [
  [224, 224],
  [1024, 768]
] as const) {
  const jpeg = await syntheticJpeg(width, height)
  const decoded = (await decodeImage(jpeg)).stored
  // Best of several batches: the machine may be shared, and the best batch is the least disturbed.
  const rounds = width < 512 ? 100 : 20
  let fromPixels = 0
  let withDecode = 0
  for (let batch = 0; batch < 5; batch++) {
    const hashOnly = timed(() => {
      for (let i = 0; i < rounds; i++) pdqFromRgb(decoded.data, decoded.width, decoded.height, decoded.channels)
    })
    fromPixels = Math.max(fromPixels, rounds / hashOnly.seconds)
    const start = process.hrtime.bigint()
    for (let i = 0; i < rounds; i++) await hashImage(jpeg)
    withDecode = Math.max(withDecode, rounds / (Number(process.hrtime.bigint() - start) / 1e9))
  }
  console.log(
    `pdq ${width}×${height}: ${fromPixels.toFixed(0)} hashes/s from pixels, ` +
      `${withDecode.toFixed(0)} hashes/s with JPEG decode (one thread)`
  )
}
