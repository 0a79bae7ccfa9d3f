/**
 * Image model throughput: the ONNX model (onnxruntime-node, on the calling thread as on an image
 * thread) at batch 1, 8 and 32 under several thread settings, and in the same run NSFWJS on
 * @tensorflow/tfjs-backend-wasm over the same images — the ratio between the two. Model time only:
 * every image is decoded and preprocessed once up front (that cost is reported separately).
 *
 *   nice node --import tsx bench/image-model.ts [--seconds=1] [--rounds=3]
 *
 * The benchmark machines are shared, so the process lowers its own priority, every configuration is
 * measured in several interleaved rounds and the best round is kept (the least disturbed one); the
 * CPU actually obtained (cores) is printed beside each figure.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm'
import * as nsfwjs from 'nsfwjs'
import { ImageClassifier, type ImageClassifierOptions } from '../src/image/image-classifier.js'
import { decodeImage, displayedPixels } from '../src/image/decode.js'
import { toModelInput } from '../src/image/model-input.js'
import { IMAGE_SIZE, PIXELS_PER_IMAGE } from '../src/image/model-spec.js'

os.setPriority(os.constants.priority.PRIORITY_LOW)

const argument = (name: string, fallback: number) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.slice(name.length + 3)) : fallback
}
const SECONDS = argument('seconds', 1)
const ROUNDS = argument('rounds', 3)
const BATCH_SIZES = [1, 8, 32]
const modelPath = fileURLToPath(new URL('../models/image/nsfwjs-mobilenetv2.onnx', import.meta.url))
const imagesDir = fileURLToPath(new URL('../test/fixtures/pdq/', import.meta.url))

function imageFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return imageFiles(path)
      return /\.(jpe?g|png)$/i.test(name) ? [path] : []
    })
}

function packageVersion(name: string): string {
  const path = fileURLToPath(new URL(`../node_modules/${name}/package.json`, import.meta.url))
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
}

interface Measurement {
  imagesPerSecond: number
  msPerRun: number
  /** CPU time the process got per second of wall time. */
  cores: number
  /** Worst event-loop delay while measuring: how long other work on the main thread had to wait. */
  loopDelayMaxMs: number
}

/** Runs `once` (which handles `perRun` images) for at least SECONDS and 3 runs, after one warm-up run. */
async function measure(perRun: number, once: () => Promise<unknown>): Promise<Measurement> {
  await once()
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const cpu = process.cpuUsage()
  let runs = 0
  const start = performance.now()
  while (runs < 3 || performance.now() - start < SECONDS * 1000) {
    await once()
    runs++
  }
  const elapsed = performance.now() - start
  const used = process.cpuUsage(cpu)
  loop.disable()
  return {
    imagesPerSecond: (runs * perRun * 1000) / elapsed,
    msPerRun: elapsed / runs,
    cores: (used.user + used.system) / 1000 / elapsed,
    loopDelayMaxMs: loop.max / 1e6
  }
}

/** Keeps, per key, the measurement with the highest throughput over the rounds. */
class BestOf {
  readonly best = new Map<string, Measurement>()
  keep(key: string, m: Measurement): void {
    const previous = this.best.get(key)
    if (!previous || m.imagesPerSecond > previous.imagesPerSecond) this.best.set(key, m)
  }
  get(key: string): Measurement {
    return this.best.get(key) as Measurement
  }
}

// --- inputs ------------------------------------------------------------------------------------
const files = imageFiles(imagesDir)
const bytes = files.map((f) => readFileSync(f))
/** The image as the model sees it: decoded once, orientation applied (what an image thread does). */
const displayed = async (b: Buffer) => displayedPixels(await decodeImage(b))
const decoded = await Promise.all(bytes.map(displayed))
const decodeTime = await measure(bytes.length, () => Promise.all(bytes.map(displayed)))
const inputs = decoded.map((image) => toModelInput(image))
const resizeTime = await measure(decoded.length, async () => decoded.map((image) => toModelInput(image)))

/** `size` model inputs back to back (CHW), cycling through the images. */
function batchOf(size: number): Float32Array {
  const batch = new Float32Array(size * PIXELS_PER_IMAGE)
  for (let i = 0; i < size; i++) batch.set(inputs[i % inputs.length] as Float32Array, i * PIXELS_PER_IMAGE)
  return batch
}

/** The same batch as tfjs wants it (NHWC). */
function nhwcBatchOf(size: number): tf.Tensor4D {
  const chw = batchOf(size)
  const nhwc = new Float32Array(chw.length)
  const plane = IMAGE_SIZE * IMAGE_SIZE
  for (let n = 0; n < size; n++) {
    const base = n * PIXELS_PER_IMAGE
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) nhwc[base + p * 3 + c] = chw[base + c * plane + p] as number
  }
  return tf.tensor4d(nhwc, [size, IMAGE_SIZE, IMAGE_SIZE, 3])
}

