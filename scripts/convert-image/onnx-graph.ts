/** A small writer for ONNX graphs on top of the `onnx-proto` message classes. */
import onnxProto from 'onnx-proto'

export const { onnx } = onnxProto
type DataType = onnxProto.onnx.TensorProto.DataType
const { DataType } = onnx.TensorProto
const { AttributeType } = onnx.AttributeProto

export type AttributeValue = number | number[] | { float: number }

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value }
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value }
  return { name, type: AttributeType.FLOAT, f: value.float }
}

function littleEndianBytes(values: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.byteLength)
  const view = new DataView(bytes.buffer)
  const width = values.BYTES_PER_ELEMENT
  values.forEach((v, i) => {
    if (width === 4) view.setFloat32(i * 4, v, true)
    else view.setFloat64(i * 8, v, true)
  })
  return bytes
}

export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = []
  readonly initializers: onnxProto.onnx.ITensorProto[] = []
  private readonly nodeNames = new Set<string>()

  node(opType: string, inputs: string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    if (this.nodeNames.has(output)) throw new Error(`duplicate node output ${output}`)
    this.nodeNames.add(output)
    this.nodes.push({
      name: output,
      opType,
      input: inputs,
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value))
    })
    return output
  }

  private tensor(name: string, dims: number[], dataType: DataType, rawData: Uint8Array): string {
    this.initializers.push({ name, dims, dataType, rawData })
    return name
  }

  uint8(name: string, dims: number[], values: Uint8Array): string {
    return this.tensor(name, dims, DataType.UINT8, values)
  }

  float32(name: string, dims: number[], values: Float32Array): string {
    return this.tensor(name, dims, DataType.FLOAT, littleEndianBytes(values))
  }

  float64(name: string, dims: number[], values: Float64Array): string {
    return this.tensor(name, dims, DataType.DOUBLE, littleEndianBytes(values))
  }
}

export function floatTensorType(dims: Array<number | string>): onnxProto.onnx.ITypeProto {
  return {
    tensorType: {
      elemType: DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
    }
  }
}

export function encodeModel(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish()
}
