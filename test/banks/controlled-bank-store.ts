import type { BankChange } from '../../src/banks/bank.js'
import { MemoryBankStore } from '../../src/banks/memory-bank-store.js'
import type { BankStore } from '../../src/banks/bank-store.js'
import { bankNotFound, storeUnavailable } from '../../src/errors.js'

/**
 * A memory store whose notifications and reads a test controls: notifications can be lost or held back,
 * reads made to fail, a resync asked for.
 */
export class ControlledStore extends MemoryBankStore implements BankStore {
  /** Notifications are dropped while false. */
  deliver = true
  /** Notifications are kept here while true, until `release`. */
  hold = false
  /** Read calls (version, listBanks, listEntries) that fail as if Redis were down. */
  failingReads = 0
  /** Banks whose next listEntries says they were deleted meanwhile. */
  readonly vanishing = new Set<string>()
  /** Called before every listEntries, e.g. to change the store in the middle of a load. */
  beforeListEntries: (() => void) | undefined
  readonly #held: BankChange[] = []
  readonly #changeListeners: Array<(change: BankChange) => void> = []
  readonly #resyncListeners: Array<() => void> = []

  constructor() {
    super()
    super.onChange((change) => {
      if (this.hold) this.#held.push(change)
      else if (this.deliver) for (const listener of this.#changeListeners) listener(change)
    })
  }

  override onChange(listener: (change: BankChange) => void): void {
    this.#changeListeners.push(listener)
  }

  override onResync(listener: () => void): void {
    this.#resyncListeners.push(listener)
  }

  resync(): void {
    for (const listener of this.#resyncListeners) listener()
  }

  /** Delivers the held notifications, in order. */
  release(): void {
    this.hold = false
    for (const change of this.#held.splice(0)) for (const listener of this.#changeListeners) listener(change)
  }

  /** Delivers a notification as another replica's store would. */
  announce(change: BankChange): void {
    for (const listener of this.#changeListeners) listener(change)
  }

  override async version() {
    this.#maybeFail()
    return super.version()
  }

  override async listBanks() {
    this.#maybeFail()
    return super.listBanks()
  }

  override async listEntries(bank: string, page: { after?: string; limit: number }) {
    this.beforeListEntries?.()
    this.#maybeFail()
    if (this.vanishing.delete(bank)) throw bankNotFound(bank)
    return super.listEntries(bank, page)
  }

  #maybeFail() {
    if (this.failingReads > 0) {
      this.failingReads--
      throw storeUnavailable('connection refused', 'hash bank store')
    }
  }
}
