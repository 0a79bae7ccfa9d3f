import type { HashReason } from '../engine/types.js'
import { FeedguardError } from '../errors.js'
import { ACTION_SEVERITY } from '../policy/vocabulary.js'
import { PdqIndex } from '../pdq/pdq-index.js'
import { hashFromHex, type PdqHash } from '../pdq/pdq.js'
import type { Bank, BankChange, HashAction } from './bank.js'
import type { BankStore } from './bank-store.js'

/** The PDQ hash of an item's image, computed from the full decoded image. */
export interface ImageHash {
  hash: PdqHash
  /** PDQ quality, 0–100: images below the threshold are not matched (their hash is mostly noise). */
  quality: number
  /** The hashes of the 8 rotations and flips (`pdqDihedral`), matched when dihedral matching is on. */
  variants?: readonly PdqHash[]
}

/** The logging the index needs (pino's signature). */
export interface BankLog {
  info(details: object, message: string): void
  warn(details: object, message: string): void
}

export interface BankIndexOptions {
  store: BankStore
  /** Largest Hamming distance that is a match. */
  maxDistance: number
  /** Images whose PDQ quality is below this are not matched. */
  minQuality: number
  /** Match the 8 dihedral variants of an image when they are given. */
  dihedral: boolean
  log: BankLog
  /** Wait before retrying a load that failed (Redis down). Default 1 s. */
  retryMs?: number
}

interface EntryInfo {
  bank: string
  action: HashAction
  contentId?: string
}

const RELOAD = 'reload'
/** Entries read per round trip when loading a bank. */
const LOAD_PAGE = 5000

/**
 * The entries of every enabled bank, held in memory in one {@link PdqIndex} so that matching an image
 * costs no I/O. Loaded in bulk at start; then every change the store announces is applied in version
 * order. A gap in the versions, a reconnect of the subscriber or a failed load makes it reload
 * everything, into a new index that replaces the old one when complete (matching goes on meanwhile).
 *
 * Single-threaded use only: `PdqIndex.query` reuses internal buffers.
 */
export class BankIndex {
  readonly #store: BankStore
  readonly #options: BankIndexOptions
  #index = new PdqIndex()
  #entries = new Map<string, EntryInfo>()
  #banks = new Map<string, Bank>()
  /** The last change applied; -1 until the first load. */
  #version = -1
  readonly #queue: Array<BankChange | typeof RELOAD> = []
  #draining = false
  readonly #idle: Array<() => void> = []
  readonly #waiters: Array<{ version: number; done: () => void }> = []
  #retry: NodeJS.Timeout | undefined
  /** Whether the last load failed (logged once, not on every retry). */
  #failing = false
  #closed = false

  constructor(options: BankIndexOptions) {
    this.#store = options.store
    this.#options = options
    this.#store.onChange((change) => this.#enqueue(change))
    this.#store.onResync(() => this.#enqueue(RELOAD))
  }

  /** Loads every enabled bank; resolves when done, or once a failed attempt has been scheduled for retry. */
  async start(): Promise<void> {
    this.#enqueue(RELOAD)
    await this.#whenIdle()
  }

  /** Whether the banks have been loaded (at least once). */
  get loaded(): boolean {
    return this.#version >= 0
  }

  /** The last change applied (the store's change counter); -1 before the first load. */
  get version(): number {
    return this.#version
  }

  /** Entries held (of enabled banks). */
  get size(): number {
    return this.#index.size
  }

  /** Enabled banks. */
  get enabledBanks(): number {
    let count = 0
    for (const bank of this.#banks.values()) if (bank.enabled) count++
    return count
  }

  /**
   * Resolves with true once the change numbered `version` has been applied here, or with false after
   * `timeoutMs`: a write waits for it so that its own replica matches what it just stored.
   */
  caughtUp(version: number, timeoutMs: number): Promise<boolean> {
    if (this.#version >= version) return Promise.resolve(true)
    return new Promise((resolve) => {
      const waiter = {
        version,
        done: () => {
          clearTimeout(timer)
          resolve(true)
        }
      }
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        resolve(false)
      }, timeoutMs)
      this.#waiters.push(waiter)
    })
  }

