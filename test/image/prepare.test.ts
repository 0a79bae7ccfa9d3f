import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import t, { type Test } from 'tap'
import { displayedPixels, ImageDecodeError, readImageHeader } from '../../src/image/decode.js'
import { toModelInput } from '../../src/image/model-input.js'
import { prepareImage } from '../../src/image/prepare.js'
import { hashToHex, pdqDihedral, pdqFromRgb } from '../../src/pdq/pdq.js'
import { gradient, noise, rawImage, seededBytes, pdqImages, withOrientation } from '../helpers/images.js'

/**
 * Two decodes of the image by sharp itself, independent of src/image: as displayed (sharp's own
 * `autoOrient`, fully transparent pixels black) for the model input, and the stored pixels with alpha
 * dropped (as the reference hashers read an image) for the PDQ hash.
 */
async function separately(bytes: Buffer) {
  const { hasAlpha } = await sharp(bytes).metadata()
  const shown = sharp(bytes, { failOn: 'error', autoOrient: true, pages: 1 }).toColourspace('srgb')
  const { data, info } = await (hasAlpha ? shown.ensureAlpha() : shown.removeAlpha()).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  const rgb = new Uint8Array(info.width * info.height * 3)
  for (let p = 0, q = 0; q < rgb.length; p += info.channels, q += 3) {
    if (hasAlpha && data[p + 3] === 0) continue
    rgb.set(data.subarray(p, p + 3), q)
  }
  const stored = await sharp(bytes).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  return {
    input: toModelInput({ width: info.width, height: info.height, data: rgb }),
    hash: pdqFromRgb(stored.data, stored.info.width, stored.info.height, stored.info.channels)
  }
}

async function sameAsSeparateDecoders(t: Test, bytes: Buffer, name: string) {
  const [prepared, expected] = await Promise.all([prepareImage(bytes), separately(bytes)])
  let differing = 0
  for (let i = 0; i < expected.input.length; i++) if (prepared.input[i] !== expected.input[i]) differing++
  t.equal(differing, 0, `${name}: model input identical to sharp's own autoOrient + toModelInput`)
  t.equal(hashToHex(prepared.hash.hash), hashToHex(expected.hash.hash), `${name}: PDQ hash identical to sharp's stored pixels + pdqFromRgb`)
  t.equal(prepared.hash.quality, expected.hash.quality, `${name}: same quality`)
}

async function rejectsWith(t: Test, promise: Promise<unknown>, code: string, message: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  t.ok(err instanceof ImageDecodeError, 'an ImageDecodeError')
  t.match(err, { code, message })
}

t.test('one decode gives the model input and the PDQ hash two separate decodes give: PDQ reference photos', async (t) => {
  const files = ['bridge-mods', 'misc-images', 'reg-test-input/dih', 'reg-test-input/labelme-subset'].flatMap((dir) =>
    readdirSync(join(pdqImages, dir)).map((file) => join(pdqImages, dir, file))
  )
  t.ok(files.length >= 20, `${files.length} photos`)
  for (const file of files) await sameAsSeparateDecoders(t, readFileSync(file), file.slice(pdqImages.length))
})

t.test('…and synthetic images: every EXIF orientation, alpha with transparent pixels, greyscale, palette, animation', async (t) => {
  const upright = { width: 23, height: 17, data: seededBytes(23 * 17 * 3, 5) }
  for (let orientation = 1; orientation <= 8; orientation++) {
    await sameAsSeparateDecoders(t, await withOrientation(upright, orientation), `orientation ${orientation}`)
  }
  const rgba = (x: number, y: number, c: number) => (c === 3 ? ((x + y) % 3 === 0 ? 0 : 40 + x * 5) : (x * 31 + y * 17 + c * 50) % 256)
  for (let orientation = 1; orientation <= 8; orientation++) {
    const webp = await rawImage(19, 11, 4, rgba).withMetadata({ orientation }).webp({ lossless: true }).toBuffer()
    await sameAsSeparateDecoders(t, webp, `alpha, orientation ${orientation}`)
  }
  await sameAsSeparateDecoders(t, await rawImage(40, 30, 4, rgba).png().toBuffer(), 'PNG with alpha')
  await sameAsSeparateDecoders(t, await gradient(64, 48).greyscale().png().toBuffer(), 'greyscale')
  await sameAsSeparateDecoders(t, await noise(50, 40, 9).png({ palette: true }).toBuffer(), 'palette')
  await sameAsSeparateDecoders(t, await noise(600, 300, 4).jpeg().toBuffer(), 'larger than PDQ’s 512 px')
  const frames = Buffer.concat([Buffer.from(seededBytes(8 * 8 * 3, 1)), Buffer.alloc(8 * 8 * 3, 0)])
  await sameAsSeparateDecoders(t, await sharp(frames, { raw: { width: 8, height: 16, channels: 3, pageHeight: 8 } }).gif().toBuffer(), 'animated GIF')
})

t.test('the dihedral variants, when asked for, are pdqDihedral’s, original first', async (t) => {
  const bytes = await noise(80, 60, 2).png().toBuffer()
  const prepared = await prepareImage(bytes, { pdqVariants: true })
  const stored = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const { hashes, quality } = pdqDihedral(stored.data, stored.info.width, stored.info.height, stored.info.channels)
  t.same(prepared.hash.variants?.map(hashToHex), Object.values(hashes).map(hashToHex))
  t.equal(hashToHex(prepared.hash.hash), hashToHex(hashes.original))
  t.equal(prepared.hash.quality, quality)
  t.notOk((await prepareImage(bytes)).hash.variants, 'none unless asked for')
})

t.test('displayedPixels: orientation 1 without alpha is the stored buffer itself; an unknown orientation is 1', async (t) => {
  const data = Uint8Array.from([1, 2, 3, 4, 5, 6])
  t.equal(displayedPixels({ stored: { width: 2, height: 1, channels: 3, data }, orientation: 1 }).data, data)
  t.same([...displayedPixels({ stored: { width: 2, height: 1, channels: 3, data }, orientation: 2 }).data], [4, 5, 6, 1, 2, 3])
  t.same([...displayedPixels({ stored: { width: 1, height: 1, channels: 4, data: Uint8Array.from([9, 8, 7, 1]) }, orientation: 0 }).data], [9, 8, 7])
})

t.test('readImageHeader: format, stored size, alpha and orientation', async (t) => {
  const stored = await withOrientation({ width: 4, height: 2, data: seededBytes(24, 1) }, 6)
  t.same(await readImageHeader(stored), { format: 'webp', width: 2, height: 4, hasAlpha: false, orientation: 6 })
  t.match(await readImageHeader(await rawImage(3, 3, 4, () => 9).png().toBuffer()), { format: 'png', hasAlpha: true, orientation: 1 })
})

t.test('refusals: not an image, a format browsers do not show, too many pixels, a body that does not decode', async (t) => {
  await rejectsWith(t, prepareImage(Buffer.from('definitely not an image')), 'FG_IMAGE_INVALID', /not a decodable image/)
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
  await rejectsWith(t, prepareImage(svg), 'FG_IMAGE_INVALID', /format svg is not accepted/)
  const png = await gradient(100, 50).png().toBuffer()
  await rejectsWith(t, prepareImage(png, { maxInputPixels: 4999 }), 'FG_IMAGE_TOO_LARGE', /100×50, over the 4999-pixel limit/)
  const jpeg = await noise(64, 64, 3).jpeg().toBuffer()
  await rejectsWith(t, prepareImage(jpeg.subarray(0, jpeg.length / 2)), 'FG_IMAGE_INVALID', /could not be decoded/)
})
