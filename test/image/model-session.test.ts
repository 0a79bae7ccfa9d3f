import t from 'tap'
import { openModelSession, type ModelSessionOptions } from '../../src/image/model-session.js'
import { identityModel } from '../helpers/images.js'

const identity = (overrides: Partial<ModelSessionOptions> = {}): ModelSessionOptions => ({
  model: identityModel(),
  inputName: 'x',
  outputName: 'y',
  sessionOptions: { intraOpNumThreads: 1 },
  ...overrides
})

t.test('runs the model', async (t) => {
  const session = await openModelSession(identity())
  t.teardown(() => session.release())
  t.same([...(await session.run(new Float32Array([1.5, -2]), [2]))], [1.5, -2])
  const input = new Float32Array([3, 4])
  t.same([...(await session.run(input, [2]))], [3, 4])
})

t.test('reports a failed run and keeps working', async (t) => {
  const session = await openModelSession(identity())
  t.teardown(() => session.release())
  await t.rejects(session.run(new Float32Array([1, 2, 3]), [3, 1]), /rank|dimension|shape/i)
  t.same([...(await session.run(new Float32Array([7, 8]), [2]))], [7, 8])
})

t.test('refuses a model without the expected input and output', async (t) => {
  await t.rejects(openModelSession(identity({ inputName: 'input' })), /model must have input "input" and output "y"/)
  await t.rejects(openModelSession(identity({ outputName: 'probabilities' })), /model must have input "x" and output "probabilities"/)
})

t.test('refuses bytes that are not a model', async (t) => {
  await t.rejects(openModelSession(identity({ model: new Uint8Array([1, 2, 3, 4]) })))
  await t.rejects(openModelSession(identity({ model: '/nonexistent/model.onnx' })))
})
