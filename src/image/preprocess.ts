/**
 * Turns image bytes into the model's input exactly as NSFWJS prepares an image for its MobileNetV2:
 *
 * 1. decode to 8-bit sRGB as a browser displays it — EXIF orientation applied, embedded colour profile
 *    converted to sRGB, first frame of an animation, fully transparent pixels black (what
 *    `tf.browser.fromPixels` reads back from a canvas), alpha dropped;
 * 2. `pixel / 255` in float32 (`img.toFloat().div(255)`);
 * 3. `tf.image.resizeBilinear(…, [224, 224], alignCorners = true)` on those floats, reproduced here
 *    operation for operation (tfjs' CPU kernel interpolates in double precision and stores float32),
 *    skipped by tfjs when the image is already 224×224 (with a ratio of 1 it is the identity anyway);
 * 4. laid out planar (CHW), the ONNX model's layout, where tfjs keeps HWC.
 */
import sharp, { type OutputInfo } from 'sharp'
import { FeedguardError } from '../errors.js'
import { CHANNELS, IMAGE_SIZE, PIXELS_PER_IMAGE } from './model-spec.js'

/** 4096 × 4096: far above any thumbnail, and bounds a decode to 64 MiB of RGBA. */
export const DEFAULT_MAX_INPUT_PIXELS = 4096 * 4096

/** Raster formats browsers display in an `<img>`; anything else (SVG, PDF, TIFF, raw …) is refused. */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif'])

export interface DecodeOptions {
  /** Refuse images whose width × height exceeds this, before decoding any pixel (decompression bombs). */
  maxInputPixels?: number
}

/** An image decoded to 8-bit RGB, row-major, interleaved (HWC). */
export interface DecodedImage {
  width: number
  height: number
  data: Uint8Array
}

export type ImageErrorCode = 'FG_IMAGE_INVALID' | 'FG_IMAGE_TOO_LARGE'

export class ImageDecodeError extends FeedguardError {
  constructor(
    override readonly code: ImageErrorCode,
    readonly reason: string,
    readonly subject?: string
  ) {
    super(code, 400, subject === undefined ? reason : `${subject}: ${reason}`, subject === undefined ? undefined : [{ path: subject, message: reason }])
    this.name = 'ImageDecodeError'
  }

  /** The same error, naming the image it is about (e.g. `items[3].image.data`). */
  about(subject: string): ImageDecodeError {
    return new ImageDecodeError(this.code, this.reason, subject)
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Strict base64 (standard alphabet, padded). Node's own decoder skips characters it does not know,
 * which would turn garbage into bytes; here garbage is an error.
 */
export function bytesFromBase64(data: string): Buffer {
  if (!BASE64.test(data)) throw new ImageDecodeError('FG_IMAGE_INVALID', 'image data is not valid base64')
  return Buffer.from(data, 'base64')
}

export async function decodeImage(input: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS
  let format: string
  let width: number
  let height: number
  let hasAlpha: boolean
  try {
    // Reads the header only: no pixel is decoded before the format and the size are known to be fine.
    ;({ format, width, height, hasAlpha } = await sharp(input).metadata())
  } catch (err) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `not a decodable image: ${(err as Error).message}`)
  }
  if (!ACCEPTED_FORMATS.has(format)) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `image format ${format} is not accepted`)
  }
  if (width * height > maxInputPixels) {
    throw new ImageDecodeError('FG_IMAGE_TOO_LARGE', `image is ${width}×${height}, over the ${maxInputPixels}-pixel limit`)
  }

  let decoded: { data: Buffer; info: OutputInfo }
  try {
    // limitInputPixels again, in case frames or layers decode larger than the header says;
    // failOn 'error': browsers display images with recoverable defects, so those must be scored too.
    const pipeline = sharp(input, { limitInputPixels: maxInputPixels, failOn: 'error', autoOrient: true, pages: 1 }).toColourspace('srgb')
    decoded = await (hasAlpha ? pipeline.ensureAlpha() : pipeline.removeAlpha()).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `image could not be decoded: ${(err as Error).message}`)
  }
  const { info, data } = decoded
  if (!hasAlpha) return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }
  const rgb = new Uint8Array(info.width * info.height * CHANNELS)
  for (let p = 0, q = 0; p < data.length; p += 4, q += 3) {
    if (data[p + 3] === 0) continue // fully transparent reads back as black from a canvas
    rgb[q] = data[p] as number
    rgb[q + 1] = data[p + 1] as number
    rgb[q + 2] = data[p + 2] as number
  }
  return { width: info.width, height: info.height, data: rgb }
}

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
  image: DecodedImage,
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

/** Bytes → model input (3 × 224 × 224 float32, CHW). */
export async function preprocessImage(input: Uint8Array, options: DecodeOptions = {}): Promise<Float32Array> {
  return toModelInput(await decodeImage(input, options))
}
