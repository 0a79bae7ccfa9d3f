import t from 'tap'
import { decodeFloat16, encodeFloat16, fromFloat16Bits, roundToFloat16, toFloat16Bits } from '../../../scripts/train-text/float16.js'

t.test('exact values and special cases', async (t) => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00]
  ]
  for (const [value, bits] of cases) {
    t.equal(toFloat16Bits(value), bits, `${value} → ${bits.toString(16)}`)
    t.equal(fromFloat16Bits(bits), value, `${bits.toString(16)} → ${value}`)
  }
  t.equal(toFloat16Bits(NaN) & 0x7e00, 0x7e00, 'NaN stays NaN')
  t.ok(Number.isNaN(fromFloat16Bits(0x7e00)))
  t.equal(toFloat16Bits(1e6), 0x7c00, 'overflow → infinity')
  t.equal(toFloat16Bits(1e-9), 0, 'underflow → zero')
})

t.test('rounding is to nearest, ties to even, including subnormals and carries', async (t) => {
  t.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00, 'tie rounds down to even')
  t.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02, 'tie rounds up to even')
  t.equal(toFloat16Bits(1 + 2 ** -11 + 2 ** -20), 0x3c01, 'above the tie rounds up')
  t.equal(toFloat16Bits(2 ** -24 * 1.5), 0x0002, 'subnormal tie to even (up)')
  t.equal(toFloat16Bits(2 ** -24 * 2.5), 0x0002, 'subnormal tie to even (down)')
  t.equal(toFloat16Bits(2 ** -24 * 2.75), 0x0003, 'subnormal above the tie')
  t.equal(toFloat16Bits(2 - 2 ** -12), 0x4000, 'mantissa carry into the exponent')
})

t.test('round trip of many values stays within half a unit in the last place', async (t) => {
  const values = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 5))
  const bits = encodeFloat16(values)
  const rounded = roundToFloat16(Float32Array.from(values))
  t.same(decodeFloat16(bits), rounded, 'decoding gives the rounded values')
  let worst = 0
  values.forEach((v, i) => {
    t.equal(rounded[i], fromFloat16Bits(bits[i] as number))
    if (Math.abs(v) > 1e-4) worst = Math.max(worst, Math.abs((rounded[i] as number) - v) / Math.abs(v))
  })
  t.ok(worst <= 2 ** -11, `relative error ${worst}`)
})
