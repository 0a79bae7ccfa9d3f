import type { Bank, BankChange, BankEntry, BankSummary, EntryPage, HashAction } from './bank.js'

/** An entry as the service asks for it; the store keeps the existing id and `addedAt` of a hash already in the bank. */
export interface NewBankEntry {
  id: string
  hash: string
  contentId?: string
  action: HashAction
  addedAt: string
}

/** `description: null` removes the description. */
export interface BankPatch {
  enabled?: boolean
  description?: string | null
}

/**
 * Where hash banks live. Two implementations share one contract test suite: Redis (production, shared
 * by replicas) and in-memory (the embedded default when no REDIS_URL is set).
 *
 * Every write is atomic and counted: it returns the new value of a counter of all changes to all banks,
 * and announces the change with that `version` to every replica's `onChange` listeners, in order.
 * Writes about a bank that does not exist fail with FG_BANK_NOT_FOUND and change nothing.
 */
export interface BankStore {
  readonly kind: 'redis' | 'memory'
  /** FG_BANK_EXISTS when a bank has that name. */
  createBank(bank: Bank): Promise<number>
  /** Every bank with its entry count, by name. */
  listBanks(): Promise<BankSummary[]>
  getBank(name: string): Promise<BankSummary>
  updateBank(name: string, patch: BankPatch): Promise<{ version: number; bank: BankSummary }>
  /** Removes the bank and all its entries. */
  deleteBank(name: string): Promise<number>
  /**
   * Adds entries in order, in one step. An entry whose hash is already in the bank updates that entry
   * (its action and content id) and keeps its id and `addedAt`. Answers the entries as stored.
   */
  addEntries(bank: string, entries: readonly NewBankEntry[]): Promise<{ version: number; entries: BankEntry[] }>
  /** Entries with ids greater than `after`, in id order. */
  listEntries(bank: string, page: { after?: string; limit: number }): Promise<EntryPage>
  /** FG_BANK_ENTRY_NOT_FOUND when the bank has no such entry. */
  removeEntry(bank: string, entryId: string): Promise<number>
  /** The change counter: a snapshot read after it includes every change up to it. */
  version(): Promise<number>
  /** Called with every change, on this replica or any other, in the order they were made. */
  onChange(listener: (change: BankChange) => void): void
  /** Called when change notifications may have been missed (e.g. after a reconnect). */
  onResync(listener: () => void): void
  ping(): Promise<void>
  close(): Promise<void>
}
