/**
 * Translates NSFWJS's Keras MobileNetV2 (NHWC, TensorFlow.js layers format) into an ONNX graph (NCHW).
 *
 * Weights stay as their uint8 codes; the graph turns them back into floats with
 * `float32(double(q) * scale + min)` — the exact arithmetic tfjs uses when it loads the model — built
 * from Cast/Mul/Add rather than DequantizeLinear because the tfjs zero point (-min/scale) is not an
 * integer. All inputs of that subgraph are initializers, so onnxruntime folds it once at session
 * creation and then fuses the batch norms into the convolutions: the file is small and inference runs
 * on plain float weights.
 */
import { GraphBuilder, floatTensorType, type AttributeValue } from './onnx-graph.js'
import type { KerasLayer, NsfwjsBundle, QuantisedWeight } from './nsfwjs-bundle.js'
import type onnxProto from 'onnx-proto'

/** Where a Keras layer's output lives in the ONNX graph, with its NCHW shape (batch excluded). */
interface TensorRef {
  name: string
  channels: number
  height: number
  width: number
  /** Padding of a Keras ZeroPadding2D not yet applied: folded into the next convolution's pads. */
  pendingPads?: { top: number; bottom: number; left: number; right: number }
}

function permuteCodes(codes: Uint8Array, shape: number[], order: number[]): { codes: Uint8Array; shape: number[] } {
  const outShape = order.map((axis) => shape[axis] as number)
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))
  const out = new Uint8Array(codes.length)
  const index = new Array<number>(outShape.length).fill(0)
  for (let o = 0; o < out.length; o++) {
    let source = 0
    for (let d = 0; d < order.length; d++) source += (index[d] as number) * (inStrides[order[d] as number] as number)
    out[o] = codes[source] as number
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1
      if ((index[d] as number) < (outShape[d] as number)) break
      index[d] = 0
    }
  }
  return { codes: out, shape: outShape }
}

function numberPair(value: unknown, what: string): [number, number] {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return value as [number, number]
  throw new Error(`${what}: expected a pair of numbers, got ${JSON.stringify(value)}`)
}

export interface ConvertedGraph {
  model: onnxProto.onnx.IModelProto
  nodeCount: number
  parameterCount: number
}

