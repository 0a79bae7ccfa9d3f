/**
 * The converted ONNX model with this project's preprocessing against NSFWJS itself (on
 * @tensorflow/tfjs, WebAssembly backend) given the same image the way its API receives one: the pixels a
 * browser shows (read independently of src/image, see helpers.ts), as an int32 RGB tensor. Any
 * difference in orientation, resizing, scaling, channel order or weights shows up in the probabilities.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import t from 'tap'
import { ImageClassifier } from '../../src/image/image-classifier.js'
import { NSFW_CLASSES, type NsfwClass } from '../../src/image/model-spec.js'
import { prepareImage } from '../../src/image/prepare.js'
import { gradient, modelPath, noise, rawImage, repoRoot, pdqImages, withOrientation } from '../helpers/images.js'
import { typescriptNodeArgs } from '../helpers/node-args.js'

const TOLERANCE = 1e-3

/** NSFWJS's probabilities for each image, computed in a child process free of coverage hooks. */
async function nsfwjsProbabilities(images: Buffer[]): Promise<Array<Record<NsfwClass, number>>> {
  const env = { ...process.env }
  delete env.NODE_V8_COVERAGE
  delete env.NODE_OPTIONS
  env.FG_NSFWJS_REFERENCE = '1'
  const script = fileURLToPath(new URL('./nsfwjs-reference.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...typescriptNodeArgs(), script],
      { cwd: repoRoot, env, maxBuffer: 1 << 24 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as Array<Record<NsfwClass, number>>))
    )
    child.stdin?.end(JSON.stringify(images.map((bytes) => bytes.toString('base64'))))
  })
}

const photos = [
  'bridge-mods/aaa-orig.jpg',
  'misc-images/c.png',
  'misc-images/small.jpg',
  'misc-images/wee.jpg',
  'reg-test-input/labelme-subset/q0003.jpg'
]

async function syntheticImages(): Promise<Array<[string, Buffer]>> {
  const photo = readFileSync(join(pdqImages, 'reg-test-input/labelme-subset/q0291.jpg'))
  const upright = await sharp(photo).resize(160, 120).raw().toBuffer({ resolveWithObject: true })
  const uprightImage = { width: upright.info.width, height: upright.info.height, data: new Uint8Array(upright.data) }
  return [
    ['gradient 224×224, no resize (png)', await gradient(224, 224).png().toBuffer()],
    ['noise 50×1000 (jpeg)', await noise(50, 1000, 11).jpeg({ quality: 90 }).toBuffer()],
    ['noise 3×2 (png)', await noise(3, 2, 5).png().toBuffer()],
    [
      'half transparent gradient (webp)',
      await rawImage(320, 200, 4, (x, y, c) => (c === 3 ? (x < 160 ? 0 : 255) : (x * 3 + y * 5 + c * 70) % 256)).webp({ lossless: true }).toBuffer()
    ],
    ['photo, EXIF orientation 6', await withOrientation(uprightImage, 6)],
    ['photo, EXIF orientation 5', await withOrientation(uprightImage, 5)]
  ]
}

t.test('the ONNX model with src/image preprocessing reproduces NSFWJS', async (t) => {
  const classifier = await ImageClassifier.create({ model: modelPath })
  t.teardown(() => classifier.release())

  const inputs: Array<[string, Buffer]> = [
    ...photos.map((path): [string, Buffer] => [path, readFileSync(join(pdqImages, path))]),
    ...(await syntheticImages())
  ]
  const images = inputs.map(([, bytes]) => bytes)
  // What an image thread does with each image: one decode, the model input, the model.
  const prepared = await Promise.all(images.map((bytes) => prepareImage(bytes)))
  const [onnx, reference] = await Promise.all([classifier.classifyTensors(prepared.map((image) => image.input)), nsfwjsProbabilities(images)])

  let maxDiff = 0
  let agreements = 0
  const top = (p: Record<NsfwClass, number>): NsfwClass => NSFW_CLASSES.reduce((best, c) => (p[c] > p[best] ? c : best))
  for (const [i, [name]] of inputs.entries()) {
    const expected = reference[i]!
    const actual = onnx[i]!
    const diff = Math.max(...NSFW_CLASSES.map((c) => Math.abs(actual[c] - expected[c])))
    maxDiff = Math.max(maxDiff, diff)
    if (top(actual) === top(expected)) agreements++
    t.equal(top(actual), top(expected), `${name}: top class`)
    t.ok(diff <= TOLERANCE, `${name}: max |Δp| = ${diff.toExponential(2)} (top ${top(expected)} ${expected[top(expected)].toFixed(4)})`)
  }
  t.comment(`parity over ${inputs.length} images: max |Δp| = ${maxDiff.toExponential(2)}, top class agrees on ${agreements}/${inputs.length}`)
})
