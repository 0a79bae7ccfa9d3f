/**
 * PDQ hashes of items' `image.data` when the service has no image model (and so no image pipeline to
 * hash them as it scores them): a banked image sent as data is matched all the same. Decoded once per
 * image content (cached under the image cache's content key); URL images are not fetched for this.
 */
import type { FeedItem } from '../engine/types.js'
import { LRUCache } from 'lru-cache'
import { bytesFromBase64 } from './decode.js'
import { dataKey } from './image-cache.js'
import { hashImage, type ImageHash } from './image-hash.js'

export interface ItemImageHasherOptions {
  /** Images with more pixels are not hashed (decompression bombs). */
  maxInputPixels: number
  /** Also hash the 8 rotations and flips (dihedral hash-bank matching). */
  variants: boolean
  /** Hashes kept. Default 10,000. */
  cacheSize?: number
}

export class ItemImageHasher {
  readonly #options: ItemImageHasherOptions
  /** false: the bytes are not a decodable image (so they are not decoded again). */
  readonly #hashes: LRUCache<string, ImageHash | false>
  readonly #pending = new Map<string, Promise<ImageHash | false>>()

  constructor(options: ItemImageHasherOptions) {
    this.#options = options
    this.#hashes = new LRUCache({ max: options.cacheSize ?? 10_000 })
  }

  /** Per item, the hash of its `image.data`; undefined without one, or when it is not a decodable image. */
  hashes(items: readonly FeedItem[]): Promise<Array<ImageHash | undefined>> {
    return Promise.all(this.itemHashes(items))
  }

  /** The same, one promise per item: a caller may stop waiting for the slow ones. */
  itemHashes(items: readonly FeedItem[]): Array<Promise<ImageHash | undefined>> {
    return items.map((item) => this.#hash(item.image?.data))
  }

  async #hash(data: string | undefined): Promise<ImageHash | undefined> {
    if (data === undefined) return undefined
    let bytes: Uint8Array
    try {
      bytes = bytesFromBase64(data)
    } catch {
      return undefined
    }
    const key = dataKey(bytes)
    const hash = this.#hashes.get(key) ?? (await this.#decodeOnce(key, bytes))
    return hash || undefined
  }

  /** Concurrent requests for the same image share one decode. */
  #decodeOnce(key: string, bytes: Uint8Array): Promise<ImageHash | false> {
    let pending = this.#pending.get(key)
    if (!pending) {
      pending = hashImage(bytes, { maxInputPixels: this.#options.maxInputPixels, variants: this.#options.variants })
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