export function kerasToOnnx(bundle: NsfwjsBundle, options: {
  inputName: string
  outputName: string
  imageSize: number
  metadata: Record<string, string>
  docString: string
}): ConvertedGraph {
  const g = new GraphBuilder()
  const refs = new Map<string, TensorRef>()
  const usedWeights = new Set<string>()

  const weight = (layer: string, suffix: string): QuantisedWeight => {
    const name = `${layer}/${suffix}`
    const w = bundle.weights.get(name)
    if (!w) throw new Error(`missing weight ${name}`)
    usedWeights.add(name)
    return w
  }

  /** The float tensor for quantised codes already laid out as `shape`. */
  const dequantised = (w: QuantisedWeight, codes: Uint8Array, shape: number[]): string => {
    const q = g.uint8(`${w.name}:q`, shape, codes)
    const scale = g.float64(`${w.name}:scale`, [], new Float64Array([w.scale]))
    const min = g.float64(`${w.name}:min`, [], new Float64Array([w.min]))
    const asDouble = g.node('Cast', [q], `${w.name}:f64`, { to: 11 })
    const scaled = g.node('Mul', [asDouble, scale], `${w.name}:scaled`)
    const shifted = g.node('Add', [scaled, min], `${w.name}:shifted`)
    return g.node('Cast', [shifted], w.name, { to: 1 })
  }

  const relu6Min = g.float32('relu6:min', [], new Float32Array([0]))
  const relu6Max = g.float32('relu6:max', [], new Float32Array([6]))

  const inputOf = (layer: KerasLayer): TensorRef => {
    const inbound = layer.inbound_nodes[0]
    if (layer.inbound_nodes.length !== 1 || !inbound || inbound.length !== 1) {
      throw new Error(`${layer.name}: expected exactly one input`)
    }
    const ref = refs.get(inbound[0]?.[0] as string)
    if (!ref) throw new Error(`${layer.name}: input not converted yet`)
    return ref
  }
  const settled = (layer: KerasLayer, ref: TensorRef): TensorRef => {
    if (ref.pendingPads) throw new Error(`${layer.name}: zero padding must feed a convolution`)
    return ref
  }

  const convolution = (layer: KerasLayer, depthwise: boolean): TensorRef => {
    const c = layer.config
    const input = inputOf(layer)
    const [kh, kw] = numberPair(c.kernel_size, `${layer.name}.kernel_size`)
    const [sh, sw] = numberPair(c.strides, `${layer.name}.strides`)
    const [dh, dw] = numberPair(c.dilation_rate, `${layer.name}.dilation_rate`)
    if (dh !== 1 || dw !== 1) throw new Error(`${layer.name}: dilation is not handled`)
    if (c.use_bias !== false || c.activation !== 'linear') throw new Error(`${layer.name}: expected no bias and a linear activation`)

    const pads = { top: 0, bottom: 0, left: 0, right: 0, ...input.pendingPads }
    if (c.padding === 'same') {
      // Keras 'same' with stride 1 and an odd kernel pads (k - 1) / 2 on every side.
      if (sh !== 1 || sw !== 1 || kh % 2 === 0 || kw % 2 === 0 || input.pendingPads) {
        throw new Error(`${layer.name}: 'same' padding is handled for stride 1 and odd kernels only`)
      }
      pads.top = pads.bottom = (kh - 1) / 2
      pads.left = pads.right = (kw - 1) / 2
    } else if (c.padding !== 'valid') {
      throw new Error(`${layer.name}: padding ${String(c.padding)} is not handled`)
    }

    let kernel: string
    let outChannels: number
    let group = 1
    if (depthwise) {
      const w = weight(layer.name, 'depthwise_kernel')
      if (c.depth_multiplier !== 1 || w.shape[3] !== 1) throw new Error(`${layer.name}: depth multiplier must be 1`)
      // Keras [kh, kw, in, 1] → ONNX [in, 1, kh, kw] with one group per channel.
      const p = permuteCodes(w.codes, w.shape, [2, 3, 0, 1])
      kernel = dequantised(w, p.codes, p.shape)
      outChannels = input.channels
      group = input.channels
    } else {
      const w = weight(layer.name, 'kernel')
      if (w.shape[2] !== input.channels) throw new Error(`${layer.name}: channel mismatch`)
      // Keras [kh, kw, in, out] → ONNX [out, in, kh, kw].
      const p = permuteCodes(w.codes, w.shape, [3, 2, 0, 1])
      kernel = dequantised(w, p.codes, p.shape)
      outChannels = w.shape[3] as number
    }

    const attributes: Record<string, AttributeValue> = {
      kernel_shape: [kh, kw],
      strides: [sh, sw],
      pads: [pads.top, pads.left, pads.bottom, pads.right],
      dilations: [1, 1],
      group
    }
    const name = g.node('Conv', [input.name, kernel], layer.name, attributes)
    return {
      name,
      channels: outChannels,
      height: Math.floor((input.height + pads.top + pads.bottom - kh) / sh) + 1,
      width: Math.floor((input.width + pads.left + pads.right - kw) / sw) + 1
    }
  }

  const batchNorm = (layer: KerasLayer): TensorRef => {
    const c = layer.config
    const input = settled(layer, inputOf(layer))
    if (c.axis !== -1 && c.axis !== 3) throw new Error(`${layer.name}: batch norm must run over channels`)
    if (c.center !== true || c.scale !== true || typeof c.epsilon !== 'number') throw new Error(`${layer.name}: unexpected config`)
    const params = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((suffix) => {
      const w = weight(layer.name, suffix)
      if (w.shape.length !== 1 || w.shape[0] !== input.channels) throw new Error(`${w.name}: shape mismatch`)
      return dequantised(w, w.codes, w.shape)
    })
    const name = g.node('BatchNormalization', [input.name, ...params], layer.name, { epsilon: { float: c.epsilon } })
    return { ...input, name }
  }

  const dense = (layer: KerasLayer): TensorRef => {
    const c = layer.config
    const input = settled(layer, inputOf(layer))
    if (input.height !== 1 || input.width !== 1) throw new Error(`${layer.name}: expects a flat input`)
    const kernel = weight(layer.name, 'kernel')
    const bias = weight(layer.name, 'bias')
    if (c.use_bias !== true || kernel.shape[0] !== input.channels) throw new Error(`${layer.name}: shape mismatch`)
    const units = kernel.shape[1] as number
    // Keras stores the kernel as [in, out], which is Gemm's B without transposition.
    const matmul = g.node(
      'Gemm',
      [input.name, dequantised(kernel, kernel.codes, kernel.shape), dequantised(bias, bias.codes, bias.shape)],
      c.activation === 'linear' ? layer.name : `${layer.name}:linear`
    )
    let name = matmul
    if (c.activation === 'relu') name = g.node('Relu', [matmul], layer.name)
    else if (c.activation === 'softmax') name = g.node('Softmax', [matmul], layer.name, { axis: 1 })
    else if (c.activation !== 'linear') throw new Error(`${layer.name}: activation ${String(c.activation)} is not handled`)
    return { name, channels: units, height: 1, width: 1 }
  }

  for (const layer of bundle.layers) {
    const c = layer.config
    let ref: TensorRef
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = c.batch_input_shape
        if (!Array.isArray(shape) || shape[1] !== options.imageSize || shape[2] !== options.imageSize || shape[3] !== 3) {
          throw new Error(`unexpected input shape ${JSON.stringify(shape)}`)
        }
        ref = { name: options.inputName, channels: 3, height: options.imageSize, width: options.imageSize }
        break
      }
      case 'ZeroPadding2D': {
        const input = settled(layer, inputOf(layer))
        const padding = c.padding as unknown
        if (!Array.isArray(padding) || padding.length !== 2) throw new Error(`${layer.name}: unexpected padding`)
        const [top, bottom] = numberPair(padding[0], `${layer.name}.padding`)
        const [left, right] = numberPair(padding[1], `${layer.name}.padding`)
        ref = { ...input, pendingPads: { top, bottom, left, right } }
        break
      }
      case 'Conv2D':
        ref = convolution(layer, false)
        break
      case 'DepthwiseConv2D':
        ref = convolution(layer, true)
        break
      case 'BatchNormalization':
        ref = batchNorm(layer)
        break
      case 'ReLU': {
        const input = settled(layer, inputOf(layer))
        if (c.negative_slope !== 0 || c.threshold !== 0) throw new Error(`${layer.name}: only plain ReLU/ReLU6 are handled`)
        if (c.max_value === 6) ref = { ...input, name: g.node('Clip', [input.name, relu6Min, relu6Max], layer.name) }
        else if (c.max_value === null || c.max_value === undefined) ref = { ...input, name: g.node('Relu', [input.name], layer.name) }
        else throw new Error(`${layer.name}: max_value ${String(c.max_value)} is not handled`)
        break
      }
      case 'Add': {
        const inbound = layer.inbound_nodes[0] ?? []
        const inputs = inbound.map(([name]) => refs.get(name))
        const [a, b] = inputs
        if (inputs.length !== 2 || !a || !b || a.pendingPads || b.pendingPads || a.channels !== b.channels || a.height !== b.height) {
          throw new Error(`${layer.name}: expected two inputs of one shape`)
        }
        ref = { ...a, name: g.node('Add', [a.name, b.name], layer.name) }
        break
      }
      case 'AveragePooling2D': {
        const input = settled(layer, inputOf(layer))
        const [ph, pw] = numberPair(c.pool_size, `${layer.name}.pool_size`)
        const [sh, sw] = numberPair(c.strides, `${layer.name}.strides`)
        if (c.padding !== 'valid') throw new Error(`${layer.name}: only valid pooling is handled`)
        const name = g.node('AveragePool', [input.name], layer.name, { kernel_shape: [ph, pw], strides: [sh, sw] })
        ref = {
          name,
          channels: input.channels,
          height: Math.floor((input.height - ph) / sh) + 1,
          width: Math.floor((input.width - pw) / sw) + 1
        }
        break
      }
      case 'Flatten': {
        const input = settled(layer, inputOf(layer))
        // NHWC and NCHW flatten to the same order only when the spatial size is 1×1.
        if (input.height !== 1 || input.width !== 1) throw new Error(`${layer.name}: flatten of a ${input.height}×${input.width} map`)
        ref = { ...input, name: g.node('Flatten', [input.name], layer.name, { axis: 1 }) }
        break
      }
      case 'Dense':
        ref = dense(layer)
        break
      case 'Dropout':
        // Identity at inference.
        ref = settled(layer, inputOf(layer))
        break
      default:
        throw new Error(`${layer.name}: layer type ${layer.class_name} is not handled`)
    }
    refs.set(layer.name, ref)
  }

  const unused = [...bundle.weights.keys()].filter((name) => !usedWeights.has(name))
  if (unused.length > 0) throw new Error(`weights not used by the graph: ${unused.join(', ')}`)

  const output = refs.get(bundle.outputLayer)
  if (!output) throw new Error('output layer not converted')
  g.node('Identity', [output.name], options.outputName)

  const parameterCount = [...bundle.weights.values()].reduce((n, w) => n + w.codes.length, 0)
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'feedguard convert-image',
    producerVersion: '1',
    docString: options.docString,
    graph: {
      name: 'nsfwjs_mobilenet_v2',
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: options.inputName, type: floatTensorType(['batch', 3, options.imageSize, options.imageSize]) }],
      output: [{ name: options.outputName, type: floatTensorType(['batch', output.channels]) }]
    },
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value }))
  }
  return { model, nodeCount: g.nodes.length, parameterCount }
}
