import onnxProto from 'onnx-proto'
import { CONTRIBUTIONS_OUTPUT, INDICES_INPUT, SCORES_OUTPUT, WEIGHTS_INPUT } from '../../src/text/model-spec.js'
import { decodeFloat16, encodeFloat16 } from './float16.js'
import type { TextModelWeights } from './model.js'

const { onnx } = onnxProto
const { DataType } = onnx.TensorProto

/** ONNX opset the graph is written for (ReduceSum and Unsqueeze take their axes as inputs since 13). */
export const OPSET = 17

export interface ExportMetadata {
  name: string
  version: string
  featurizer: string
  heads: readonly string[]
}

function tensor(name: string, dataType: number, dims: number[], rawData: Uint8Array) {
  return onnx.TensorProto.create({ name, dataType, dims, rawData })
}

const bytes = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength)

function valueInfo(name: string, elemType: number, dims: Array<string | number>) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) }
      }
    }
  })
}

function node(opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) {
  return onnx.NodeProto.create({ opType, input, output, name: output.join(','), attribute })
}

/**
 * Writes the model as a standard ONNX graph:
 * Gather(embedding float16, indices) → Cast float32 → × weights → ReduceSum over features → + bias →
 * × scale + shift (calibration) → Sigmoid.
 * The per-feature terms before the sum are a second output, `contributions` ([batch, width, heads]): they are
 * computed for the scores anyway, and onnxruntime hands them out only when asked (explanations).
 *
 * The weights ([batch, width]) are first spread over the heads by a MatMul with a row of ones: each value times
 * 1, nothing summed, so the same bits. onnxruntime's Mul broadcasting a last axis of 1 (`[batch, width, 1]`)
 * goes 6 values at a time and took about a third of a cold batch's run; over equal shapes it is one pass. A
 * cold batch of 50 captions: `session.run` ~25 → ~15 µs an item, the whole cold classify 1.01–1.40× as fast
 * (one thread, AMD EPYC, alternating rounds of `npm run bench:text`), scores bit for bit the same.
 */
export function exportOnnx(weights: TextModelWeights, meta: ExportMetadata): Uint8Array {
  const { buckets, heads } = weights
  const initializer = [
    tensor('embedding', DataType.FLOAT16, [buckets, heads], bytes(encodeFloat16(weights.embedding))),
    tensor('bias', DataType.FLOAT, [heads], bytes(Float32Array.from(weights.bias))),
    tensor('calibration_scale', DataType.FLOAT, [heads], bytes(Float32Array.from(weights.scale))),
    tensor('calibration_shift', DataType.FLOAT, [heads], bytes(Float32Array.from(weights.shift))),
    tensor('feature_axis', DataType.INT64, [1], bytes(BigInt64Array.of(1n))),
    tensor('last_axis', DataType.INT64, [1], bytes(BigInt64Array.of(2n))),
    tensor('heads_ones', DataType.FLOAT, [1, heads], bytes(new Float32Array(heads).fill(1)))
  ]
  const graph = onnx.GraphProto.create({
    name: meta.name,
    input: [valueInfo(INDICES_INPUT, DataType.INT32, ['batch', 'width']), valueInfo(WEIGHTS_INPUT, DataType.FLOAT, ['batch', 'width'])],
    output: [
      valueInfo(SCORES_OUTPUT, DataType.FLOAT, ['batch', heads]),
      valueInfo(CONTRIBUTIONS_OUTPUT, DataType.FLOAT, ['batch', 'width', heads])
    ],
    initializer,
    node: [
      node('Gather', ['embedding', INDICES_INPUT], ['rows_f16'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Cast', ['rows_f16'], ['rows'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DataType.FLOAT }]),
      node('Unsqueeze', [WEIGHTS_INPUT, 'last_axis'], ['feature_weights']),
      node('MatMul', ['feature_weights', 'heads_ones'], ['feature_weights_per_head']),
      node('Mul', ['rows', 'feature_weights_per_head'], [CONTRIBUTIONS_OUTPUT]),
      node('ReduceSum', [CONTRIBUTIONS_OUTPUT, 'feature_axis'], ['sums'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
      node('Add', ['sums', 'bias'], ['logits']),
      node('Mul', ['logits', 'calibration_scale'], ['scaled_logits']),
      node('Add', ['scaled_logits', 'calibration_shift'], ['calibrated_logits']),
      node('Sigmoid', ['calibrated_logits'], [SCORES_OUTPUT])
    ]
  })
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'feedguard',
    producerVersion: meta.version,
    modelVersion: 1,
    docString: `${meta.name}@${meta.version}: heads ${meta.heads.join(', ')}; featuriser ${meta.featurizer}`,
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
    metadataProps: [
      { key: 'name', value: meta.name },
      { key: 'version', value: meta.version },
      { key: 'featuriser', value: meta.featurizer },
      { key: 'heads', value: meta.heads.join(',') }
    ]
  })
  return onnx.ModelProto.encode(model).finish()
}

function initializer(model: onnxProto.onnx.ModelProto, name: string): Uint8Array {
  const found = model.graph?.initializer?.find((t) => t.name === name)
  if (!found?.rawData) throw new Error(`model has no initializer "${name}"`)
  // a copy: protobuf's views may be unaligned slices of the file
  return Uint8Array.from(found.rawData)
}

/**
 * Reads the weights back out of an exported model, for checking the served graph against the training
 * code's own forward pass.
 */
export function readOnnxWeights(file: Uint8Array): TextModelWeights {
  const model = onnx.ModelProto.decode(file)
  const halves = new Uint16Array(initializer(model, 'embedding').buffer)
  const floats = (name: string) => new Float32Array(initializer(model, name).buffer)
  const bias = floats('bias')
  const heads = bias.length
  return {
    buckets: halves.length / heads,
    heads,
    embedding: decodeFloat16(halves),
    bias,
    scale: floats('calibration_scale'),
    shift: floats('calibration_shift')
  }
}
