/**
 * PDQ, the perceptual image hash published by Meta (facebook/ThreatExchange, `pdq/`), so that feedguard's
 * hashes can be compared with hash banks shared across the industry.
 *
 * Pipeline: luminance → (images larger than 512 px are first shrunk to fit 512×512, keeping their aspect
 * ratio) → two X,Y passes of a box filter (Jarosz: a tent filter) → 64×64 decimation → the 16×16
 * lowest non-constant DCT coefficients → one bit per coefficient: above their median or not.
 */

/**
 * A 256-bit PDQ hash as 16 words of 16 bits, laid out like the reference: word `i` holds DCT row `i`,
 * bit `j` of it DCT column `j`. The hex form prints word 15 first.
 */
export type PdqHash = Uint16Array

export const PDQ_HASH_WORDS = 16
export const PDQ_HASH_BITS = 256

/**
 * `quality` (0–100) measures the image's gradients: a flat or featureless image scores low, and its hash
 * is little more than noise, so matching should skip hashes below a threshold.
 */
export interface PdqResult {
  hash: PdqHash
  quality: number
}

/** Raw 8-bit pixels, row-major, `channels` interleaved: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
export interface RawPixels {
  pixels: Uint8Array
  width: number
  height: number
  channels: number
}

/** The 8 dihedral transforms, in the reference's order. */
export const DIHEDRAL_TRANSFORMS = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1'
] as const
export type DihedralTransform = (typeof DIHEDRAL_TRANSFORMS)[number]

export interface PdqDihedralResult {
  /**
   * The hash the image would have after each transform: rotations are counter-clockwise, `flipX` mirrors
   * top to bottom, `flipY` left to right, `flipPlus1` about the main diagonal, `flipMinus1` the other.
   */
  hashes: Record<DihedralTransform, PdqHash>
  quality: number
}

// ITU-R BT.601 luma, as the reference.
const LUMA_FROM_R = 0.299
const LUMA_FROM_G = 0.587
const LUMA_FROM_B = 0.114

// The reference gives smaller images an all-zero hash of quality 0.
const MIN_HASHABLE_DIMENSION = 5
// Larger images are shrunk to fit 512×512, keeping their aspect ratio, before filtering: the reference
// hashes (the Python hasher's `thumbnail((512, 512))`) were made that way, and it bounds the cost.
const MAX_HASHED_DIMENSION = 512
const DECIMATED_SIZE = 64
const DCT_SIZE = 16
const JAROSZ_PASSES = 2

/**
 * Rows 1..16 of the 64-point DCT-II basis (row 0, the mean, carries no structure): entry (k, n) is
 * sqrt(2/64)·cos(π/128 · (k+1) · (2n+1)).
 */
const DCT_BASIS = (() => {
  const basis = new Float64Array(DCT_SIZE * DECIMATED_SIZE)
  const scale = Math.sqrt(2 / DECIMATED_SIZE)
  for (let k = 0; k < DCT_SIZE; k++) {
    for (let n = 0; n < DECIMATED_SIZE; n++) {
      basis[k * DECIMATED_SIZE + n] = scale * Math.cos((Math.PI / (2 * DECIMATED_SIZE)) * (k + 1) * (2 * n + 1))
    }
  }
  return basis
})()

/** PDQ hash and quality of an image given as raw pixels. */
export function pdqFromRgb(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number
): PdqResult {
  const { coefficients, quality } = pdqCoefficients({ pixels, width, height, channels })
  return { hash: coefficients === undefined ? new Uint16Array(PDQ_HASH_WORDS) : bitsAboveMedian(coefficients), quality }
}

/**
 * The hashes the image would have under each of the 8 rotations and flips. They are derived from the one
 * DCT, as the reference does (see `DIHEDRAL_STEPS`), so no pixel work is repeated: matching all 8 against
 * a bank finds rotated or mirrored copies, including photos whose EXIF orientation was not applied.
 */
export function pdqDihedral(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number
): PdqDihedralResult {
  const { coefficients, quality } = pdqCoefficients({ pixels, width, height, channels })
  const hashes = {} as Record<DihedralTransform, PdqHash>
  for (const transform of DIHEDRAL_TRANSFORMS) {
    hashes[transform] =
      coefficients === undefined
        ? new Uint16Array(PDQ_HASH_WORDS)
        : bitsAboveMedian(transformCoefficients(coefficients, transform))
  }
  return { hashes, quality }
}

/** Number of differing bits, 0–256. */
export function hammingDistance(a: PdqHash, b: PdqHash): number {
  let distance = 0
  for (let i = 0; i < PDQ_HASH_WORDS; i++) distance += popcount32(a[i]! ^ b[i]!)
  return distance
}

