import sharp from 'sharp'
import type { RawPixels } from './pdq.js'

/** Larger inputs are refused before decoding: a 50-megapixel photo already needs 150 MB decoded. */
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000

export interface DecodeForPdqOptions {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxInputPixels?: number
  /**
   * Apply the EXIF orientation before hashing. Off by default because the reference hashers (and so the
   * hashes in shared banks) use the stored pixels as they are; dihedral matching covers rotated copies.
   */
  autoOrient?: boolean
}

/** Decodes an encoded image (JPEG, PNG, WebP, GIF's first frame, …) to 8-bit RGB for {@link pdqFromRgb}. */
export async function decodeForPdq(
  encoded: Uint8Array,
  options: DecodeForPdqOptions = {}
): Promise<RawPixels> {
  const { data, info } = await sharp(encoded, {
    limitInputPixels: options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS,
    autoOrient: options.autoOrient ?? false
  })
    // The reference reads the colour channels and ignores alpha rather than compositing it.
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
  return { pixels: data, width: info.width, height: info.height, channels: info.channels }
}
