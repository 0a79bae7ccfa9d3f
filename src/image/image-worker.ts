/**
 * The entry of an image thread (see image-threads.ts): opens the model, then scores the images it is
 * sent, telling each image's PDQ hash as soon as it is known and its scores when the model has run; an
 * image sent `hashOnly` (a hash bank entry) is only decoded and hashed.
 * Kept to the message plumbing; the work is image-work.ts, tested on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { hashImage, type ImageHash } from './image-hash.js'
import type { ImageReply, ImageRequest } from './image-threads.js'
import { openImageWork, type ImageWorkOptions } from './image-work.js'
import { serveThread } from '../thread-entry.js'
import { lowerThreadPriority } from '../thread-priority.js'

const port = parentPort!
const { options, nice } = workerData as { options: ImageWorkOptions; nice: number }
// Before the model opens, so that onnxruntime's own threads inherit the priority.
if (nice > 0) lowerThreadPriority(nice)

await serveThread({
  open: () => openImageWork(options),
  handle(work, { id, bytes, hashOnly }: ImageRequest) {
    const onHashed = (hash: ImageHash) => port.postMessage({ id, hashed: hash } satisfies ImageReply)
    const onError = (err: unknown) => {
      const { code, reason, message } = err as { code?: string; reason?: string; message?: string }
      port.postMessage({ id, error: { code, reason, message: message ?? String(err) } } satisfies ImageReply)
    }
    if (hashOnly) return hashImage(bytes, hashOnly).then(onHashed, onError)
    return work.score(bytes, onHashed).then((scored) => port.postMessage({ id, scored } satisfies ImageReply), onError)
  },
  release: (work) => work.release()
})