/** Set bits of a 32-bit integer (SWAR: no loop, no table). */
export function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  v = (v + (v >>> 4)) & 0x0f0f0f0f
  return Math.imul(v, 0x01010101) >>> 24
}

/** 64 lowercase hex digits, most significant word first: the format of the reference tools. */
export function hashToHex(hash: PdqHash): string {
  let hex = ''
  for (let i = PDQ_HASH_WORDS - 1; i >= 0; i--) hex += hash[i]!.toString(16).padStart(4, '0')
  return hex
}

const HEX_HASH = /^[0-9a-f]{64}$/i

/** Parses {@link hashToHex}'s format; throws a RangeError on anything else. */
export function hashFromHex(hex: string): PdqHash {
  if (!HEX_HASH.test(hex)) throw new RangeError('a PDQ hash is 64 hexadecimal digits')
  const hash = new Uint16Array(PDQ_HASH_WORDS)
  for (let i = 0; i < PDQ_HASH_WORDS; i++) {
    const start = (PDQ_HASH_WORDS - 1 - i) * 4
    hash[i] = Number.parseInt(hex.slice(start, start + 4), 16)
  }
  return hash
}

interface Coefficients {
  /** 16×16 DCT coefficients, row-major; undefined when the image is too small to hash. */
  coefficients: Float64Array | undefined
  quality: number
}

function pdqCoefficients(image: RawPixels): Coefficients {
  validate(image)
  if (image.width < MIN_HASHABLE_DIMENSION || image.height < MIN_HASHABLE_DIMENSION) {
    return { coefficients: undefined, quality: 0 }
  }
  const { luma, rows, cols } = lumaOf(image)
  jaroszFilter(luma, rows, cols)
  const decimated = decimate(luma, rows, cols)
  return { coefficients: dct64To16(decimated), quality: qualityOf(decimated) }
}

