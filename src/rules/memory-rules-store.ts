import { rulesConflict } from '../errors.js'
import { defaultRules, type RulesDocument } from './schema.js'
import type { RulesChange, RulesStore } from './rules-store.js'

/**
 * The embedded store: one process, nothing persisted. Documents are kept as JSON so callers never share
 * objects; a deleted one stays as a tombstone (defaults at the next version) so versions only go forward.
 */
export class MemoryRulesStore implements RulesStore {
  readonly kind = 'memory'
  readonly #docs = new Map<string, { json: string; deleted: boolean }>()
  readonly #listeners: Array<(userId: string) => void> = []

  async get(userId: string): Promise<RulesDocument> {
    return this.#read(userId)
  }

  async read(userId: string): Promise<RulesDocument> {
    return this.#read(userId)
  }

  /** Read, change and write happen in one synchronous step, so concurrent updates cannot interleave. */
  async update<T>(userId: string, change: RulesChange<T>, expectedVersion?: number) {
    const current = this.#read(userId)
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw rulesConflict(expectedVersion, current.version)
    }
    const { content, result } = change(current)
    const doc: RulesDocument = { version: current.version + 1, ...content }
    this.#docs.set(userId, { json: JSON.stringify(doc), deleted: false })
    this.#notify(userId)
    return { doc, result }
  }

  async delete(userId: string): Promise<boolean> {
    const stored = this.#docs.get(userId)
    if (stored === undefined || stored.deleted) return false
    const tombstone: RulesDocument = { ...defaultRules(), version: this.#read(userId).version + 1 }
    this.#docs.set(userId, { json: JSON.stringify(tombstone), deleted: true })
    this.#notify(userId)
    return true
  }

  onChange(listener: (userId: string) => void): void {
    this.#listeners.push(listener)
  }

  onResync(): void {
    // A single process never misses its own notifications.
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#docs.clear()
  }

  #read(userId: string): RulesDocument {
    const stored = this.#docs.get(userId)
    return stored === undefined ? defaultRules() : (JSON.parse(stored.json) as RulesDocument)
  }

  #notify(userId: string) {
    for (const listener of this.#listeners) listener(userId)
  }
}
