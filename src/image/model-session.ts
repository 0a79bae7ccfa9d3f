/**
 * An onnxruntime session for a model with one input and one output, run either on the calling thread
 * or on a worker thread of its own.
 *
 * onnxruntime-node's `session.run` is synchronous native code: on the main thread it blocks the event
 * loop for the whole inference (milliseconds per image, over a hundred for a batch of 32), so timers,
 * budgets and other requests wait. On a worker thread the event loop stays free and the inference gets
 * the second core.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import ort from 'onnxruntime-node'

export interface ModelSessionOptions {
  /** The `.onnx` file, as a path or as bytes. */
  model: string | Uint8Array
  inputName: string
  outputName: string
  sessionOptions: ort.InferenceSession.SessionOptions
  /** Nice steps below the process for the worker thread (Linux; see thread-priority.ts): it yields the CPU to the event loop. */
  threadNice?: number
}

export interface ModelSession {
  /**
   * Runs the model on `input` shaped `dims` and returns the output values. With `transfer`, the input's
   * buffer moves to the worker instead of being copied and is unusable afterwards.
   */
  run(input: Float32Array, dims: readonly number[], transfer?: boolean): Promise<Float32Array>
  release(): Promise<void>
}

function checkNames(inputNames: readonly string[], outputNames: readonly string[], options: ModelSessionOptions): void {
  if (!inputNames.includes(options.inputName) || !outputNames.includes(options.outputName)) {
    throw new Error(`model must have input "${options.inputName}" and output "${options.outputName}"`)
  }
}

export async function openInProcessSession(options: ModelSessionOptions): Promise<ModelSession> {
  const session =
    typeof options.model === 'string'
      ? await ort.InferenceSession.create(options.model, options.sessionOptions)
      : await ort.InferenceSession.create(options.model, options.sessionOptions)
  try {
    checkNames(session.inputNames, session.outputNames, options)
  } catch (err) {
    await session.release()
    throw err
  }
  return {
    async run(input, dims) {
      const results = await session.run({ [options.inputName]: new ort.Tensor('float32', input, dims) })
      return (results[options.outputName] as ort.Tensor).data as Float32Array
    },
    release: () => session.release()
  }
}

/**
 * What the worker thread runs. It is kept as source text because a worker's entry must be JavaScript
 * at run time, and the service runs both compiled (dist/) and from its TypeScript sources (tests, tsx);
 * onnxruntime-node is handed over as a resolved path for the same reason.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const ort = require(workerData.onnxruntimePath)
if (workerData.threadNice > 0) {
  try {
    const os = require('node:os')
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + workerData.threadNice))
  } catch {}
}
const message = (err) => (err instanceof Error ? err.message : String(err))
ort.InferenceSession.create(workerData.model, workerData.sessionOptions).then(
  (session) => {
    parentPort.postMessage({ type: 'ready', inputNames: session.inputNames, outputNames: session.outputNames })
    parentPort.on('message', async ({ id, input, dims }) => {
      try {
        const results = await session.run({ [workerData.inputName]: new ort.Tensor('float32', input, dims) })
        const output = results[workerData.outputName].data
        parentPort.postMessage({ type: 'result', id, output }, [output.buffer])
      } catch (err) {
        parentPort.postMessage({ type: 'error', id, message: message(err) })
      }
    })
  },
  (err) => parentPort.postMessage({ type: 'failed', message: message(err) })
)
`

type WorkerReply =
  | { type: 'ready'; inputNames: string[]; outputNames: string[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; output: Float32Array }
  | { type: 'error'; id: number; message: string }

interface PendingCall {
  resolve: (output: Float32Array) => void
  reject: (err: Error) => void
}

export async function openWorkerSession(options: ModelSessionOptions): Promise<ModelSession> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      onnxruntimePath: createRequire(import.meta.url).resolve('onnxruntime-node'),
      model: options.model,
      inputName: options.inputName,
      outputName: options.outputName,
      sessionOptions: options.sessionOptions,
      threadNice: options.threadNice
    }
  })
  const pending = new Map<number, PendingCall>()
  let stopped: Error | undefined
  let nextId = 0

  const ready = new Promise<{ inputNames: string[]; outputNames: string[] }>((resolve, reject) => {
    /** Settles everything still waiting once the thread is gone, for whatever reason. */
    const stop = (reason: Error): void => {
      stopped ??= reason
      reject(stopped)
      for (const call of pending.values()) call.reject(stopped)
      pending.clear()
    }
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') return resolve(reply)
      if (reply.type === 'failed') return reject(new Error(reply.message))
      const call = pending.get(reply.id) as PendingCall
      pending.delete(reply.id)
      if (reply.type === 'result') call.resolve(reply.output)
      else call.reject(new Error(reply.message))
    })
    // An uncaught exception in the thread: it is followed by 'exit', which settles what is pending.
    worker.on('error', stop)
    worker.on('exit', (code) => stop(new Error(`model worker stopped (exit code ${code})`)))
  })

  let names: { inputNames: string[]; outputNames: string[] }
  try {
    names = await ready
    checkNames(names.inputNames, names.outputNames, options)
  } catch (err) {
    await worker.terminate()
    throw err
  }

  return {
    run(input, dims, transfer = false) {
      if (stopped) return Promise.reject(stopped)
      const id = nextId++
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, input, dims }, transfer ? [input.buffer as ArrayBuffer] : [])
      })
    },
    async release() {
      stopped ??= new Error('model session released')
      await worker.terminate()
    }
  }
}
