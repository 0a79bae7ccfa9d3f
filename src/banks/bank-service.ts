import { FeedguardError, validationError } from '../errors.js'
import type { DecodeOptions, ImageDecodeError } from '../image/decode.js'
import { hashImage, type ImageHash } from '../image/image-hash.js'
import { hashFromHex, hashToHex } from '../pdq/pdq.js'
import { newEntryId, type BankEntry, type BankSummary, type EntryPage, type HashAction } from './bank.js'
import type { BankIndex } from './bank-index.js'
import type { BankPatch, BankStore, NewBankEntry } from './bank-store.js'

/** An entry to add: a PDQ hash, or an image to hash (`data` base64, or `url` fetched safely). */
export interface BankEntryInput {
  hash?: string
  image?: { data?: string; url?: string }
  contentId?: string
  action?: HashAction
}

export interface BankServiceOptions {
  store: BankStore
  index: BankIndex
  /** Images with more pixels are refused before decoding. */
  maxInputPixels: number
  /** Images whose PDQ quality is below this are refused: their hash would match unrelated images. */
  minQuality: number
  /**
   * Decodes and hashes an entry's image; rejects with an ImageDecodeError. The service gives the image
   * threads' (the event loop must not spend seconds on a large image); default: in this thread.
   */
  hashImage?: (bytes: Uint8Array, options: Pick<DecodeOptions, 'maxInputPixels' | 'anyFormat'>) => Promise<ImageHash>
  /** Fetches an image URL safely; absent: `image.url` is refused. */
  fetchImage?: (url: string) => Promise<Uint8Array>
  /** How long a write waits for this replica's index to apply it before answering. Default 1 s. */
  applyWaitMs?: number
  now?: () => number
}

/**
 * The operations behind the hash bank API. A write answers once this replica's index has applied it
 * (or after `applyWaitMs`), so that scoring here matches what was just stored; other replicas apply it
 * when they hear of it.
 */
export class BankService {
  readonly #store: BankStore
  readonly #index: BankIndex
  readonly #options: BankServiceOptions
  readonly #now: () => number

  constructor(options: BankServiceOptions) {
    this.#store = options.store
    this.#index = options.index
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  async create(input: { name: string; description?: string; enabled?: boolean }): Promise<BankSummary> {
    const bank = { name: input.name, enabled: input.enabled ?? true, createdAt: new Date(this.#now()).toISOString(), ...optional('description', input.description) }
    await this.#applied(await this.#store.createBank(bank))
    return { ...bank, entries: 0 }
  }

  list(): Promise<BankSummary[]> {
    return this.#store.listBanks()
  }

  get(name: string): Promise<BankSummary> {
    return this.#store.getBank(name)
  }

  async update(name: string, patch: BankPatch): Promise<BankSummary> {
    const { version, bank } = await this.#store.updateBank(name, patch)
    await this.#applied(version)
    return bank
  }

  async delete(name: string): Promise<void> {
    await this.#applied(await this.#store.deleteBank(name))
  }

  /**
   * Adds entries: hashes are taken as given, images are decoded and hashed. `where(i)` names entry `i`
   * in error details (e.g. `body.entries.3`). Nothing is stored unless every entry is good.
   */
  async addEntries(bank: string, inputs: readonly BankEntryInput[], where = (i: number) => `entries.${i}`): Promise<BankEntry[]> {
    // A missing bank is reported before any image is fetched or decoded.
    await this.#store.getBank(bank)
    const addedAt = new Date(this.#now()).toISOString()
    const entries: NewBankEntry[] = []
    for (const [i, input] of inputs.entries()) {
      const hash = input.hash === undefined ? await this.#hashImage(input.image!, `${where(i)}.image`) : hashToHex(hashFromHex(input.hash))
      entries.push({ id: newEntryId(), hash, action: input.action ?? 'hide', addedAt, ...optional('contentId', input.contentId) })
    }
    const { version, entries: stored } = await this.#store.addEntries(bank, entries)
    await this.#applied(version)
    return stored
  }

  listEntries(bank: string, page: { after?: string; limit: number }): Promise<EntryPage> {
    return this.#store.listEntries(bank, page)
  }

  async removeEntry(bank: string, entryId: string): Promise<void> {
    await this.#applied(await this.#store.removeEntry(bank, entryId))
  }

  async #hashImage(image: { data?: string; url?: string }, path: string): Promise<string> {
    let bytes: Uint8Array
    if (image.data !== undefined) {
      bytes = Buffer.from(image.data, 'base64')
    } else if (this.#options.fetchImage) {
      bytes = await this.#options.fetchImage(image.url!).catch((err: unknown) => {
        throw imageError('FG_IMAGE_FETCH_FAILED', path, `image could not be fetched: ${(err as Error).message}`)
      })
    } else {
      throw validationError(`${path}.url: url images are not supported here yet`, [{ path: `${path}.url`, message: 'url images are not supported here yet' }])
    }
    // Any format the decoder reads: a bank is made from whatever the case files are, and their hashes match the items' images.
    const { hash, quality } = await (this.#options.hashImage ?? hashImage)(bytes, { maxInputPixels: this.#options.maxInputPixels, anyFormat: true }).catch((err: unknown) => {
      const { code, reason } = err as ImageDecodeError
      throw code === 'FG_IMAGE_TOO_LARGE'
        ? imageError('FG_IMAGE_TOO_LARGE', path, `image has more than ${this.#options.maxInputPixels} pixels`)
        : imageError('FG_IMAGE_INVALID', path, reason)
    })
    if (quality < this.#options.minQuality) {
      throw imageError('FG_IMAGE_LOW_QUALITY', path, `image PDQ quality is ${quality}, below ${this.#options.minQuality}: its hash would match unrelated images`)
    }
    return hashToHex(hash)
  }

  async #applied(version: number): Promise<void> {
    await this.#index.caughtUp(version, this.#options.applyWaitMs ?? 1000)
  }
}

function imageError(code: string, path: string, message: string): FeedguardError {
  return new FeedguardError(code, 400, `${path}: ${message}`, [{ path, message }])
}

/** `{ [key]: value }` when the value is present, else nothing: stored objects carry no undefined fields. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V })
}
