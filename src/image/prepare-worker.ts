/**
 * The entry of a preparation thread (see prepare-pool.ts): decodes, hashes and resizes images off the
 * event loop. Kept to the message plumbing; the work is `prepareImage`, tested on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { prepareImage, type PrepareOptions } from './prepare.js'
import type { PrepareReply, PrepareRequest } from './prepare-pool.js'
import { lowerThreadPriority } from './thread-priority.js'

const port = parentPort!
const { options, nice } = workerData as { options: PrepareOptions; nice: number }
if (nice > 0) lowerThreadPriority(nice)

port.on('message', ({ id, bytes }: PrepareRequest) => {
  prepareImage(bytes, options).then(
    (prepared) => port.postMessage({ id, prepared } satisfies PrepareReply, [prepared.input.buffer as ArrayBuffer]),
    (err: unknown) => {
      const { code, reason, message } = err as { code?: string; reason?: string; message?: string }
      port.postMessage({ id, error: { code, reason, message: message ?? String(err) } } satisfies PrepareReply)
    }
  )
})
port.postMessage({ ready: true } satisfies PrepareReply)
