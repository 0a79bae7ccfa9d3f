import { readFile, readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { decodeImage } from '../../src/image/decode.js'
import { hashImage } from '../../src/image/image-hash.js'
import { hammingDistance, hashFromHex, pdqDihedral, type PdqResult } from '../../src/pdq/pdq.js'

// PDQ's reference images and hashes (test/fixtures/pdq/SOURCE.txt).
const IMAGES = fileURLToPath(new URL('../fixtures/pdq/', import.meta.url))
const MATCH_DISTANCE = 31
/** Some reference photos are larger than item images may be. */
const decodeOptions = { maxInputPixels: 50_000_000 }

async function hashFile(path: string): Promise<PdqResult> {
  return hashImage(await readFile(IMAGES + path), decodeOptions)
}

async function filesIn(folder: string): Promise<string[]> {
  return (await readdir(IMAGES + folder)).sort().map((name) => `${folder}/${name}`)
}

t.test('every reference image hashes within 16 bits of the reference, within 10 when quality ≥ 80', async (t) => {
  const csv = await readFile(IMAGES + 'expected-pdq.csv', 'utf8')
  const rows = csv.trim().split('\n').slice(1).map((line) => line.split(',') as [string, string])
  t.equal(rows.length, 18)
  const distances: number[] = []
  for (const [path, hex] of rows) {
    const { hash, quality } = await hashFile(path)
    const distance = hammingDistance(hash, hashFromHex(hex))
    distances.push(distance)
    t.ok(distance <= (quality >= 80 ? 10 : 16), `${path}: distance ${distance}, quality ${quality}`)
  }
  t.comment(`distances to the reference: ${distances.join(' ')}`)
})

t.test('the edited bridges match the original', async (t) => {
  const original = (await hashFile('bridge-mods/aaa-orig.jpg')).hash
  const edits = (await filesIn('bridge-mods')).filter((path) => !path.endsWith('aaa-orig.jpg'))
  t.equal(edits.length, 11)
  for (const path of edits) {
    const distance = hammingDistance((await hashFile(path)).hash, original)
    t.ok(distance <= MATCH_DISTANCE, `${path}: distance ${distance}`)
  }
})

t.test('unrelated photos match neither each other nor the bridge', async (t) => {
  const paths = [...(await filesIn('misc-images')), ...(await filesIn('reg-test-input/labelme-subset'))]
  const hashes = await Promise.all(paths.map(async (path) => (await hashFile(path)).hash))
  const bridge = (await hashFile('bridge-mods/aaa-orig.jpg')).hash
  let nearest = Infinity
  hashes.forEach((hash, i) => {
    nearest = Math.min(nearest, hammingDistance(hash, bridge))
    for (let j = i + 1; j < hashes.length; j++) nearest = Math.min(nearest, hammingDistance(hash, hashes[j]!))
  })
  t.ok(nearest > MATCH_DISTANCE, `nearest pair is ${nearest} bits apart`)
})

t.test('with dihedral matching, every rotation and flip of the bridge matches the original', async (t) => {
  const { stored } = await decodeImage(await readFile(IMAGES + 'reg-test-input/dih/bridge-1-original.jpg'), decodeOptions)
  const { hashes } = pdqDihedral(stored.data, stored.width, stored.height, stored.channels)
  const expected = {
    original: 'bridge-1-original',
    rotate90: 'bridge-2-rotate-90',
    rotate180: 'bridge-3-rotate-180',
    rotate270: 'bridge-4-rotate-270',
    flipX: 'bridge-5-flipx',
    flipY: 'bridge-6-flipy',
    flipPlus1: 'bridge-7-flip-plus-1',
    flipMinus1: 'bridge-8-flip-minus-1'
  }
  t.equal((await filesIn('reg-test-input/dih')).length, 8)
  for (const [transform, name] of Object.entries(expected)) {
    const { hash } = await hashFile(`reg-test-input/dih/${name}.jpg`)
    const distances = Object.values(hashes).map((variant) => hammingDistance(variant, hash))
    const own = hammingDistance(hashes[transform as keyof typeof hashes], hash)
    t.ok(Math.min(...distances) <= MATCH_DISTANCE, `${name} matches`)
    t.ok(own <= MATCH_DISTANCE, `${name} is the ${transform} variant (distance ${own})`)
  }
})
