/**
 * The image threads: each opens the image model and does all of an image's work (image-work.ts), so
 * that the event loop only hands over the image bytes (tens of kilobytes) and gets back a hash (as
 * soon as the image is decoded) and class probabilities. Neither the CPU work nor the model inputs (600 KB each, which on the event
 * loop's heap brought frequent full garbage collections) reach it. On 2 cores, one thread leaves the
 * other core to the event loop.
 */
import { ImageDecodeError, type DecodeOptions, type ImageErrorCode } from './decode.js'
import { hashImage, type ImageHash } from './image-hash.js'
import { openImageWork, type ImageWork, type ImageWorkOptions, type ScoredImage } from './image-work.js'
import { PoolThread, ThreadSlots, type ThreadMessage } from '../thread-pool.js'
import { siblingEntry } from '../worker-bootstrap.js'

/** How an image sent only to be hashed (a hash bank entry) is decoded. */
export type HashOptions = Pick<DecodeOptions, 'maxInputPixels' | 'anyFormat'>

/** An image to score, or with `hashOnly` only to hash: its reply is then its hash alone. */
export interface ImageRequest {
  id: number
  bytes: Uint8Array
  hashOnly?: HashOptions
}

export interface ReplyError {
  code?: string | undefined
  reason?: string | undefined
  message: string
}

/** A thread's answers to an image: its hash (first) and then its scores (not for `hashOnly`), or an error. */
export type ImageAnswer = { id: number; hashed: ImageHash } | { id: number; scored: ScoredImage } | { id: number; error: ReplyError }
/** What a thread posts: ready once the model is open, then its answers. */
export type ImageReply = ThreadMessage<ImageAnswer>

export interface ImageThreadsOptions extends ImageWorkOptions {
  /** Threads doing the work, each with its own model session; 0 does it on the calling thread. */
  threads: number
  /** Nice steps below the process for the threads (Linux): they yield the CPU to the event loop. Default 0. */
  nice?: number
  /** The threads' module (a file URL); default `image-worker` beside this file. */
  entry?: string
}

/** `image-worker.js` when compiled, `image-worker.ts` when running from the sources. */
const ENTRY = siblingEntry('image-worker', import.meta.url)

const IMAGE_ERRORS: ReadonlySet<string> = new Set<ImageErrorCode>(['FG_IMAGE_INVALID', 'FG_IMAGE_TOO_LARGE'])

/** The error a thread reported, as the caller expects it: an ImageDecodeError for an unusable image. */
export function errorFromReply({ code, reason, message }: ReplyError): Error {
  return code !== undefined && IMAGE_ERRORS.has(code) ? new ImageDecodeError(code as ImageErrorCode, reason ?? message) : new Error(message)
}

export class ImageThreads {
  readonly id: string
  readonly #threads: ThreadSlots<PoolThread<ImageAnswer>>
  readonly #local: Promise<ImageWork> | undefined
  #closed: Promise<void> | undefined

  private constructor({ threads, entry = ENTRY, nice = 0, ...options }: ImageThreadsOptions) {
    this.id = options.model.id
    const data = { entry, options, nice }
    this.#threads = new ThreadSlots(threads, (onStop) => new PoolThread<ImageAnswer>(data, 'image thread', onStop))
    this.#local = threads === 0 ? openImageWork(options) : undefined
  }

  /**
   * Opens the model (in the first thread; the others start when there is work for them), so that a
   * model that cannot be used is known at start-up. Rejects, with every thread stopped, if it cannot.
   */
  static async open(options: ImageThreadsOptions): Promise<ImageThreads> {
    const threads = new ImageThreads(options)
    try {
      await (threads.#local ?? threads.#threads.first().ready)
    } catch (err) {
      await threads.close()
      throw err
    }
    return threads
  }

  /** Threads currently running. */
  get started(): number {
    return this.#threads.started
  }

  /**
   * Probabilities and PDQ hash of one image; rejects with an ImageDecodeError for an unusable image.
   * `onHashed` is given the hash as soon as the image is decoded, before the model has run.
   */
  async score(bytes: Uint8Array, onHashed?: (hash: ImageHash) => void): Promise<ScoredImage> {
    if (this.#closed) throw new Error('the image threads are closed')
    if (this.#local) return (await this.#local).score(bytes, onHashed)
    return new Promise<ScoredImage>((resolve, reject) => {
      this.#threads.leastBusy().post({ bytes } satisfies Omit<ImageRequest, 'id'>, {
        onReply(reply) {
          if ('hashed' in reply) {
            onHashed?.(reply.hashed)
            return false
          }
          if ('error' in reply) reject(errorFromReply(reply.error))
          else resolve(reply.scored)
          return true
        },
        reject
      })
    })
  }

  /**
   * The PDQ hash of an image sent only to be hashed (a hash bank entry: any size up to its own pixel limit,
   * any format with `anyFormat`), decoded and hashed on a thread like an item image, never on the event
   * loop (a 7000×7000 image holds a thread for seconds). Rejects with an ImageDecodeError for an unusable image.
   */
  async hash(bytes: Uint8Array, options: HashOptions): Promise<ImageHash> {
    if (this.#closed) throw new Error('the image threads are closed')
    if (this.#local) return hashImage(bytes, options)
    return new Promise<ImageHash>((resolve, reject) => {
      this.#threads.leastBusy().post({ bytes, hashOnly: options } satisfies Omit<ImageRequest, 'id'>, {
        onReply(reply) {
          if ('error' in reply) reject(errorFromReply(reply.error))
          else resolve((reply as { hashed: ImageHash }).hashed)
          return true
        },
        reject
      })
    })
  }

  /**
   * Closes every thread once the images it holds are done, and releases the model; later calls are
   * refused. Once, however often it is called.
   */
  close(): Promise<void> {
    this.#closed ??= Promise.all([this.#threads.close(), this.#local?.then((work) => work.release(), () => undefined)]).then(() => undefined)
    return this.#closed
  }
}
