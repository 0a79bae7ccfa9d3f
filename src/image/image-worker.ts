/**
 * The entry of an image thread (see image-threads.ts): opens the model, then scores the images it is
 * sent, telling each image's PDQ hash as soon as it is known and its scores when the model has run.
 * Kept to the message plumbing; the work is image-work.ts, tested on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { ImageHash } from './image-hash.js'
import type { ImageReply, ImageRequest } from './image-threads.js'
import { openImageWork, type ImageWorkOptions } from './image-work.js'
import { lowerThreadPriority } from '../thread-priority.js'

const port = parentPort!
const { options, nice } = workerData as { options: ImageWorkOptions; nice: number }
// Before the model opens, so that onnxruntime's own threads inherit the priority.
if (nice > 0) lowerThreadPriority(nice)
// A model that cannot be opened rejects here: the thread stops with that error, which its caller sees.
const work = await openImageWork(options)

port.on('message', ({ id, bytes }: ImageRequest) => {
  const onHashed = (hash: ImageHash) => port.postMessage({ id, hashed: hash } satisfies ImageReply)
  work.score(bytes, onHashed).then(
    (scored) => port.postMessage({ id, scored } satisfies ImageReply),
    (err: unknown) => {
      const { code, reason, message } = err as { code?: string; reason?: string; message?: string }
      port.postMessage({ id, error: { code, reason, message: message ?? String(err) } } satisfies ImageReply)
    }
  )
})
port.postMessage({ ready: true } satisfies ImageReply)
