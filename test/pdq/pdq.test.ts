import t from 'tap'
import {
  DIHEDRAL_TRANSFORMS,
  hammingDistance,
  hashFromHex,
  hashToHex,
  pdqDihedral,
  pdqFromRgb,
  popcount32,
  type DihedralTransform
} from '../../src/pdq/pdq.js'

/** Deterministic noise with some large-scale structure, as a grey image. */
function greyImage(width: number, height: number, seed = 1): Uint8Array {
  const pixels = new Uint8Array(width * height)
  let state = seed
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      const structure = 100 * Math.sin((x * 7) / width) * Math.cos((y * 5) / height)
      pixels[y * width + x] = Math.max(0, Math.min(255, 128 + structure + ((state >>> 24) % 64) - 32))
    }
  }
  return pixels
}

function withChannels(grey: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(grey.length * channels)
  grey.forEach((value, i) => out.fill(value, i * channels, (i + 1) * channels))
  return out
}

t.test('hex round-trips in the reference format', async (t) => {
  const hex = 'd8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22'
  const hash = hashFromHex(hex)
  t.equal(hash.length, 16)
  t.equal(hash[15], 0xd8f8, 'the first four digits are the last word')
  t.equal(hash[0], 0x9b22)
  t.equal(hashToHex(hash), hex)
  t.equal(hashToHex(hashFromHex(hex.toUpperCase())), hex)
  t.equal(hashToHex(new Uint16Array(16)), '0'.repeat(64))
  t.throws(() => hashFromHex('abc'), RangeError)
  t.throws(() => hashFromHex('g'.repeat(64)), RangeError)
})

t.test('hamming distance counts differing bits', async (t) => {
  const zero = new Uint16Array(16)
  const ones = new Uint16Array(16).fill(0xffff)
  t.equal(hammingDistance(zero, zero), 0)
  t.equal(hammingDistance(zero, ones), 256)
  const oneBit = new Uint16Array(16)
  oneBit[7] = 0x0100
  t.equal(hammingDistance(zero, oneBit), 1)
  t.equal(popcount32(0xffffffff), 32)
  t.equal(popcount32(0x80000001), 2)
  t.equal(popcount32(0), 0)
})

t.test('an image hashes to 256 bits, about half of them set, with a quality', async (t) => {
  const pixels = withChannels(greyImage(200, 150), 3)
  const { hash, quality } = pdqFromRgb(pixels, 200, 150, 3)
  const setBits = hammingDistance(hash, new Uint16Array(16))
  t.ok(setBits >= 120 && setBits <= 128, `${setBits} bits set`)
  t.ok(quality > 50 && quality <= 100, `quality ${quality}`)
  t.same(pdqFromRgb(pixels, 200, 150, 3).hash, hash, 'deterministic')
})

t.test('grey, grey+alpha, RGB and RGBA of the same picture hash alike', async (t) => {
  const grey = greyImage(120, 90)
  const reference = pdqFromRgb(grey, 120, 90, 1).hash
  for (const channels of [2, 3, 4]) {
    const { hash } = pdqFromRgb(withChannels(grey, channels), 120, 90, channels)
    t.ok(hammingDistance(hash, reference) <= 2, `${channels} channels`)
  }
})

t.test('a flat image has quality 0 and a tiny one an empty hash', async (t) => {
  const flat = pdqFromRgb(new Uint8Array(100 * 100 * 3).fill(90), 100, 100, 3)
  t.equal(flat.quality, 0)
  const tiny = pdqFromRgb(new Uint8Array(4 * 30 * 3).fill(90), 4, 30, 3)
  t.same(tiny, { hash: new Uint16Array(16), quality: 0 })
  const tinyVariants = pdqDihedral(new Uint8Array(30 * 4), 30, 4, 1)
  t.equal(tinyVariants.quality, 0)
  for (const transform of DIHEDRAL_TRANSFORMS) t.same(tinyVariants.hashes[transform], new Uint16Array(16))
})

t.test('invalid input is refused', async (t) => {
  const pixels = new Uint8Array(10 * 10 * 3)
  t.throws(() => pdqFromRgb(pixels, 0, 10, 3), RangeError)
  t.throws(() => pdqFromRgb(pixels, 10, 2.5, 3), RangeError)
  t.throws(() => pdqFromRgb(pixels, 10, 10, 0), RangeError)
  t.throws(() => pdqFromRgb(pixels, 10, 10, 5), RangeError)
  t.throws(() => pdqFromRgb(pixels, 10, 11, 3), RangeError, 'too few bytes')
  t.throws(() => pdqDihedral(pixels, 10, 10, 1.5), RangeError)
})

t.test('large images are shrunk first, so a halved copy hashes alike', async (t) => {
  const width = 1300
  const height = 700
  const full = greyImage(width, height, 7)
  const half = new Uint8Array((width / 2) * (height / 2))
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < width / 2; x++) {
      const at = 2 * y * width + 2 * x
      half[y * (width / 2) + x] = Math.round((full[at]! + full[at + 1]! + full[at + width]! + full[at + width + 1]!) / 4)
    }
  }
  const distance = hammingDistance(pdqFromRgb(full, width, height, 1).hash, pdqFromRgb(half, width / 2, height / 2, 1).hash)
  t.ok(distance <= 16, `distance ${distance}`)
  const tall = pdqFromRgb(greyImage(300, 900, 3), 300, 900, 1)
  t.ok(tall.quality > 0, 'only the long side needs to exceed the limit')
})

/** Where transformed pixel (x, y) of an n×n image comes from: the pixel transforms the names stand for. */
const SOURCE: Record<DihedralTransform, (x: number, y: number, last: number) => [number, number]> = {
  original: (x, y) => [x, y],
  rotate90: (x, y, last) => [last - y, x], // counter-clockwise
  rotate180: (x, y, last) => [last - x, last - y],
  rotate270: (x, y, last) => [y, last - x],
  flipX: (x, y, last) => [x, last - y], // top to bottom
  flipY: (x, y, last) => [last - x, y], // left to right
  flipPlus1: (x, y) => [y, x], // about the main diagonal
  flipMinus1: (x, y, last) => [last - y, last - x]
}

t.test('each dihedral hash is the hash of the transformed image', async (t) => {
  // At 64×64 the filter and decimation are the identity, so the DCT identities hold exactly.
  const size = 64
  const pixels = greyImage(size, size, 11)
  const { hashes, quality } = pdqDihedral(pixels, size, size, 1)
  t.equal(quality, pdqFromRgb(pixels, size, size, 1).quality)
  t.same(hashes.original, pdqFromRgb(pixels, size, size, 1).hash)
  for (const transform of DIHEDRAL_TRANSFORMS) {
    const moved = new Uint8Array(size * size)
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const [sx, sy] = SOURCE[transform](x, y, size - 1)
        moved[y * size + x] = pixels[sy * size + sx]!
      }
    }
    t.equal(hammingDistance(pdqFromRgb(moved, size, size, 1).hash, hashes[transform]), 0, transform)
  }
})
