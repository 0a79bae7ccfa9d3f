/**
 * The one place image bytes are decoded. Every image (an item's `image.data` or fetched `image.url`,
 * a hash bank entry's image, a benchmark's) is decoded here once, to what both its uses need:
 *
 * - the stored pixels, EXIF orientation not applied and alpha kept aside: what PDQ hashes, as the
 *   reference hashers (and so the hashes in shared banks) read an image;
 * - its EXIF orientation, which `displayedPixels` applies in memory (a pure permutation of pixels, the
 *   same bytes sharp's `autoOrient` gives) for the model, which sees the image as a browser shows it.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp'
import { FeedguardError } from '../errors.js'

/** 4096 × 4096: far above any thumbnail, and bounds a decode to 64 MiB of RGBA. */
export const DEFAULT_MAX_INPUT_PIXELS = 4096 * 4096

/** Raster formats browsers display in an `<img>`; anything else (SVG, PDF, TIFF, raw …) is refused. */
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif'])

export type ImageErrorCode = 'FG_IMAGE_INVALID' | 'FG_IMAGE_TOO_LARGE'

export class ImageDecodeError extends FeedguardError {
  constructor(
    override readonly code: ImageErrorCode,
    readonly reason: string
  ) {
    super(code, 400, reason)
    this.name = 'ImageDecodeError'
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

export interface DecodeOptions {
  /** Refuse images whose width × height exceeds this, before decoding any pixel (decompression bombs). Default DEFAULT_MAX_INPUT_PIXELS. */
  maxInputPixels?: number
  /**
   * Also take formats browsers do not display (TIFF, SVG, …), for images hashed but never shown (hash
   * bank entries are made from whatever a case file is). Default: ACCEPTED_FORMATS only.
   */
  anyFormat?: boolean
}

export interface ImageHeader {
  format: string
  /** As stored (before orientation). */
  width: number
  height: number
  hasAlpha: boolean
  /** EXIF orientation, 1–8 (1 when absent). */
  orientation: number
}

/**
 * Reads the header only and refuses what is not worth decoding: not an image, a format browsers do
 * not display in an `<img>` (unless `anyFormat`), or more pixels than allowed.
 */
export async function readImageHeader(bytes: Uint8Array, options: DecodeOptions = {}): Promise<ImageHeader> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS
  let metadata: Metadata
  try {
    metadata = await sharp(bytes).metadata()
  } catch (err) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `not a decodable image: ${(err as Error).message}`)
  }
  const { format, width, height, hasAlpha, orientation } = metadata
  if (!options.anyFormat && !ACCEPTED_FORMATS.has(format)) throw new ImageDecodeError('FG_IMAGE_INVALID', `image format ${format} is not accepted`)
  if (width * height > maxInputPixels) {
    throw new ImageDecodeError('FG_IMAGE_TOO_LARGE', `image is ${width}×${height}, over the ${maxInputPixels}-pixel limit`)
  }
  return { format, width, height, hasAlpha, orientation: orientation !== undefined && orientation >= 1 && orientation <= 8 ? orientation : 1 }
}

/** Stored pixels, 8-bit sRGB, interleaved: 3 (RGB) or 4 (RGBA) channels. */
export interface StoredPixels {
  width: number
  height: number
  channels: 3 | 4
  data: Uint8Array
}

/** One decode of an image: its stored pixels and the orientation a viewer applies to them. */
export interface DecodedImage {
  stored: StoredPixels
  /** EXIF orientation, 1–8. */
  orientation: number
}

/** An image as displayed: 8-bit RGB, row-major, interleaved (HWC). */
export interface RgbImage {
  width: number
  height: number
  data: Uint8Array
}

/**
 * Decodes an image's first frame to 8-bit sRGB (embedded colour profiles converted), after its header
 * passed `readImageHeader`. Rejects with an ImageDecodeError.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS
  const header = await readImageHeader(bytes, options)
  let decoded: { data: Buffer; info: OutputInfo }
  try {
    // limitInputPixels again, in case frames or layers decode larger than the header says;
    // failOn 'error': browsers display images with recoverable defects, so those must be scored too.
    const pipeline = sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'error', pages: 1 }).toColourspace('srgb')
    decoded = await (header.hasAlpha ? pipeline.ensureAlpha() : pipeline.removeAlpha()).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `image could not be decoded: ${(err as Error).message}`)
  }
  const { data, info } = decoded
  return {
    stored: { width: info.width, height: info.height, channels: header.hasAlpha ? 4 : 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
    orientation: header.orientation
  }
}

/**
 * The image as displayed: the EXIF orientation applied (TIFF/EXIF: 2 mirrored, 3 rotated 180°, 4
 * flipped, 5 transposed, 6 rotated 90° clockwise, 7 transversed, 8 rotated 90° anticlockwise) and
 * fully transparent pixels black (what a canvas reads back), as RGB.
 */
export function displayedPixels({ stored, orientation }: DecodedImage): RgbImage {
  const { width: w, height: h, channels: c, data } = stored
  if (orientation === 1 && c === 3) return { width: w, height: h, data }
  const row = w * c
  const right = (w - 1) * c
  const bottom = (h - 1) * row
  // Where displayed pixel (0, 0) comes from, and how far one displayed step right / down moves in the stored bytes.
  const [start, stepX, stepY] = (
    {
      2: [right, -c, row],
      3: [bottom + right, -c, -row],
      4: [bottom, c, -row],
      5: [0, row, c],
      6: [bottom, -row, c],
      7: [bottom + right, -row, -c],
      8: [right, row, -c]
    } as Record<number, [number, number, number]>
  )[orientation] ?? [0, c, row]
  const swapped = orientation >= 5
  const width = swapped ? h : w
  const height = swapped ? w : h
  const out = new Uint8Array(width * height * 3)
  for (let y = 0, q = 0; y < height; y++) {
    for (let x = 0, p = start + y * stepY; x < width; x++, p += stepX, q += 3) {
      if (c === 4 && data[p + 3] === 0) continue // fully transparent reads back as black from a canvas
      out[q] = data[p] as number
      out[q + 1] = data[p + 1] as number
      out[q + 2] = data[p + 2] as number
    }
  }
  return { width, height, data: out }
}
