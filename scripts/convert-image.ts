/**
 * `npm run convert:image`: converts the MobileNetV2 weights bundled in the `nsfwjs` package into
 * `models/image/nsfwjs-mobilenetv2.onnx`, writes its model card and its entry in `models/manifest.json`.
 * Nothing is downloaded, and the output is byte-for-byte reproducible (`.ci/run` converts again and
 * requires an unchanged `models/`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  IMAGE_MODEL_FILE,
  IMAGE_MODEL_NAME,
  IMAGE_MODEL_VERSION,
  IMAGE_SIZE,
  MODEL_INPUT_NAME,
  MODEL_OUTPUT_NAME,
  NSFW_CLASSES,
  PREPROCESSING_ID
} from '../src/image/model-spec.js'
import { sha256 as sha256Of } from '../src/classifiers/manifest.js'
import { upsertManifestEntry } from './model-manifest.js'
import { IMAGE_CATEGORIES } from '../src/image/categories.js'
import { kerasToOnnx } from './convert-image/keras-to-onnx.js'
import { renderModelCard } from './convert-image/model-card.js'
import { readNsfwjsMobileNetV2 } from './convert-image/nsfwjs-bundle.js'
import { encodeModel } from './convert-image/onnx-graph.js'

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models')

const bundle = readNsfwjsMobileNetV2()
const converted = kerasToOnnx(bundle, {
  inputName: MODEL_INPUT_NAME,
  outputName: MODEL_OUTPUT_NAME,
  imageSize: IMAGE_SIZE,
  docString: `NSFWJS ${bundle.packageVersion} MobileNetV2 (MIT, Infinite Red), converted from its TensorFlow.js weights.`,
  metadata: {
    classes: NSFW_CLASSES.join(','),
    preprocessing: PREPROCESSING_ID,
    source: `nsfwjs@${bundle.packageVersion} dist/models/mobilenet_v2`,
    license: 'MIT'
  }
})
const bytes = encodeModel(converted.model)
const sha256 = sha256Of(bytes)

const modelPath = join(modelsDir, IMAGE_MODEL_FILE)
mkdirSync(dirname(modelPath), { recursive: true })
writeFileSync(modelPath, bytes)
// Replaced in place (by name): the other entries and their order stay as they are.
await upsertManifestEntry(modelsDir, {
  name: IMAGE_MODEL_NAME,
  version: IMAGE_MODEL_VERSION,
  file: IMAGE_MODEL_FILE,
  sha256,
  kind: 'image',
  categories: [...IMAGE_CATEGORIES],
  featuriser: PREPROCESSING_ID
})
writeFileSync(
  join(dirname(modelPath), 'MODEL_CARD.md'),
  renderModelCard({
    nsfwjsVersion: bundle.packageVersion,
    sourceFiles: bundle.sourceFiles,
    modelFile: IMAGE_MODEL_FILE,
    sizeBytes: bytes.length,
    sha256,
    parameterCount: converted.parameterCount
  })
)
console.log(`${modelPath}: ${bytes.length} bytes, ${converted.nodeCount} nodes, ${converted.parameterCount} parameters, sha256 ${sha256}`)
