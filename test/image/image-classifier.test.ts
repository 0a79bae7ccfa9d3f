import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { IMAGE_CATEGORIES, imageCategoryScores } from '../../src/image/categories.js'
import { DEFAULT_INTRA_OP_THREADS, ImageClassifier } from '../../src/image/image-classifier.js'
import { NSFW_CLASSES, PIXELS_PER_IMAGE, PREPROCESSING_ID, type ClassProbabilities } from '../../src/image/model-spec.js'
import { prepareImage } from '../../src/image/prepare.js'
import { gradient, identityModel, modelPath, noise } from '../helpers/images.js'

function sumsToOne(t: Test, p: ClassProbabilities): void {
  t.same(Object.keys(p), [...NSFW_CLASSES])
  t.ok(Math.abs(NSFW_CLASSES.reduce((s, c) => s + p[c], 0) - 1) < 1e-5, 'probabilities sum to 1')
}

t.test('categories: Porn + Hentai are sexual, Sexy is suggestive, Drawing and Neutral add nothing', async (t) => {
  t.same(IMAGE_CATEGORIES, ['sexual', 'suggestive'])
  t.same(imageCategoryScores({ Drawing: 0.1, Hentai: 0.2, Neutral: 0.05, Porn: 0.25, Sexy: 0.4 }), { sexual: 0.45, suggestive: 0.4 })
  t.same(imageCategoryScores({ Drawing: 0.5, Hentai: 0, Neutral: 0.5, Porn: 0, Sexy: 0 }), { sexual: 0, suggestive: 0 })
  t.equal(imageCategoryScores({ Drawing: 0, Hentai: 0.5000001, Neutral: 0, Porn: 0.5, Sexy: 0 }).sexual, 1, 'never above 1')
})

t.test('ImageClassifier over the shipped model, on the calling thread', async (t) => {
  const classifier = await ImageClassifier.create({ model: modelPath })
  t.teardown(() => classifier.release())

  t.equal(classifier.id, 'nsfwjs-mobilenetv2@1.0.0')
  t.same(classifier.categories, ['sexual', 'suggestive'])
  t.equal(DEFAULT_INTRA_OP_THREADS, 1)

  const images = [await gradient(300, 200).png().toBuffer(), await noise(120, 90, 3).jpeg().toBuffer()]
  const inputs = await Promise.all(images.map(async (bytes) => (await prepareImage(bytes)).input))

  t.test('classifyTensors takes one input per image or one batch buffer', async (t) => {
    const separate = await classifier.classifyTensors(inputs)
    t.equal(separate.length, 2)
    separate.forEach((p) => sumsToOne(t, p))
    const batch = new Float32Array(2 * PIXELS_PER_IMAGE)
    batch.set(inputs[0]!, 0)
    batch.set(inputs[1]!, PIXELS_PER_IMAGE)
    t.same(await classifier.classifyTensors(batch), separate)
    const single = await classifier.classifyTensors([inputs[1]!])
    for (const c of NSFW_CLASSES) t.ok(Math.abs(single[0]![c] - separate[1]![c]) < 1e-6, `${c}: batch of 1 agrees with batch of 2`)
    t.same(await classifier.classifyTensors([]), [])
    t.same(await classifier.classifyTensors(new Float32Array(0)), [])
    t.equal(inputs[0]!.length, PIXELS_PER_IMAGE, "the caller's inputs stay usable")
    t.equal(batch.length, 2 * PIXELS_PER_IMAGE, "the caller's batch buffer stays usable")
  })

  t.test('classifyTensors refuses inputs of the wrong size', async (t) => {
    await t.rejects(classifier.classifyTensors([new Float32Array(10)]), RangeError)
    await t.rejects(classifier.classifyTensors(new Float32Array(PIXELS_PER_IMAGE + 1)), /multiple of 150528/)
  })
})

t.test('ImageClassifier.create takes model bytes, names and thread settings', async (t) => {
  const classifier = await ImageClassifier.create({
    model: readFileSync(modelPath),
    name: 'custom',
    version: '2',
    intraOpNumThreads: 2,
    interOpNumThreads: 2,
    executionMode: 'parallel',
    allowSpinning: true
  })
  t.teardown(() => classifier.release())
  t.equal(classifier.id, 'custom@2')
  const [p] = await classifier.classifyTensors([(await prepareImage(await gradient(64, 64).png().toBuffer())).input])
  sumsToOne(t, p!)
})

t.test('ImageClassifier.create refuses a model without the expected input and output', async (t) => {
  await t.rejects(ImageClassifier.create({ model: identityModel() }), /must have input "input" and output "probabilities"/)
})

t.test('ImageClassifier.fromManifest loads a verified entry and refuses one built for other preprocessing', async (t) => {
  const entry = { id: 'nsfwjs-mobilenetv2@9', name: 'nsfwjs-mobilenetv2', version: '9', kind: 'image', featuriser: PREPROCESSING_ID, bytes: readFileSync(modelPath) }
  const classifier = await ImageClassifier.fromManifest(entry)
  t.teardown(() => classifier.release())
  t.equal(classifier.id, 'nsfwjs-mobilenetv2@9')
  await t.rejects(ImageClassifier.fromManifest({ ...entry, featuriser: 'other@1' }), /\(kind image, preprocessing other@1\) is not an image model for this service's preprocessing nsfwjs-/)
  await t.rejects(ImageClassifier.fromManifest({ ...entry, kind: 'text' }), /\(kind text,/)
})
