/**
 * The thread side of thread-pool.ts, shared by the text and image threads' entries: opens the thread's
 * work (its model session), says when it is ready, hands each request to `handle`, and on `{ close: true }`
 * ends the thread itself, once the requests it holds are answered and the session is released. Stopped from
 * outside instead, a thread could be inside an onnxruntime call: in the middle of creating a session, that
 * aborts the whole process (exit 134).
 */
import { parentPort } from 'node:worker_threads'

/** What the pool posts to ask a thread to end. */
export interface CloseRequest {
  close: true
}

export interface ThreadWork<Work, Request> {
  /** Opens the thread's work; a rejection stops the thread with that error, which its callers see. */
  open(): Promise<Work>
  /** Answers one request (posting its replies); settles when it is done. */
  handle(work: Work, request: Request): Promise<unknown>
  release(work: Work): Promise<void>
}

/** Serves the thread's requests; rejects (stopping the thread) if its work cannot be opened. */
export async function serveThread<Work, Request>({ open, handle, release }: ThreadWork<Work, Request>): Promise<void> {
  const port = parentPort!
  const work = await open()
  const inFlight = new Set<Promise<unknown>>()
  // Messages come only once the thread said it is ready, in the order they were posted: a close follows the
  // requests posted before it.
  port.on('message', async (message: Request | CloseRequest) => {
    if ((message as CloseRequest).close !== true) {
      const done = handle(work, message as Request)
      const forget = () => inFlight.delete(done)
      inFlight.add(done)
      return void done.then(forget, forget)
    }
    await Promise.allSettled(inFlight)
    await release(work)
    process.exit(0)
  })
  port.postMessage({ ready: true })
}
