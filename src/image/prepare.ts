/**
 * One decode of an item's image for the scoring path, giving both things it needs:
 *
 * - the model input, exactly as `decodeImage` + `toModelInput` make it (EXIF orientation applied,
 *   fully transparent pixels black, bilinear to 224×224), and
 * - the PDQ hash of the full image as hash banks expect it: the stored pixels (EXIF orientation not
 *   applied, alpha ignored), as `decodeForPdq` reads them, so hashes match the reference hashers'.
 *
 * sharp decodes the stored pixels once; the orientation is then applied here, in memory (a pure
 * permutation of pixels, so the result is the same bytes sharp's `autoOrient` gives).
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp'
import { pdqDihedral, pdqFromRgb, type PdqHash } from '../pdq/pdq.js'
import { ACCEPTED_FORMATS, DEFAULT_MAX_INPUT_PIXELS, ImageDecodeError, toModelInput, type DecodedImage } from './preprocess.js'

/** The PDQ hash of an item's image (the shape the hash-bank matcher takes). */
export interface ImageHash {
  hash: PdqHash
  /** 0–100: a flat or featureless image scores low and its hash is mostly noise. */
  quality: number
  /** The hashes of the 8 rotations and flips, original first, when asked for. */
  variants?: readonly PdqHash[]
}

export interface PrepareOptions {
  /** Refuse images whose width × height exceeds this, before decoding any pixel. */
  maxInputPixels?: number
  /** Also compute the 8 dihedral PDQ variants (for banks that match rotated and mirrored copies). */
  pdqVariants?: boolean
}

export interface PreparedImage {
  /** The model input: 3 × 224 × 224 float32, CHW. */
  input: Float32Array
  hash: ImageHash
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
 * not display in an `<img>`, or more pixels than allowed (decompression bombs).
 */
export async function readImageHeader(bytes: Uint8Array, maxInputPixels = DEFAULT_MAX_INPUT_PIXELS): Promise<ImageHeader> {
  let metadata: Metadata
  try {
    metadata = await sharp(bytes).metadata()
  } catch (err) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `not a decodable image: ${(err as Error).message}`)
  }
  const { format, width, height, hasAlpha, orientation } = metadata
  if (!ACCEPTED_FORMATS.has(format)) throw new ImageDecodeError('FG_IMAGE_INVALID', `image format ${format} is not accepted`)
  if (width * height > maxInputPixels) {
    throw new ImageDecodeError('FG_IMAGE_TOO_LARGE', `image is ${width}×${height}, over the ${maxInputPixels}-pixel limit`)
  }
  return { format, width, height, hasAlpha, orientation: orientation !== undefined && orientation >= 1 && orientation <= 8 ? orientation : 1 }
}

/** Stored pixels, interleaved, 3 (RGB) or 4 (RGBA) channels. */
export interface StoredPixels {
  width: number
  height: number
  channels: 3 | 4
  data: Uint8Array
}

/**
 * The image as displayed, from its stored pixels: the EXIF orientation applied (TIFF/EXIF: 2 mirrored,
 * 3 rotated 180°, 4 flipped, 5 transposed, 6 rotated 90° clockwise, 7 transversed, 8 rotated 90°
 * anticlockwise) and fully transparent pixels black, as RGB.
 */
export function displayedPixels(stored: StoredPixels, orientation: number): DecodedImage {
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

export function imageHashOf(stored: StoredPixels, variants: boolean): ImageHash {
  const { data, width, height, channels } = stored
  if (!variants) return pdqFromRgb(data, width, height, channels)
  const { hashes, quality } = pdqDihedral(data, width, height, channels)
  return { hash: hashes.original, quality, variants: Object.values(hashes) }
}

/** Bytes → model input and PDQ hash, from one decode. Rejects with an ImageDecodeError. */
export async function prepareImage(bytes: Uint8Array, options: PrepareOptions = {}): Promise<PreparedImage> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS
  const header = await readImageHeader(bytes, maxInputPixels)
  let decoded: { data: Buffer; info: OutputInfo }
  try {
    // The same decode as `decodeImage`, without `autoOrient`: the hash needs the stored pixels.
    const pipeline = sharp(bytes, { limitInputPixels: maxInputPixels, failOn: 'error', pages: 1 }).toColourspace('srgb')
    decoded = await (header.hasAlpha ? pipeline.ensureAlpha() : pipeline.removeAlpha()).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw new ImageDecodeError('FG_IMAGE_INVALID', `image could not be decoded: ${(err as Error).message}`)
  }
  const { data, info } = decoded
  const stored: StoredPixels = {
    width: info.width,
    height: info.height,
    channels: header.hasAlpha ? 4 : 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length)
  }
  return {
    hash: imageHashOf(stored, options.pdqVariants === true),
    input: toModelInput(displayedPixels(stored, header.orientation))
  }
}
