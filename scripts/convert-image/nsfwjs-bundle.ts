/**
 * Reads the MobileNetV2 model that the `nsfwjs` package bundles: a Keras model serialised for
 * TensorFlow.js (`modelTopology` + `weightsManifest`), its weights as one base64 shard, every weight
 * quantised to uint8 with a per-tensor affine map `value = q * scale + min`.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

export interface KerasLayer {
  name: string
  class_name: string
  config: Record<string, unknown>
  /** Keras' nested form: [[[layerName, nodeIndex, tensorIndex, kwargs], ...]] */
  inbound_nodes: Array<Array<[string, number, number, unknown]>>
}

export interface QuantisedWeight {
  name: string
  shape: number[]
  /** The uint8 codes exactly as stored in the shard. */
  codes: Uint8Array
  scale: number
  min: number
}

export interface NsfwjsBundle {
  packageVersion: string
  layers: KerasLayer[]
  inputLayer: string
  outputLayer: string
  weights: Map<string, QuantisedWeight>
  /** sha256 of the bundle files read, for the model card's provenance. */
  sourceFiles: Array<{ path: string; sha256: string }>
}

interface WeightSpec {
  name: string
  shape: number[]
  dtype: string
  quantization?: { dtype: string; scale?: number; min?: number }
}

interface ModelJson {
  modelTopology: {
    keras_version: string
    model_config: {
      class_name: string
      config: { layers: KerasLayer[]; input_layers: Array<[string, number, number]>; output_layers: Array<[string, number, number]> }
    }
  }
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

export function readNsfwjsMobileNetV2(): NsfwjsBundle {
  const packageRoot = join(dirname(require.resolve('nsfwjs')), '..', '..')
  const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
  const modelDir = join(packageRoot, 'dist', 'models', 'mobilenet_v2')
  const modelPath = join(modelDir, 'model.min.js')
  const modelJson = require(modelPath) as ModelJson

  const { config } = modelJson.modelTopology.model_config
  const inputLayer = config.input_layers[0]?.[0]
  const outputLayer = config.output_layers[0]?.[0]
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1 || !inputLayer || !outputLayer) {
    throw new Error('expected a single-input, single-output model')
  }

  const weights = new Map<string, QuantisedWeight>()
  const sourceFiles = [{ path: 'dist/models/mobilenet_v2/model.min.js', sha256: sha256(modelPath) }]
  for (const group of modelJson.weightsManifest) {
    // tfjs concatenates a group's shards and reads the weights from them in manifest order.
    const shards = group.paths.map((shardName) => {
      const shardPath = join(modelDir, `${shardName}.min.js`)
      sourceFiles.push({ path: `dist/models/mobilenet_v2/${shardName}.min.js`, sha256: sha256(shardPath) })
      return Buffer.from(require(shardPath) as string, 'base64')
    })
    const data = Buffer.concat(shards)
    let offset = 0
    for (const spec of group.weights) {
      const q = spec.quantization
      if (spec.dtype !== 'float32' || q?.dtype !== 'uint8' || q.scale === undefined || q.min === undefined) {
        throw new Error(`weight ${spec.name}: only uint8-quantised float32 weights are handled`)
      }
      const size = spec.shape.reduce((a, b) => a * b, 1)
      const codes = new Uint8Array(data.subarray(offset, offset + size))
      offset += size
      weights.set(spec.name, { name: spec.name, shape: spec.shape, codes, scale: q.scale, min: q.min })
    }
    if (offset !== data.length) throw new Error(`weight group ${group.paths.join(',')}: ${data.length - offset} bytes unread`)
  }

  return { packageVersion: packageJson.version, layers: config.layers, inputLayer, outputLayer, weights, sourceFiles }
}
