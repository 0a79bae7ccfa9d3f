import t from 'tap'
import { openInProcessSession, openWorkerSession, type ModelSessionOptions } from '../../src/image/model-session.js'
import { PIXELS_PER_IMAGE } from '../../src/image/model-spec.js'
import { identityModel, modelPath } from './helpers.js'

const identity = (overrides: Partial<ModelSessionOptions> = {}): ModelSessionOptions => ({
  model: identityModel(),
  inputName: 'x',
  outputName: 'y',
  sessionOptions: { intraOpNumThreads: 1 },
  ...overrides
})

for (const [mode, open] of [
  ['in-process', openInProcessSession],
  ['worker', openWorkerSession]
] as const) {
  t.test(`${mode} session`, async (t) => {
    t.test('runs the model', async (t) => {
      const session = await open(identity())
      t.teardown(() => session.release())
      t.same([...(await session.run(new Float32Array([1.5, -2]), [2]))], [1.5, -2])
      const input = new Float32Array([3, 4])
      t.same([...(await session.run(input, [2], true))], [3, 4])
    })

    t.test('reports a failed run and keeps working', async (t) => {
      const session = await open(identity())
      t.teardown(() => session.release())
      await t.rejects(session.run(new Float32Array([1, 2, 3]), [3, 1]), /rank|dimension|shape/i)
      t.same([...(await session.run(new Float32Array([7, 8]), [2]))], [7, 8])
    })

    t.test('refuses a model without the expected input and output', async (t) => {
      await t.rejects(open(identity({ inputName: 'input' })), /model must have input "input" and output "y"/)
      await t.rejects(open(identity({ outputName: 'probabilities' })), /model must have input "x" and output "probabilities"/)
    })

    t.test('refuses bytes that are not a model', async (t) => {
      await t.rejects(open(identity({ model: new Uint8Array([1, 2, 3, 4]) })))
      await t.rejects(open(identity({ model: '/nonexistent/model.onnx' })))
    })
  })
}

t.test('worker session: release settles what is in flight and refuses later runs', async (t) => {
  const session = await openWorkerSession({
    model: modelPath,
    inputName: 'input',
    outputName: 'probabilities',
    sessionOptions: { intraOpNumThreads: 1 }
  })
  const inFlight = session.run(new Float32Array(32 * PIXELS_PER_IMAGE), [32, 3, 224, 224])
  await session.release()
  await t.rejects(inFlight, /model session released/)
  await t.rejects(session.run(new Float32Array(PIXELS_PER_IMAGE), [1, 3, 224, 224]), /model session released/)
  await session.release()
})
