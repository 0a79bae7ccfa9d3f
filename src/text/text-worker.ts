/**
 * The entry of a text thread (see text-threads.ts): opens the model, then answers each batch it is sent
 * with its scores (or the spans explaining them). Kept to the message plumbing; the work is TextClassifier's,
 * tested on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { serveThread } from '../thread-entry.js'
import { TextClassifier } from './text-classifier.js'
import type { TextReply, TextRequest, TextWorkerData } from './text-threads.js'

const port = parentPort!
const { model, intraOpNumThreads } = workerData as TextWorkerData

await serveThread({
  open: () => TextClassifier.fromManifest(model, { intraOpNumThreads }),
  handle(classifier, request: TextRequest) {
    const { id } = request
    const work: Promise<TextReply> =
      'texts' in request ? classifier.scoreRows(request.texts).then((scores) => ({ id, scores })) : classifier.explainSpans(request.explain).then((spans) => ({ id, spans }))
    return work.then(
      (reply) => port.postMessage(reply),
      (err: unknown) => port.postMessage({ id, error: (err as Error).message } satisfies TextReply)
    )
  },
  release: (classifier) => classifier.release()
})