  /**
   * The hash reasons for one image: per bank, its most severe matching entry (the nearest among
   * equals), most severe first, then nearest. No I/O.
   */
  match(image: ImageHash): HashReason[] {
    if (image.quality < this.#options.minQuality || this.#index.size === 0) return []
    const hashes = this.#options.dihedral && image.variants ? image.variants : [image.hash]
    const byBank = new Map<string, HashReason>()
    for (const hash of hashes) {
      for (const { entryId, distance } of this.#index.query(hash, this.#options.maxDistance)) {
        const entry = this.#entries.get(entryId)!
        const best = byBank.get(entry.bank)
        if (best && rank({ action: entry.action, distance }, best) >= 0) continue
        const reason: HashReason = { type: 'hash', action: entry.action, bank: entry.bank, distance, entryId }
        if (entry.contentId !== undefined) reason.contentId = entry.contentId
        byBank.set(entry.bank, reason)
      }
    }
    return [...byBank.values()].sort((a, b) => rank(a, b) || (a.bank < b.bank ? -1 : 1))
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#retry)
  }

  #enqueue(item: BankChange | typeof RELOAD): void {
    if (this.#closed) return
    this.#queue.push(item)
    if (!this.#draining) void this.#drain()
  }

  /** Applies queued changes one at a time, in order; changes that need no I/O apply synchronously. */
  async #drain(): Promise<void> {
    this.#draining = true
    while (this.#queue.length > 0) {
      const item = this.#queue.shift()!
      const pending = item === RELOAD ? this.#reload() : this.#apply(item)
      if (pending) await pending
      for (const waiter of this.#waiters.filter((w) => w.version <= this.#version)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        waiter.done()
      }
    }
    this.#draining = false
    for (const resolve of this.#idle.splice(0)) resolve()
  }

  #whenIdle(): Promise<void> {
    return this.#draining ? new Promise((resolve) => this.#idle.push(resolve)) : Promise.resolve()
  }

  #apply(change: BankChange): Promise<void> | void {
    // Before the first load, and for changes the last load already saw, there is nothing to do.
    if (change.version <= this.#version || this.#version < 0) return
    if (change.version > this.#version + 1) return this.#reload()
    const name = typeof change.bank === 'string' ? change.bank : change.bank.name
    const bank = this.#banks.get(name)
    if (change.op === 'update' && change.bank.enabled && !bank?.enabled) {
      this.#banks.set(name, change.bank)
      // Counted as applied once the bank's entries are in.
      return this.#loadBank(name).then(() => {
        this.#version = change.version
      })
    }
    this.#version = change.version
    switch (change.op) {
      case 'create':
        this.#banks.set(name, change.bank)
        return
      case 'update':
        this.#banks.set(name, change.bank)
        if (!change.bank.enabled && bank?.enabled) this.#dropBank(name)
        return
      case 'delete':
        if (bank?.enabled) this.#dropBank(name)
        this.#banks.delete(name)
        return
      case 'add':
        if (!bank?.enabled) return
        for (const entry of change.entries) {
          this.#index.add(entry.id, hashFromHex(entry.hash))
          this.#entries.set(entry.id, entryInfo(name, entry))
        }
        return
      case 'remove':
        if (this.#entries.get(change.entryId)?.bank !== name) return
        this.#index.remove(change.entryId)
        this.#entries.delete(change.entryId)
    }
  }

  /** Reads every enabled bank into a new index, then swaps it in. */
  async #reload(): Promise<void> {
    const started = Date.now()
    try {
      // The counter first: everything read after it includes at least the changes up to it.
      const version = await this.#store.version()
      const banks = new Map<string, Bank>()
      const entries = new Map<string, EntryInfo>()
      const batch: Array<[string, PdqHash]> = []
      for (const { entries: _count, ...bank } of await this.#store.listBanks()) {
        banks.set(bank.name, bank)
        if (bank.enabled) await this.#readBank(bank.name, batch, entries)
      }
      const index = new PdqIndex()
      index.addAll(batch)
      this.#index = index
      this.#entries = entries
      this.#banks = banks
      this.#version = version
      this.#failing = false
      this.#options.log.info(
        { entries: index.size, banks: this.enabledBanks, version, ms: Date.now() - started },
        'hash banks loaded'
      )
    } catch (err) {
      this.#retryLater(err as Error)
    }
  }

  /** Adds the entries of a bank that was just enabled. */
  async #loadBank(name: string): Promise<void> {
    try {
      const batch: Array<[string, PdqHash]> = []
      await this.#readBank(name, batch, this.#entries)
      this.#index.addAll(batch)
    } catch (err) {
      this.#retryLater(err as Error)
    }
  }

  async #readBank(name: string, batch: Array<[string, PdqHash]>, entries: Map<string, EntryInfo>): Promise<void> {
    let after: string | undefined
    do {
      const page = await this.#store.listEntries(name, { after, limit: LOAD_PAGE }).catch((err: unknown) => {
        // Deleted since it was listed: its deletion is a later change, applied after this load.
        if (err instanceof FeedguardError && err.code === 'FG_BANK_NOT_FOUND') return { entries: [], next: null }
        throw err
      })
      for (const entry of page.entries) {
        batch.push([entry.id, hashFromHex(entry.hash)])
        entries.set(entry.id, entryInfo(name, entry))
      }
      after = page.next ?? undefined
    } while (after !== undefined)
  }

  #dropBank(name: string): void {
    for (const [entryId, entry] of this.#entries) {
      if (entry.bank !== name) continue
      this.#index.remove(entryId)
      this.#entries.delete(entryId)
    }
  }

  #retryLater(err: Error): void {
    if (!this.#failing) this.#options.log.warn({ err: { message: err.message } }, 'hash banks could not be loaded; retrying')
    this.#failing = true
    if (this.#retry || this.#closed) return
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.#enqueue(RELOAD)
    }, this.#options.retryMs ?? 1000)
    this.#retry.unref()
  }
}

function entryInfo(bank: string, entry: { action: HashAction; contentId?: string }): EntryInfo {
  const info: EntryInfo = { bank, action: entry.action }
  if (entry.contentId !== undefined) info.contentId = entry.contentId
  return info
}

interface Ranked {
  action: HashAction
  distance: number
}

/** Negative when `a` is the better match: more severe, then nearer. */
function rank(a: Ranked, b: Ranked): number {
  return ACTION_SEVERITY[b.action] - ACTION_SEVERITY[a.action] || a.distance - b.distance
}
