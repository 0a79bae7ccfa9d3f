import { bankEntryNotFound, bankExists, bankNotFound } from '../errors.js'
import { byName, type Bank, type BankChange, type BankEntry, type BankSummary, type EntryPage } from './bank.js'
import type { BankPatch, BankStore, NewBankEntry } from './bank-store.js'

interface StoredBank {
  bank: Bank
  entries: Map<string, BankEntry>
  idOfHash: Map<string, string>
  /** Entry ids in sorted order, for paging. */
  ids: string[]
}

/** The embedded store: one process, nothing persisted. Every method answers copies, so callers never share objects. */
export class MemoryBankStore implements BankStore {
  readonly kind = 'memory'
  readonly #banks = new Map<string, StoredBank>()
  readonly #listeners: Array<(change: BankChange) => void> = []
  #version = 0

  async createBank(bank: Bank): Promise<number> {
    if (this.#banks.has(bank.name)) throw bankExists(bank.name)
    this.#banks.set(bank.name, { bank: { ...bank }, entries: new Map(), idOfHash: new Map(), ids: [] })
    return this.#announce({ op: 'create', bank: { ...bank } })
  }

  async listBanks(): Promise<BankSummary[]> {
    return [...this.#banks.values()].map(summary).sort(byName)
  }

  async getBank(name: string): Promise<BankSummary> {
    return summary(this.#get(name))
  }

  async updateBank(name: string, patch: BankPatch): Promise<{ version: number; bank: BankSummary }> {
    const stored = this.#get(name)
    if (patch.enabled !== undefined) stored.bank.enabled = patch.enabled
    if (patch.description === null) delete stored.bank.description
    else if (patch.description !== undefined) stored.bank.description = patch.description
    return { version: this.#announce({ op: 'update', bank: { ...stored.bank } }), bank: summary(stored) }
  }

  async deleteBank(name: string): Promise<number> {
    this.#get(name)
    this.#banks.delete(name)
    return this.#announce({ op: 'delete', bank: name })
  }

  async addEntries(bank: string, entries: readonly NewBankEntry[]): Promise<{ version: number; entries: BankEntry[] }> {
    const stored = this.#get(bank)
    const added = entries.map((input) => {
      const existing = stored.idOfHash.get(input.hash)
      const previous = existing === undefined ? undefined : stored.entries.get(existing)
      const entry: BankEntry = { id: previous?.id ?? input.id, hash: input.hash, action: input.action, addedAt: previous?.addedAt ?? input.addedAt }
      if (input.contentId !== undefined) entry.contentId = input.contentId
      if (!previous) {
        stored.idOfHash.set(entry.hash, entry.id)
        stored.ids.splice(firstAfter(stored.ids, entry.id), 0, entry.id)
      }
      stored.entries.set(entry.id, entry)
      return { ...entry }
    })
    return { version: this.#announce({ op: 'add', bank, entries: added.map((entry) => ({ ...entry })) }), entries: added }
  }

  async listEntries(bank: string, page: { after?: string; limit: number }): Promise<EntryPage> {
    const stored = this.#get(bank)
    const start = page.after === undefined ? 0 : firstAfter(stored.ids, page.after)
    const ids = stored.ids.slice(start, start + page.limit)
    const more = start + page.limit < stored.ids.length
    return { entries: ids.map((id) => ({ ...stored.entries.get(id)! })), next: more ? ids[ids.length - 1]! : null }
  }

  async removeEntry(bank: string, entryId: string): Promise<number> {
    const stored = this.#get(bank)
    const entry = stored.entries.get(entryId)
    if (!entry) throw bankEntryNotFound(bank, entryId)
    stored.entries.delete(entryId)
    stored.idOfHash.delete(entry.hash)
    stored.ids.splice(firstAfter(stored.ids, entryId) - 1, 1)
    return this.#announce({ op: 'remove', bank, entryId })
  }

  async version(): Promise<number> {
    return this.#version
  }

  onChange(listener: (change: BankChange) => void): void {
    this.#listeners.push(listener)
  }

  onResync(_listener: () => void): void {
    // A single process never misses its own notifications.
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#banks.clear()
  }

  #get(name: string): StoredBank {
    const stored = this.#banks.get(name)
    if (!stored) throw bankNotFound(name)
    return stored
  }

  #announce(change: DistributiveOmit<BankChange, 'version'>): number {
    const version = ++this.#version
    for (const listener of this.#listeners) listener({ ...change, version } as BankChange)
    return version
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function summary(stored: StoredBank): BankSummary {
  return { ...stored.bank, entries: stored.entries.size }
}

/** Index of the first id greater than `id` in a sorted array (binary search). */
function firstAfter(ids: readonly string[], id: string): number {
  let low = 0
  let high = ids.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (ids[middle]! <= id) low = middle + 1
    else high = middle
  }
  return low
}
