/**
 * The model's input from an image as displayed (decode.ts), exactly as NSFWJS prepares one for its
 * MobileNetV2 from the pixels a browser shows (EXIF orientation applied, fully transparent pixels
 * black, first frame):
 *
 * 1. `pixel / 255` in float32 (`img.toFloat().div(255)`);
 * 2. `tf.image.resizeBilinear(…, [224, 224], alignCorners = true)` on those floats, reproduced here
 *    operation for operation (tfjs' CPU kernel interpolates in double precision and stores float32),
 *    skipped by tfjs when the image is already 224×224 (with a ratio of 1 it is the identity anyway);
 * 3. laid out planar (CHW), the ONNX model's layout, where tfjs keeps HWC.
 */
import type { RgbImage } from './decode.js'
import { CHANNELS, IMAGE_SIZE, PIXELS_PER_IMAGE } from './model-spec.js'

/** float32(v / 255) for every byte value: what `toFloat().div(255)` yields in tfjs. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255)

interface SamplingAxis {
  low: Int32Array
  high: Int32Array
  frac: Float64Array
}

/**
 * tfjs' resizeBilinear source coordinates along one axis, with alignCorners and without half-pixel
 * centres: output index i samples input coordinate i × (inSize − 1) / (outSize − 1).
 */
function samplingAxis(inSize: number, outSize: number): SamplingAxis {
  const ratio = (inSize - 1) / (outSize - 1)
  const low = new Int32Array(outSize)
  const high = new Int32Array(outSize)
  const frac = new Float64Array(outSize)
  for (let i = 0; i < outSize; i++) {
    const source = ratio * i
    const floor = Math.max(0, Math.floor(source))
    low[i] = floor
    high[i] = Math.min(inSize - 1, Math.ceil(source))
    frac[i] = source - floor
  }
  return { low, high, frac }
}

/**
 * Writes the model input for one decoded image (3 × 224 × 224 float32, CHW) into `target` at `offset`,
 * so a batch can be assembled in one buffer without copies.
 */
export function toModelInput(
  image: RgbImage,
  target: Float32Array = new Float32Array(PIXELS_PER_IMAGE),
  offset = 0
): Float32Array {
  const { width, height, data } = image
  if (width < 1 || height < 1 || data.length !== width * height * CHANNELS) {
    throw new RangeError(`decoded image is ${width}×${height} with ${data.length} bytes`)
  }
  if (offset < 0 || offset + PIXELS_PER_IMAGE > target.length) {
    throw new RangeError(`no room for an image at offset ${offset} of a ${target.length}-float buffer`)
  }
  const rows = samplingAxis(height, IMAGE_SIZE)
  const cols = samplingAxis(width, IMAGE_SIZE)
  const plane = IMAGE_SIZE * IMAGE_SIZE
  const rowStride = width * CHANNELS
  for (let r = 0; r < IMAGE_SIZE; r++) {
    const top = (rows.low[r] as number) * rowStride
    const bottom = (rows.high[r] as number) * rowStride
    const rowFrac = rows.frac[r] as number
    for (let c = 0; c < IMAGE_SIZE; c++) {
      const left = (cols.low[c] as number) * CHANNELS
      const right = (cols.high[c] as number) * CHANNELS
      const colFrac = cols.frac[c] as number
      const out = offset + r * IMAGE_SIZE + c
      for (let ch = 0; ch < CHANNELS; ch++) {
        const topLeft = UNIT[data[top + left + ch] as number] as number
        const topRight = UNIT[data[top + right + ch] as number] as number
        const bottomLeft = UNIT[data[bottom + left + ch] as number] as number
        const bottomRight = UNIT[data[bottom + right + ch] as number] as number
        const upper = topLeft + (topRight - topLeft) * colFrac
        const lower = bottomLeft + (bottomRight - bottomLeft) * colFrac
        target[out + ch * plane] = upper + (lower - upper) * rowFrac
      }
    }
  }
  return target
}
