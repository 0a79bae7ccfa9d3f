/**
 * The PDQ hash of an image, the shape every hash-bank match takes. Computed from the stored pixels of
 * the full decoded image (decode.ts), never from a model's resized input.
 */
import { pdqDihedral, pdqFromRgb, type PdqHash } from '../pdq/pdq.js'
import { decodeImage, type DecodeOptions, type StoredPixels } from './decode.js'

export interface ImageHash {
  hash: PdqHash
  /** PDQ quality, 0–100: a flat or featureless image scores low and its hash is mostly noise. */
  quality: number
  /** The hashes of the 8 rotations and flips, original first, when asked for (dihedral matching). */
  variants?: readonly PdqHash[]
}

/** The hash of decoded stored pixels, with its 8 dihedral variants when `variants` is set. */
export function imageHashOf(stored: StoredPixels, variants: boolean): ImageHash {
  const { data, width, height, channels } = stored
  if (!variants) return pdqFromRgb(data, width, height, channels)
  const { hashes, quality } = pdqDihedral(data, width, height, channels)
  return { hash: hashes.original, quality, variants: Object.values(hashes) }
}

/** Decodes and hashes image bytes; rejects with an ImageDecodeError. */
export async function hashImage(bytes: Uint8Array, options: DecodeOptions & { variants?: boolean } = {}): Promise<ImageHash> {
  return imageHashOf((await decodeImage(bytes, options)).stored, options.variants === true)
}
