import onnxProto from 'onnx-proto'
import ort from 'onnxruntime-node'
import t from 'tap'
import { CONTRIBUTIONS_OUTPUT, INDICES_INPUT, SCORES_OUTPUT, WEIGHTS_INPUT } from '../../../src/text/model-spec.js'
import { roundToFloat16 } from '../../../scripts/train-text/float16.js'
import { createRandom } from '../../../bench/random.js'
import { predict, type TextModelWeights } from '../../../scripts/train-text/model.js'
import { OPSET, exportOnnx, readOnnxWeights } from '../../../scripts/train-text/onnx-export.js'

const BUCKETS = 256
const HEADS = 6

function randomWeights(): TextModelWeights {
  const random = createRandom(11)
  const values = (n: number, spread: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * spread)
  return {
    buckets: BUCKETS,
    heads: HEADS,
    embedding: roundToFloat16(values(BUCKETS * HEADS, 3)),
    bias: values(HEADS, 1),
    scale: Float32Array.from(values(HEADS, 0.5), (x) => 1 + x),
    shift: values(HEADS, 1)
  }
}

const meta = { name: 'test-text', version: '0.0.1', featurizer: 'fg-test', heads: ['a', 'b', 'c', 'd', 'e', 'f'] }

t.test('the exported graph computes the reference forward pass', async (t) => {
  const weights = randomWeights()
  const file = exportOnnx(weights, meta)
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 })
  t.teardown(() => session.release())
  t.same(session.inputNames, [INDICES_INPUT, WEIGHTS_INPUT])
  t.same(session.outputNames, [SCORES_OUTPUT, CONTRIBUTIONS_OUTPUT])

  const random = createRandom(5)
  const rows = Array.from({ length: 7 }, (_, r) => {
    const n = r === 0 ? 0 : 1 + Math.floor(random() * 12)
    const indices = Int32Array.from({ length: n }, () => Math.floor(random() * BUCKETS))
    return { indices, weights: Float32Array.from({ length: n }, () => random()) }
  })
  const width = Math.max(...rows.map((r) => r.indices.length))
  const indices = new Int32Array(rows.length * width)
  const values = new Float32Array(rows.length * width)
  rows.forEach((row, r) => {
    indices.set(row.indices, r * width)
    values.set(row.weights, r * width)
  })
  const dims = [rows.length, width]
  const out = await session.run({ [INDICES_INPUT]: new ort.Tensor('int32', indices, dims), [WEIGHTS_INPUT]: new ort.Tensor('float32', values, dims) })
  const served = (out[SCORES_OUTPUT] as ort.Tensor).data as Float32Array
  const reference = predict(weights, rows)
  let max = 0
  reference.forEach((row, r) => row.forEach((p, k) => (max = Math.max(max, Math.abs(p - served[r * HEADS + k]!)))))
  t.ok(max < 1e-6, `max difference ${max}`)

  // contributions: each feature's embedding row × its weight, exactly as float32 multiplies them (spreading the
  // weights over the heads changes no bit); padding contributes 0
  const terms = await session.run({ [INDICES_INPUT]: new ort.Tensor('int32', indices, dims), [WEIGHTS_INPUT]: new ort.Tensor('float32', values, dims) }, [CONTRIBUTIONS_OUTPUT])
  const contributions = terms[CONTRIBUTIONS_OUTPUT] as ort.Tensor
  t.same(contributions.dims, [rows.length, width, HEADS])
  const data = contributions.data as Float32Array
  let differing = 0
  rows.forEach((row, r) => {
    for (let j = 0; j < width; j++) {
      for (let k = 0; k < HEADS; k++) {
        const expected = j < row.indices.length ? Math.fround(weights.embedding[row.indices[j]! * HEADS + k]! * Math.fround(row.weights[j]!)) : 0
        if (expected !== data[(r * width + j) * HEADS + k]) differing++
      }
    }
  })
  t.equal(differing, 0, 'every contribution is the float32 product')
})

t.test('weights read back from the file are the exported ones', async (t) => {
  const weights = randomWeights()
  const back = readOnnxWeights(exportOnnx(weights, meta))
  t.equal(back.buckets, BUCKETS)
  t.equal(back.heads, HEADS)
  t.same(back.embedding, weights.embedding, 'float16-exact values survive the round trip')
  t.same(back.bias, weights.bias)
  t.same(back.scale, weights.scale)
  t.same(back.shift, weights.shift)
})

t.test('the file is standard ONNX with metadata', async (t) => {
  const model = onnxProto.onnx.ModelProto.decode(exportOnnx(randomWeights(), meta))
  t.equal(Number(model.opsetImport[0]?.version), OPSET)
  t.same(
    Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
    { name: 'test-text', version: '0.0.1', featuriser: 'fg-test', heads: 'a,b,c,d,e,f' }
  )
})

t.test('reading a model without the expected initializers fails clearly', async (t) => {
  const empty = onnxProto.onnx.ModelProto.encode(onnxProto.onnx.ModelProto.create({ graph: { name: 'x' } })).finish()
  t.throws(() => readOnnxWeights(empty), /no initializer "embedding"/)
  const none = onnxProto.onnx.ModelProto.encode(onnxProto.onnx.ModelProto.create({})).finish()
  t.throws(() => readOnnxWeights(none), /no initializer/)
})
