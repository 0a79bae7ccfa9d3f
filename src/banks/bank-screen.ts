import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { FeedItem, HashReason } from '../engine/types.js'
import { decodeForPdq } from '../pdq/decode.js'
import { pdqDihedral, pdqFromRgb, type RawPixels } from '../pdq/pdq.js'
import type { BankIndex, ImageHash } from './bank-index.js'

/**
 * The PDQ hash of a decoded image, with its 8 dihedral variants when `dihedral` is on. Give it the full
 * decoded image (not a model's resized input), pixels as stored (EXIF orientation not applied), alpha
 * dropped: what reference hashers, and so shared banks, hash.
 */
export function imageHashOf(image: RawPixels, dihedral: boolean): ImageHash {
  const { pixels, width, height, channels } = image
  if (!dihedral) return pdqFromRgb(pixels, width, height, channels)
  const { hashes, quality } = pdqDihedral(pixels, width, height, channels)
  return { hash: hashes.original, quality, variants: Object.values(hashes) }
}

export interface BankScreenOptions {
  index: BankIndex
  dihedral: boolean
  /** Images with more pixels are not hashed (decompression bombs). */
  maxInputPixels: number
  /** Image hashes kept, by content hash of the image bytes. Default 10,000. */
  cacheSize?: number
}

/**
 * The scoring path's view of the hash banks. `reasonsById` is the hook: given the items and each one's
 * image hash (computed from the decoded image), the `hash` reasons of the items that match, by item id,
 * synchronously, from memory: what `DecisionContext.platformReasons` takes.
 *
 * `screen` hashes `image.data` itself (cached per content hash), so that a banked image sent as data is
 * matched on the request that brings it, whatever the image budget. `image.url` items are not fetched
 * here: the scoring path matches them with `reasonsById` by the hash the image pipeline computes.
 */
export class BankScreen {
  readonly #index: BankIndex
  readonly #options: BankScreenOptions
  /** false: the bytes are not a decodable image (so they are not decoded again). */
  readonly #hashes: LRUCache<string, ImageHash | false>
  readonly #pending = new Map<string, Promise<ImageHash | false>>()

  constructor(options: BankScreenOptions) {
    this.#index = options.index
    this.#options = options
    this.#hashes = new LRUCache({ max: options.cacheSize ?? 10_000 })
  }

  /** Whether any entry could match: with no enabled entries, images need not be hashed at all. */
  get active(): boolean {
    return this.#index.size > 0
  }

  /** Per image, the hash reasons (empty for an item without a hashed image). No I/O. */
  reasonsFor(images: ReadonlyArray<ImageHash | undefined>): HashReason[][] {
    return images.map((image) => (image ? this.#index.match(image) : []))
  }

  /**
   * The hash reasons of the items that match a bank, by item id; undefined when none does. `images[i]`
   * is the hash of `items[i]`'s image (undefined: none). No I/O.
   */
  reasonsById(items: ReadonlyArray<{ id: string }>, images: ReadonlyArray<ImageHash | undefined>): Map<string, HashReason[]> | undefined {
    if (!this.active) return undefined
    let matched: Map<string, HashReason[]> | undefined
    this.reasonsFor(images).forEach((found, i) => {
      if (found.length > 0) (matched ??= new Map()).set(items[i]!.id, found)
    })
    return matched
  }

  /** `reasonsById` for items as sent, hashing their `image.data` here (cached). */
  async screen(items: readonly FeedItem[]): Promise<Map<string, HashReason[]> | undefined> {
    if (!this.active) return undefined
    return this.reasonsById(items, await Promise.all(items.map((item) => this.#hashData(item.image?.data))))
  }

  async #hashData(data: string | undefined): Promise<ImageHash | undefined> {
    if (data === undefined) return undefined
    const key = createHash('sha256').update(data).digest('base64url')
    const hash = this.#hashes.get(key) ?? (await this.#decodeOnce(key, data))
    return hash || undefined
  }

  /** Concurrent requests for the same image share one decode. */
  #decodeOnce(key: string, data: string): Promise<ImageHash | false> {
    let pending = this.#pending.get(key)
    if (!pending) {
      pending = decodeForPdq(Buffer.from(data, 'base64'), { maxInputPixels: this.#options.maxInputPixels })
        .then((image) => imageHashOf(image, this.#options.dihedral))
        .catch(() => false as const)
        .then((hash) => {
          this.#hashes.set(key, hash)
          this.#pending.delete(key)
          return hash
        })
      this.#pending.set(key, pending)
    }
    return pending
  }
}