function validate({ pixels, width, height, channels }: RawPixels): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image dimensions must be positive integers, got ${width}×${height}`)
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new RangeError(`channels must be 1 to 4, got ${channels}`)
  }
  if (pixels.length < width * height * channels) {
    throw new RangeError(`${pixels.length} bytes is too short for ${width}×${height}×${channels}`)
  }
}

/** Luminance as floats; images larger than 512 px are first shrunk to fit, as the reference does. */
function lumaOf(image: RawPixels): { luma: Float32Array; rows: number; cols: number } {
  const { width, height } = image
  const longSide = Math.max(width, height)
  if (longSide <= MAX_HASHED_DIMENSION) {
    const luma = new Float32Array(width * height)
    for (let y = 0; y < height; y++) lumaRow(image, y, luma, y * width)
    return { luma, rows: height, cols: width }
  }
  const scale = MAX_HASHED_DIMENSION / longSide
  const cols = Math.max(1, Math.round(width * scale))
  const rows = Math.max(1, Math.round(height * scale))
  return { luma: shrinkLuma(image, rows, cols), rows, cols }
}

function lumaRow({ pixels, width, channels }: RawPixels, y: number, out: Float32Array, outStart: number): void {
  let p = y * width * channels
  if (channels >= 3) {
    for (let x = 0; x < width; x++, p += channels) {
      out[outStart + x] = LUMA_FROM_R * pixels[p]! + LUMA_FROM_G * pixels[p + 1]! + LUMA_FROM_B * pixels[p + 2]!
    }
  } else {
    for (let x = 0; x < width; x++, p += channels) out[outStart + x] = pixels[p]!
  }
}

/**
 * Area-average downscale of the luminance (each output pixel is the mean of the source area it covers),
 * done row by row so that a large image never needs a full-size float copy.
 */
function shrinkLuma(image: RawPixels, rows: number, cols: number): Float32Array {
  const { width, height } = image
  const across = areaWeights(width, cols)
  const down = areaWeights(height, rows)
  const sourceRow = new Float32Array(width)
  // One spare sample at the end of each array takes the (zero) second share of the last source sample.
  const shrunkRow = new Float64Array(cols + 1)
  const accumulated = new Float64Array((rows + 1) * cols)
  for (let y = 0; y < height; y++) {
    lumaRow(image, y, sourceRow, 0)
    shrunkRow.fill(0)
    for (let x = 0; x < width; x++) {
      const value = sourceRow[x]!
      const k = across.first[x]!
      shrunkRow[k]! += value * across.firstShare[x]!
      shrunkRow[k + 1]! += value * across.secondShare[x]!
    }
    const top = down.first[y]! * cols
    const topShare = down.firstShare[y]!
    const bottomShare = down.secondShare[y]!
    for (let x = 0; x < cols; x++) {
      accumulated[top + x]! += shrunkRow[x]! * topShare
      accumulated[top + cols + x]! += shrunkRow[x]! * bottomShare
    }
  }
  const luma = new Float32Array(rows * cols)
  const area = (width / cols) * (height / rows)
  for (let i = 0; i < luma.length; i++) luma[i] = accumulated[i]! / area
  return luma
}

/**
 * When shrinking `from` samples to `to`, source sample `i` covers [i, i+1) and output sample `k` covers
 * [k·from/to, (k+1)·from/to): a source sample falls in one output sample, or straddles two. Returns for
 * each source sample the first output sample it falls in and its shares of the first and the next one.
 */
function areaWeights(from: number, to: number): { first: Uint32Array; firstShare: Float64Array; secondShare: Float64Array } {
  const first = new Uint32Array(from)
  const firstShare = new Float64Array(from)
  const secondShare = new Float64Array(from)
  for (let i = 0; i < from; i++) {
    const start = (i * to) / from
    const end = ((i + 1) * to) / from
    const k = Math.floor(start)
    first[i] = k
    firstShare[i] = end <= k + 1 ? 1 : (k + 1 - start) / (end - start)
    secondShare[i] = 1 - firstShare[i]!
  }
  return { first, firstShare, secondShare }
}

/**
 * Two X,Y passes of box filters approximate a tent filter (Jarosz, "Fast Image Convolutions", 2001).
 * Each window is half of what one 64×64 output pixel covers, rounded up, so the two passes together
 * average a full output pixel's footprint.
 *
 * A window of `w` samples is placed like the reference's: for output `i` it covers
 * `i - (w - ahead - 1) … i + ahead` with `ahead = floor(w / 2)` (even windows lean one sample forward),
 * clipped at the image's edges, where fewer samples are averaged.
 */
function jaroszFilter(luma: Float32Array, rows: number, cols: number): void {
  const windowAlongRows = jaroszWindowSize(cols)
  const windowAlongCols = jaroszWindowSize(rows)
  const scratch = new Float32Array(luma.length)
  const columnSums = new Float64Array(cols)
  for (let pass = 0; pass < JAROSZ_PASSES; pass++) {
    boxAlongRows(luma, scratch, rows, cols, windowAlongRows)
    boxAlongColumns(scratch, luma, rows, cols, windowAlongCols, columnSums)
  }
}

function jaroszWindowSize(dimension: number): number {
  return Math.floor((dimension + 2 * DECIMATED_SIZE - 1) / (2 * DECIMATED_SIZE))
}

/** Box filter along each row, with a running sum. */
function boxAlongRows(input: Float32Array, output: Float32Array, rows: number, cols: number, window: number): void {
  const ahead = window >> 1
  const behind = window - ahead - 1
  for (let y = 0; y < rows; y++) {
    const row = y * cols
    let sum = 0
    let count = 0
    for (let x = 0; x < ahead; x++, count++) sum += input[row + x]!
    for (let x = 0; x < cols; x++) {
      if (x + ahead < cols) {
        sum += input[row + x + ahead]!
        count++
      }
      if (x - behind > 0) {
        sum -= input[row + x - behind - 1]!
        count--
      }
      output[row + x] = sum / count
    }
  }
}

/** Box filter down each column, done a row at a time so that memory is read in order. */
function boxAlongColumns(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  window: number,
  sums: Float64Array
): void {
  const ahead = window >> 1
  const behind = window - ahead - 1
  sums.fill(0)
  let count = 0
  for (let y = 0; y < ahead; y++, count++) addRow(sums, input, y * cols, 1)
  for (let y = 0; y < rows; y++) {
    if (y + ahead < rows) {
      addRow(sums, input, (y + ahead) * cols, 1)
      count++
    }
    if (y - behind > 0) {
      addRow(sums, input, (y - behind - 1) * cols, -1)
      count--
    }
    const row = y * cols
    for (let x = 0; x < cols; x++) output[row + x] = sums[x]! / count
  }
}

function addRow(sums: Float64Array, input: Float32Array, start: number, sign: number): void {
  for (let x = 0; x < sums.length; x++) sums[x]! += sign * input[start + x]!
}

/** Samples the filtered image at the centres of a 64×64 grid. */
function decimate(luma: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(DECIMATED_SIZE * DECIMATED_SIZE)
  for (let i = 0; i < DECIMATED_SIZE; i++) {
    const row = Math.floor(((i + 0.5) * rows) / DECIMATED_SIZE) * cols
    for (let j = 0; j < DECIMATED_SIZE; j++) {
      out[i * DECIMATED_SIZE + j] = luma[row + Math.floor(((j + 0.5) * cols) / DECIMATED_SIZE)]!
    }
  }
  return out
}

/**
 * Quality: the sum of the significant vertical and horizontal gradients of the 64×64 image
 * (each truncated to whole percent of full scale), scaled so that ordinary photos reach 100.
 */
function qualityOf(image: Float64Array): number {
  let gradients = 0
  for (let i = 0; i < DECIMATED_SIZE; i++) {
    for (let j = 0; j < DECIMATED_SIZE; j++) {
      const here = image[i * DECIMATED_SIZE + j]!
      if (i + 1 < DECIMATED_SIZE) gradients += Math.abs(Math.trunc(((here - image[(i + 1) * DECIMATED_SIZE + j]!) * 100) / 255))
      if (j + 1 < DECIMATED_SIZE) gradients += Math.abs(Math.trunc(((here - image[i * DECIMATED_SIZE + j + 1]!) * 100) / 255))
    }
  }
  return Math.min(100, Math.floor(gradients / 90))
}

/** The 16×16 low-frequency block of the 2-D DCT: D · A · Dᵀ with D the 16×64 basis. */
function dct64To16(image: Float64Array): Float64Array {
  const n = DECIMATED_SIZE
  const columns = new Float64Array(DCT_SIZE * n)
  for (let k = 0; k < DCT_SIZE; k++) {
    for (let r = 0; r < n; r++) {
      const weight = DCT_BASIS[k * n + r]!
      const imageRow = r * n
      const out = k * n
      for (let c = 0; c < n; c++) columns[out + c]! += weight * image[imageRow + c]!
    }
  }
  const result = new Float64Array(DCT_SIZE * DCT_SIZE)
  for (let k = 0; k < DCT_SIZE; k++) {
    for (let l = 0; l < DCT_SIZE; l++) {
      let sum = 0
      for (let c = 0; c < n; c++) sum += columns[k * n + c]! * DCT_BASIS[l * n + c]!
      result[k * DCT_SIZE + l] = sum
    }
  }
  return result
}

/**
 * Coefficient (k, l) measures frequency k+1 down the rows and l+1 across the columns. Mirroring the image
 * top to bottom multiplies it by (-1)^(k+1), left to right by (-1)^(l+1); swapping the image's axes
 * transposes the block. Each dihedral transform is some of those three.
 */
const DIHEDRAL_STEPS: Record<DihedralTransform, { mirrorRows: boolean; mirrorCols: boolean; transpose: boolean }> = {
  original: { mirrorRows: false, mirrorCols: false, transpose: false },
  rotate90: { mirrorRows: false, mirrorCols: true, transpose: true },
  rotate180: { mirrorRows: true, mirrorCols: true, transpose: false },
  rotate270: { mirrorRows: true, mirrorCols: false, transpose: true },
  flipX: { mirrorRows: true, mirrorCols: false, transpose: false },
  flipY: { mirrorRows: false, mirrorCols: true, transpose: false },
  flipPlus1: { mirrorRows: false, mirrorCols: false, transpose: true },
  flipMinus1: { mirrorRows: true, mirrorCols: true, transpose: true }
}

function transformCoefficients(coefficients: Float64Array, transform: DihedralTransform): Float64Array {
  const { mirrorRows, mirrorCols, transpose } = DIHEDRAL_STEPS[transform]
  const out = new Float64Array(DCT_SIZE * DCT_SIZE)
  for (let k = 0; k < DCT_SIZE; k++) {
    for (let l = 0; l < DCT_SIZE; l++) {
      // Index k is frequency k+1: odd frequencies (even k) change sign under a mirror.
      const negate = (mirrorRows && k % 2 === 0) !== (mirrorCols && l % 2 === 0)
      const value = coefficients[k * DCT_SIZE + l]!
      out[transpose ? l * DCT_SIZE + k : k * DCT_SIZE + l] = negate ? -value : value
    }
  }
  return out
}

/**
 * One bit per coefficient: set when it is above the median. The reference's median of the 256 values is
 * the lower one (the 128th smallest), so about half the bits are set.
 */
const LOWER_MEDIAN_INDEX = (DCT_SIZE * DCT_SIZE) / 2 - 1

function bitsAboveMedian(coefficients: Float64Array): PdqHash {
  const median = Float64Array.from(coefficients).sort()[LOWER_MEDIAN_INDEX]!
  const hash = new Uint16Array(PDQ_HASH_WORDS)
  for (let k = 0; k < DCT_SIZE; k++) {
    let word = 0
    for (let l = 0; l < DCT_SIZE; l++) if (coefficients[k * DCT_SIZE + l]! > median) word |= 1 << l
    hash[k] = word
  }
  return hash
}