// --- contenders ----------------------------------------------------------------------------------
interface Setting {
  label: string
  options: Omit<ImageClassifierOptions, 'model'>
  /** Classifiers running at once, each with the full batch, as concurrent micro-batches would. */
  instances: number
}
const settings: Setting[] = [
  { label: 'intra=1', options: { intraOpNumThreads: 1 }, instances: 1 },
  { label: 'intra=2', options: { intraOpNumThreads: 2 }, instances: 1 },
  { label: 'intra=2 spin', options: { intraOpNumThreads: 2, allowSpinning: true }, instances: 1 },
  { label: '2 sessions intra=1', options: { intraOpNumThreads: 1 }, instances: 2 }
]
const classifiers = new Map<string, ImageClassifier[]>()
for (const setting of settings) {
  classifiers.set(
    setting.label,
    await Promise.all(Array.from({ length: setting.instances }, () => ImageClassifier.create({ model: modelPath, ...setting.options })))
  )
}

await tf.setBackend('wasm')
await tf.ready()
const silence = console.info
console.info = () => {}
const reference = await nsfwjs.load('MobileNetV2')
console.info = silence
const referenceModel = reference.model as tf.LayersModel
const tensors = decoded.map((image) => tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32'))
const NSFWJS = 'NSFWJS wasm'

// --- measure, interleaved ------------------------------------------------------------------------
const results = new BestOf()
const key = (label: string, size: number) => `${label}|${size}`
for (let round = 0; round < ROUNDS; round++) {
  for (const size of BATCH_SIZES) {
    const batch = batchOf(size)
    for (const setting of settings) {
      const instances = classifiers.get(setting.label) as ImageClassifier[]
      results.keep(key(setting.label, size), await measure(size * setting.instances, () => Promise.all(instances.map((c) => c.classifyTensors(batch)))))
    }
    if (size === 1) {
      // NSFWJS's public API: one image per call, its own resize included.
      let next = 0
      results.keep(key(NSFWJS, 1), await measure(1, () => reference.classify(tensors[next++ % tensors.length] as tf.Tensor3D)))
    } else {
      // The same network through tfjs directly, batched, for a like-for-like comparison.
      const input = nhwcBatchOf(size)
      results.keep(
        key(NSFWJS, size),
        await measure(size, async () => {
          const out = referenceModel.predict(input) as tf.Tensor
          await out.data()
          out.dispose()
        })
      )
      input.dispose()
    }
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`)
}

// --- report ------------------------------------------------------------------------------------
const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(8)
const cells = (label: string, pick: (m: Measurement) => number, digits = 1) =>
  BATCH_SIZES.map((size) => fmt(pick(results.get(key(label, size))), digits)).join('')
const heading = (title: string) => `${title.padEnd(22)}${BATCH_SIZES.map((b) => `b=${b}`.padStart(8)).join('')}`
// tfjs runs its kernels and resolves its promises without yielding to the event loop, so the loop-delay
// monitor gets no samples during an NSFWJS run: the column is not meaningful there.
const row = (label: string) =>
  `${label.padEnd(22)}${cells(label, (m) => m.imagesPerSecond)}  ${cells(label, (m) => m.msPerRun)}  ${cells(label, (m) => m.cores, 2)}  ${
    label === NSFWJS ? BATCH_SIZES.map(() => '—'.padStart(8)).join('') : cells(label, (m) => m.loopDelayMaxMs)
  }`

const cpus = os.cpus()
console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} logical cores; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(`node ${process.version}, onnxruntime-node ${packageVersion('onnxruntime-node')}, tfjs ${tf.version.tfjs}, nsfwjs ${packageVersion('nsfwjs')}`)
console.log(`${files.length} images from ${imagesDir}; best of ${ROUNDS} interleaved rounds of ≥ ${SECONDS}s per cell`)
console.log(`preprocessing, not included below: decode ${decodeTime.imagesPerSecond.toFixed(0)} images/s (sharp), resize+scale ${resizeTime.imagesPerSecond.toFixed(0)} images/s (main thread)\n`)
console.log(`${heading('images/s')}  ${heading('ms per run').slice(22)}  ${heading('cores used').slice(22)}  ${heading('max loop delay ms').slice(22)}`)
for (const setting of settings) console.log(row(setting.label))
console.log(row(NSFWJS))
console.log(`  (session.run on the calling thread, as on an image thread; "spin": idle ORT threads spin; "2 sessions": two at once, as two image threads;`)
console.log(`   ${NSFWJS}: tfjs-backend-wasm, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, ${getThreadsCount()} thread; b=1 through nsfwjs.classify(), b=8/32 through its tfjs model)\n`)

console.log('ratio ONNX / NSFWJS-wasm, images/s at the same batch size')
for (const setting of settings) {
  console.log(`${setting.label.padEnd(22)}${BATCH_SIZES.map((b) => `${fmt(results.get(key(setting.label, b)).imagesPerSecond / results.get(key(NSFWJS, b)).imagesPerSecond)}×`).join('')}`)
}
for (const size of BATCH_SIZES) {
  const [label, best] = settings
    .map((s): [string, Measurement] => [s.label, results.get(key(s.label, size))])
    .reduce((a, b) => (b[1].imagesPerSecond > a[1].imagesPerSecond ? b : a))
  const ratio = best.imagesPerSecond / results.get(key(NSFWJS, size)).imagesPerSecond
  console.log(`best at batch ${size}: ${label}, ${best.imagesPerSecond.toFixed(1)} images/s = ${ratio.toFixed(1)}× NSFWJS-wasm`)
}

for (const tensor of tensors) tensor.dispose()
reference.dispose()
await Promise.all([...classifiers.values()].flat().map((c) => c.release()))
