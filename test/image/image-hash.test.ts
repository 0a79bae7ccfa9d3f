import sharp from 'sharp'
import t from 'tap'
import { decodeImage, displayedPixels } from '../../src/image/decode.js'
import { hashImage, imageHashOf } from '../../src/image/image-hash.js'
import { hammingDistance, hashToHex, pdqDihedral, pdqFromRgb } from '../../src/pdq/pdq.js'

/** A 64×48 picture with structure and texture, so that its orientation shows in the hash. */
function picture(channels: 1 | 3 | 4): Buffer {
  const width = 64
  const height = 48
  const pixels = Buffer.alloc(width * height * channels)
  let noise = 1
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      noise = (Math.imul(noise, 1103515245) + 12345) >>> 0
      const shade = 120 + 90 * Math.sin(x / 9) * Math.cos(y / 13) + ((noise >>> 24) % 40) - 20 + x - y
      const at = (y * width + x) * channels
      pixels.fill(Math.max(0, Math.min(255, Math.round(shade))), at, at + Math.min(channels, 3))
      if (channels === 4) pixels[at + 3] = x % 2 === 0 ? 255 : 0
    }
  }
  return pixels
}

t.test('decodes to 8-bit RGB stored pixels', async (t) => {
  const png = await sharp(picture(3), { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer()
  const { stored } = await decodeImage(png)
  t.match(stored, { width: 64, height: 48, channels: 3 })
  t.equal(stored.data.length, 64 * 48 * 3)
})

t.test('grey, 16-bit and transparent images come out as 8-bit RGB(A) and hash alike', async (t) => {
  const grey = await sharp(picture(1), { raw: { width: 64, height: 48, channels: 1 } }).png().toBuffer()
  const deep = await sharp(picture(3), { raw: { width: 64, height: 48, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer()
  const transparent = await sharp(picture(4), { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer()
  for (const encoded of [grey, deep, transparent]) {
    const { stored } = await decodeImage(encoded)
    t.match(stored, { width: 64, height: 48 })
    t.equal(stored.data.length, 64 * 48 * stored.channels)
  }
  // Alpha is dropped, not composited: the transparent columns keep their colour, as the reference reads them.
  const opaque = await hashImage(await sharp(picture(3), { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer())
  t.equal(hashToHex((await hashImage(transparent)).hash), hashToHex(opaque.hash))
})

t.test('EXIF orientation is not applied to the hashed pixels, as the reference does', async (t) => {
  const jpeg = await sharp(picture(3), { raw: { width: 64, height: 48, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer()
  const image = await decodeImage(jpeg)
  t.match(image.stored, { width: 64, height: 48 })
  const oriented = displayedPixels(image)
  t.match(oriented, { width: 48, height: 64 })
  // Orientation 6 shows the stored pixels turned clockwise; dihedral matching finds it from the stored ones.
  const { hashes } = pdqDihedral(image.stored.data, image.stored.width, image.stored.height, image.stored.channels)
  const shown = pdqFromRgb(oriented.data, oriented.width, oriented.height, 3).hash
  const distance = hammingDistance(hashes.rotate270, shown)
  t.ok(distance <= 31, `distance ${distance}`)
})

t.test('images over the pixel limit are refused before decoding', async (t) => {
  const png = await sharp(picture(3), { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer()
  await t.rejects(hashImage(png, { maxInputPixels: 1000 }), /pixel limit/)
  await t.rejects(hashImage(Buffer.from('not an image')))
})

t.test('imageHashOf hashes the decoded image, with its 8 variants when asked', async (t) => {
  const png = await sharp(picture(3), { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer()
  const { stored } = await decodeImage(png)
  const plain = imageHashOf(stored, false)
  t.same(plain, pdqFromRgb(stored.data, stored.width, stored.height, 3))
  t.notOk('variants' in plain)
  const dihedral = imageHashOf(stored, true)
  t.same(dihedral.hash, plain.hash)
  t.equal(dihedral.variants?.length, 8)
  t.same(await hashImage(png, { variants: true }), dihedral)
})
