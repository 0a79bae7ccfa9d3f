/**
 * What the image thread does with an item image before the model: one decode (decode.ts), then its
 * PDQ hash from the stored pixels (handed out at once, so that hash-bank matching need not wait for the
 * model), then the model input from the pixels as displayed (model-input.ts).
 */
import { decodeImage, displayedPixels, type DecodeOptions } from './decode.js'
import { imageHashOf, type ImageHash } from './image-hash.js'
import { toModelInput } from './model-input.js'

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

/**
 * Bytes → PDQ hash and model input, from one decode. `onHashed` is called with the hash as soon as it is
 * known, before the model input is made. Rejects with an ImageDecodeError.
 */
export async function prepareImage(bytes: Uint8Array, options: PrepareOptions = {}, onHashed?: (hash: ImageHash) => void): Promise<PreparedImage> {
  const decodeOptions: DecodeOptions = options.maxInputPixels === undefined ? {} : { maxInputPixels: options.maxInputPixels }
  const image = await decodeImage(bytes, decodeOptions)
  const hash = imageHashOf(image.stored, options.pdqVariants === true)
  onHashed?.(hash)
  return { hash, input: toModelInput(displayedPixels(image)) }
}
