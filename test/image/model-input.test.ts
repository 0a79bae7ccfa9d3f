import * as tf from '@tensorflow/tfjs'
import t from 'tap'
import { decodeImage, displayedPixels, type RgbImage } from '../../src/image/decode.js'
import { toModelInput } from '../../src/image/model-input.js'
import { IMAGE_SIZE, PIXELS_PER_IMAGE } from '../../src/image/model-spec.js'
import { prepareImage } from '../../src/image/prepare.js'
import { gradient, seededBytes } from '../helpers/images.js'

/** tfjs' own `toFloat().div(255)` + `resizeBilinear(alignCorners)`, as NSFWJS runs it, read back as CHW. */
async function tfjsReference(image: RgbImage): Promise<Float32Array> {
  const hwc = tf.tidy(() =>
    tf.image.resizeBilinear(
      tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32').toFloat().div<tf.Tensor3D>(255),
      [IMAGE_SIZE, IMAGE_SIZE],
      true
    )
  )
  const values = (await hwc.data()) as Float32Array
  hwc.dispose()
  const chw = new Float32Array(PIXELS_PER_IMAGE)
  const plane = IMAGE_SIZE * IMAGE_SIZE
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) chw[c * plane + p] = values[p * 3 + c] as number
  return chw
}

t.before(async () => {
  await tf.setBackend('cpu')
})

t.test('toModelInput is bit-identical to tfjs resizeBilinear with aligned corners', async (t) => {
  const sizes: Array<[number, number]> = [
    [640, 480],
    [224, 224],
    [3, 2],
    [1, 1],
    [50, 1000],
    [225, 223]
  ]
  for (const [width, height] of sizes) {
    const image = { width, height, data: seededBytes(width * height * 3, width * 31 + height) }
    const ours = toModelInput(image)
    const theirs = await tfjsReference(image)
    t.ok(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer)), `${width}×${height}`)
  }
})

t.test('toModelInput writes planar RGB scaled to 0..1 into a batch buffer', async (t) => {
  const data = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE * 3)
  for (let p = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++) data.set([255, 0, 51], p * 3)
  const batch = new Float32Array(2 * PIXELS_PER_IMAGE).fill(-1)
  t.equal(toModelInput({ width: IMAGE_SIZE, height: IMAGE_SIZE, data }, batch, PIXELS_PER_IMAGE), batch)
  t.ok(batch.subarray(0, PIXELS_PER_IMAGE).every((v) => v === -1), 'first slot untouched')
  const plane = IMAGE_SIZE * IMAGE_SIZE
  const second = PIXELS_PER_IMAGE
  t.same([batch[second], batch[second + plane], batch[second + 2 * plane]], [1, 0, Math.fround(0.2)])
})

t.test('toModelInput refuses inconsistent images and buffers too small', async (t) => {
  t.throws(() => toModelInput({ width: 2, height: 2, data: new Uint8Array(11) }), RangeError)
  t.throws(() => toModelInput({ width: 0, height: 2, data: new Uint8Array(0) }), RangeError)
  const image = { width: 1, height: 1, data: new Uint8Array(3) }
  t.throws(() => toModelInput(image, new Float32Array(PIXELS_PER_IMAGE), 1), /no room/)
  t.throws(() => toModelInput(image, new Float32Array(PIXELS_PER_IMAGE), -1), /no room/)
})

t.test('prepareImage goes from bytes to one model input', async (t) => {
  const png = await gradient(300, 200).png().toBuffer()
  const { input } = await prepareImage(png)
  t.equal(input.length, PIXELS_PER_IMAGE)
  t.same(input, await tfjsReference(displayedPixels(await decodeImage(png))))
  await t.rejects(prepareImage(png, { maxInputPixels: 100 }), { name: 'ImageDecodeError', code: 'FG_IMAGE_TOO_LARGE', message: /over the 100-pixel limit/ })
})
