/**
 * IEEE 754 half precision, which halves the model file: the embedding is stored as float16 and the graph
 * casts it to float32 after the gather. Training rounds its weights through `roundToFloat16` before the
 * reference forward pass, so the reference and the served model use the very same numbers.
 */

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** The float16 bit pattern nearest to `value` (round half to even; overflow gives ±Infinity). */
export function toFloat16Bits(value: number): number {
  f32[0] = value
  const x = u32[0] as number
  const sign = (x >>> 16) & 0x8000
  const exponent = (x >>> 23) & 0xff
  let mantissa = x & 0x7fffff
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0)
  const e = exponent - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mantissa |= 0x800000
    const shift = 14 - e
    let half = mantissa >>> shift
    const rest = mantissa & ((1 << shift) - 1)
    const halfway = 1 << (shift - 1)
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++
    return sign | half
  }
  let half = (e << 10) | (mantissa >>> 13)
  const rest = mantissa & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++
  return sign | half
}

/** The value of a float16 bit pattern. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >>> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 0x1f) return mantissa !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

/** Float16 bit patterns of every value. */
export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i] as number)
  return out
}

let table: Float32Array | undefined

/** Values of float16 bit patterns (through a table of all 65,536: models hold millions of them). */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  table ??= Float32Array.from({ length: 65536 }, (_, b) => fromFloat16Bits(b))
  const values = table
  return Float32Array.from(bits, (b) => values[b] as number)
}

/** Rounds every value, in place, to the nearest float16 value. */
export function roundToFloat16(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = fromFloat16Bits(toFloat16Bits(values[i] as number))
  return values
}
