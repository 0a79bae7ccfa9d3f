/**
 * An onnxruntime session for a model with one input and one output, refusing a model whose names are
 * not the expected ones. It runs on the thread that opens it: the image threads (image-threads.ts)
 * keep it, and its synchronous native work, off the event loop.
 */
import ort from 'onnxruntime-node'

export interface ModelSessionOptions {
  /** The `.onnx` file, as a path or as bytes. */
  model: string | Uint8Array
  inputName: string
  outputName: string
  sessionOptions: ort.InferenceSession.SessionOptions
}

export interface ModelSession {
  /** Runs the model on `input` shaped `dims` and returns the output values. */
  run(input: Float32Array, dims: readonly number[]): Promise<Float32Array>
  release(): Promise<void>
}

export async function openModelSession(options: ModelSessionOptions): Promise<ModelSession> {
  const session =
    typeof options.model === 'string'
      ? await ort.InferenceSession.create(options.model, options.sessionOptions)
      : await ort.InferenceSession.create(options.model, options.sessionOptions)
  if (!session.inputNames.includes(options.inputName) || !session.outputNames.includes(options.outputName)) {
    /* c8 ignore next -- releasing a refused session: only a model without the expected input or output gets here */
    await session.release()
    throw new Error(`model must have input "${options.inputName}" and output "${options.outputName}"`)
  }
  return {
    async run(input, dims) {
      const results = await session.run({ [options.inputName]: new ort.Tensor('float32', input, dims) })
      return (results[options.outputName] as ort.Tensor).data as Float32Array
    },
    release: () => session.release()
  }
}
