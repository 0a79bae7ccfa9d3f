import sharp from 'sharp'
import t, { type Test } from 'tap'
import { DEFAULT_MAX_INPUT_PIXELS, ImageDecodeError, bytesFromBase64, decodeImage, displayedPixels, type DecodeOptions } from '../../src/image/decode.js'
import { gradient, noise, rawImage, seededBytes, withOrientation } from '../helpers/images.js'

async function rejectsWith(t: Test, promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  t.ok(err instanceof ImageDecodeError, 'an ImageDecodeError')
  t.match(err, { code, statusCode: 400, message })
}

/** The image as a browser shows it, from one decode. */
const displayed = async (bytes: Uint8Array, options?: DecodeOptions) => displayedPixels(await decodeImage(bytes, options))

t.test('bytesFromBase64 decodes strict, padded base64 and refuses anything else', async (t) => {
  t.same(bytesFromBase64(Buffer.from('hello!').toString('base64')), Buffer.from('hello!'))
  t.same(bytesFromBase64('aGk='), Buffer.from('hi'))
  t.same(bytesFromBase64(''), Buffer.alloc(0))
  for (const bad of ['aGk', 'a$Gk=', 'aGk= ', 'data:image/png;base64,aGk=', 'aGk=aGk=', 'aG-_']) {
    t.throws(() => bytesFromBase64(bad), { code: 'FG_IMAGE_INVALID', message: /not valid base64/ }, JSON.stringify(bad))
  }
})

t.test('decodeImage + displayedPixels return 8-bit RGB rows', async (t) => {
  const png = await rawImage(4, 3, 3, (x, y, c) => x * 50 + y * 10 + c).png().toBuffer()
  const image = await displayed(png)
  t.equal(image.width, 4)
  t.equal(image.height, 3)
  t.same([...image.data.subarray(0, 6)], [0, 1, 2, 50, 51, 52])
  t.same([...image.data.subarray(12, 15)], [10, 11, 12], 'second row starts at 3 × width')
})

t.test('decodeImage applies every EXIF orientation as a browser displays it', async (t) => {
  const upright = { width: 7, height: 5, data: seededBytes(7 * 5 * 3, 1) }
  for (let orientation = 1; orientation <= 8; orientation++) {
    const stored = await withOrientation(upright, orientation)
    t.equal((await sharp(stored).metadata()).orientation, orientation, `file carries orientation ${orientation}`)
    const image = await displayed(stored)
    t.same({ width: image.width, height: image.height }, { width: 7, height: 5 })
    t.ok(Buffer.from(image.data).equals(Buffer.from(upright.data)), `orientation ${orientation} shows the upright pixels`)
  }
})

t.test('decodeImage blacks out fully transparent pixels and keeps the colour of the others', async (t) => {
  const png = await rawImage(3, 1, 4, (x, _y, c) => (c === 3 ? [0, 128, 255][x]! : 200)).png().toBuffer()
  const image = await displayed(png)
  t.same([...image.data], [0, 0, 0, 200, 200, 200, 200, 200, 200])
})

t.test('decodeImage turns greyscale and 16-bit images into 8-bit RGB', async (t) => {
  const grey = await sharp(Buffer.from([0, 128, 255, 64]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer()
  t.same([...(await displayed(grey)).data], [0, 0, 0, 128, 128, 128, 255, 255, 255, 64, 64, 64])
  const deep = await sharp(Buffer.from([0, 255, 128, 7, 9, 200]), { raw: { width: 2, height: 1, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer()
  t.equal((await sharp(deep).metadata()).depth, 'ushort', 'the fixture is 16-bit')
  t.same([...(await displayed(deep)).data], [0, 255, 128, 7, 9, 200])
})

t.test('decodeImage reads the first frame of an animation', async (t) => {
  const frames = Buffer.concat([Buffer.alloc(4 * 4 * 3, 255), Buffer.alloc(4 * 4 * 3, 0)])
  const gif = await sharp(frames, { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toBuffer()
  t.equal((await sharp(gif).metadata()).pages, 2, 'the fixture has two frames')
  const image = await displayed(gif)
  t.same({ width: image.width, height: image.height }, { width: 4, height: 4 })
  t.ok(image.data.every((v) => v === 255), 'white first frame')
})

t.test('decodeImage accepts the raster formats browsers show', async (t) => {
  const source = gradient(16, 8)
  for (const bytes of [await source.clone().jpeg().toBuffer(), await source.clone().webp().toBuffer(), await source.clone().avif().toBuffer()]) {
    const image = await displayed(bytes)
    t.same({ width: image.width, height: image.height }, { width: 16, height: 8 })
  }
})

t.test('decodeImage refuses what is not an accepted image', async (t) => {
  await rejectsWith(t, displayed(Buffer.from('definitely not an image')), 'FG_IMAGE_INVALID', /not a decodable image/)
  await rejectsWith(t, displayed(Buffer.alloc(0)), 'FG_IMAGE_INVALID', /not a decodable image/)
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
  await rejectsWith(t, displayed(svg), 'FG_IMAGE_INVALID', /format svg is not accepted/)
  const tiff = await gradient(8, 8).tiff().toBuffer()
  await rejectsWith(t, displayed(tiff), 'FG_IMAGE_INVALID', /format tiff is not accepted/)
  const jpeg = await noise(64, 64, 3).jpeg().toBuffer()
  await rejectsWith(t, displayed(jpeg.subarray(0, jpeg.length / 2)), 'FG_IMAGE_INVALID', /could not be decoded/)
})

t.test('decodeImage refuses images over the pixel limit before decoding them', async (t) => {
  const png = await gradient(100, 50).png().toBuffer()
  await rejectsWith(t, displayed(png, { maxInputPixels: 4999 }), 'FG_IMAGE_TOO_LARGE', /100×50, over the 4999-pixel limit/)
  t.equal((await displayed(png, { maxInputPixels: 5000 })).width, 100, 'exactly at the limit is fine')

  t.equal(DEFAULT_MAX_INPUT_PIXELS, 4096 * 4096)
  const bomb = await sharp({ create: { width: 4097, height: 4096, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer()
  t.ok(bomb.length < 200_000, `a ${bomb.length}-byte file`)
  await rejectsWith(t, displayed(bomb), 'FG_IMAGE_TOO_LARGE', /4097×4096/)
})

t.test('decodeImage keeps the stored pixels, alpha and orientation apart, and takes any format when asked', async (t) => {
  const upright = { width: 7, height: 5, data: seededBytes(7 * 5 * 3, 2) }
  const rotated = await decodeImage(await withOrientation(upright, 6))
  t.same({ width: rotated.stored.width, height: rotated.stored.height, channels: rotated.stored.channels, orientation: rotated.orientation }, { width: 5, height: 7, channels: 3, orientation: 6 })
  const transparent = await decodeImage(await rawImage(3, 1, 4, (x, _y, c) => (c === 3 ? [0, 128, 255][x]! : 200)).png().toBuffer())
  t.same([...transparent.stored.data], [200, 200, 200, 0, 200, 200, 200, 128, 200, 200, 200, 255], 'the stored colour of a transparent pixel')
  const tiff = await gradient(8, 8).tiff().toBuffer()
  t.equal((await decodeImage(tiff, { anyFormat: true })).stored.width, 8)
})
