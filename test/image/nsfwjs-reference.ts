/**
 * Runs NSFWJS itself (on @tensorflow/tfjs, WebAssembly backend) over images given on stdin as a JSON array of
 * base64 strings, and prints their class probabilities as JSON on the last line of stdout. The parity test runs it in a child
 * process without coverage instrumentation, which slows tfjs' JavaScript kernels several-fold.
 */
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import * as nsfwjs from 'nsfwjs'
import { browserPixels } from '../helpers/images.js'

if (process.env.FG_NSFWJS_REFERENCE !== '1') {
  // Found by `tap test/image/`: this is the parity test's helper process, not a test.
  process.stdout.write('1..0 # SKIP helper process of parity.test.ts\n')
  process.exit(0)
}

const chunks: Buffer[] = []
for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
const images = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as string[]).map((b64) => Buffer.from(b64, 'base64'))

// The WebAssembly kernels (shipped in the package) are several times faster than the JavaScript CPU ones.
await tf.setBackend('wasm')
await tf.ready()
const model = await nsfwjs.load('MobileNetV2')
const results: Array<Record<string, number>> = []
for (const bytes of images) {
  // What nsfwjs receives from a browser: the displayed pixels as an int32 RGB tensor.
  const pixels = await browserPixels(bytes)
  const image = tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], 'int32')
  const predictions = await model.classify(image, 5)
  image.dispose()
  results.push(Object.fromEntries(predictions.map((p: { className: string; probability: number }) => [p.className, p.probability])))
}
model.dispose()
// nsfwjs logs advice on stdout too: the result is the last line.
process.stdout.write(`\n${JSON.stringify(results)}\n`)
