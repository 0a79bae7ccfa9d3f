import { fileURLToPath } from 'node:url'
import onnxProto from 'onnx-proto'
import sharp, { type Sharp } from 'sharp'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const modelPath = fileURLToPath(new URL('../../models/image/nsfwjs-mobilenetv2.onnx', import.meta.url))
/** PDQ's reference photos (test/fixtures/pdq/SOURCE.txt). */
export const pdqImages = fileURLToPath(new URL('../fixtures/pdq/', import.meta.url))

/** Deterministic pseudo-random bytes (mulberry32), so synthetic images are the same on every run. */
export function seededBytes(length: number, seed: number): Uint8Array {
  let state = seed >>> 0
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff
  }
  return out
}

export function rawImage(width: number, height: number, channels: 3 | 4, pixel: (x: number, y: number, c: number) => number): Sharp {
  const data = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = pixel(x, y, c)
    }
  }
  return sharp(data, { raw: { width, height, channels } })
}

/** A diagonal RGB gradient. */
export function gradient(width: number, height: number): Sharp {
  return rawImage(width, height, 3, (x, y, c) =>
    Math.round(c === 0 ? (255 * x) / Math.max(1, width - 1) : c === 1 ? (255 * y) / Math.max(1, height - 1) : (255 * (x + y)) / Math.max(1, width + height - 2))
  )
}

export function noise(width: number, height: number, seed: number, channels: 3 | 4 = 3): Sharp {
  const bytes = seededBytes(width * height * channels, seed)
  return sharp(Buffer.from(bytes), { raw: { width, height, channels } })
}

/**
 * Where displayed pixel (x, y) comes from in the stored image, for each EXIF orientation (TIFF/EXIF
 * spec: 1 as stored, 2 mirrored, 3 rotated 180°, 4 flipped, 5 transposed, 6 rotated 90° clockwise,
 * 7 transversed, 8 rotated 90° anticlockwise). This is what a browser shows.
 */
export function orientedSource(orientation: number, x: number, y: number, storedWidth: number, storedHeight: number): [number, number] {
  const w = storedWidth - 1
  const h = storedHeight - 1
  switch (orientation) {
    case 2: return [w - x, y]
    case 3: return [w - x, h - y]
    case 4: return [x, h - y]
    case 5: return [y, x]
    case 6: return [y, h - x]
    case 7: return [w - y, h - x]
    case 8: return [w - y, x]
    default: return [x, y]
  }
}

/**
 * An independent reading of an image as a browser hands it to `tf.browser.fromPixels`: the stored
 * pixels (decoded by sharp without orientation), turned per the EXIF orientation, with fully
 * transparent pixels black, as int32 RGB (what `fromPixels` returns).
 */
export async function browserPixels(input: Buffer): Promise<{ width: number; height: number; data: Int32Array }> {
  const { orientation = 1 } = await sharp(input).metadata()
  const { data, info } = await sharp(input).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  const swapped = orientation >= 5
  const width = swapped ? info.height : info.width
  const height = swapped ? info.width : info.height
  const out = new Int32Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = orientedSource(orientation, x, y, info.width, info.height)
      const p = (sy * info.width + sx) * 4
      if (data[p + 3] === 0) continue
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = data[p + c] as number
    }
  }
  return { width, height, data: out }
}

/** The stored image for a given orientation, such that a viewer applying it shows `upright`. */
export async function withOrientation(upright: { width: number; height: number; data: Uint8Array }, orientation: number): Promise<Buffer> {
  const swapped = orientation >= 5
  const storedWidth = swapped ? upright.height : upright.width
  const storedHeight = swapped ? upright.width : upright.height
  const stored = Buffer.alloc(upright.data.length)
  for (let y = 0; y < upright.height; y++) {
    for (let x = 0; x < upright.width; x++) {
      const [sx, sy] = orientedSource(orientation, x, y, storedWidth, storedHeight)
      for (let c = 0; c < 3; c++) stored[(sy * storedWidth + sx) * 3 + c] = upright.data[(y * upright.width + x) * 3 + c] as number
    }
  }
  // Lossless WebP keeps every pixel exact and carries the EXIF orientation tag.
  return sharp(stored, { raw: { width: storedWidth, height: storedHeight, channels: 3 } })
    .withMetadata({ orientation })
    .webp({ lossless: true })
    .toBuffer()
}

/** A valid ONNX model, `y = Identity(x)` over float[2], whose names are not the image model's. */
export function identityModel(): Uint8Array {
  const { onnx } = onnxProto
  const type = { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } }
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'identity',
      node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type }],
      output: [{ name: 'y', type }]
    }
  }).finish()
}
