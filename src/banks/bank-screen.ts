import type { HashReason } from '../engine/types.js'
import type { ImageHash } from '../image/image-hash.js'
import type { BankIndex } from './bank-index.js'

/**
 * The scoring path's view of the hash banks. `reasonsById` is the hook: given the items and each one's
 * image hash (from the image pipeline, or the item image hasher when there is no image model), the
 * `hash` reasons of the items that match, by item id, synchronously, from memory: what
 * `DecisionContext.platformReasons` takes.
 */
export class BankScreen {
  readonly #index: BankIndex

  constructor(options: { index: BankIndex }) {
    this.#index = options.index
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
}
