import { LRUCache } from 'lru-cache'
import { compileRules, type CompiledRules } from './compiled.js'
import { defaultRules } from './schema.js'
import type { RulesStore } from './store.js'

export interface RulesCacheOptions {
  store: RulesStore
  /** Re-read from the store at least this often, even without a change notification. */
  ttlMs: number
  maxUsers: number
  now?: () => number
}

export interface RulesLookup {
  rules: CompiledRules
  /** Set when the store did not answer in time and older (or default) rules were used instead. */
  degraded?: string
}

interface Entry {
  rules: CompiledRules
  fetchedAt: number
}

const DEFAULT_RULES = compileRules(defaultRules())

class BudgetExceeded extends Error {}

/**
 * Compiled rules per user, so the scoring path reads the store only when a user's rules changed (a
 * pub/sub notification drops the entry) or the entry is older than the TTL. Entries are never served
 * past their TTL unless the store fails to answer within the budget: then the last known rules are
 * better than none, and the answer says it is degraded.
 */
export class RulesCache {
  readonly #store: RulesStore
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #entries: LRUCache<string, Entry>
  readonly #inflight = new Map<string, Promise<CompiledRules>>()
  /** Bumped on every invalidation: a read that started before one must not repopulate the cache. */
  #epoch = 0

  constructor(options: RulesCacheOptions) {
    this.#store = options.store
    this.#ttlMs = options.ttlMs
    this.#now = options.now ?? Date.now
    this.#entries = new LRUCache({ max: options.maxUsers })
    options.store.onChange((userId) => this.invalidate(userId))
    options.store.onResync(() => this.clear())
  }

  invalidate(userId: string): void {
    this.#epoch++
    this.#entries.delete(userId)
    this.#inflight.delete(userId)
  }

  clear(): void {
    this.#epoch++
    this.#entries.clear()
    this.#inflight.clear()
  }

  get size(): number {
    return this.#entries.size
  }

  /** At most one store read, bounded by `budgetMs`; never rejects. */
  async get(userId: string, budgetMs: number): Promise<RulesLookup> {
    const cached = this.#entries.get(userId)
    if (cached && this.#now() - cached.fetchedAt < this.#ttlMs) return { rules: cached.rules }
    try {
      return { rules: await withinBudget(this.#fetch(userId, cached?.rules), budgetMs) }
    } catch (err) {
      const why = err instanceof BudgetExceeded ? `no answer within ${budgetMs}ms` : (err as Error).message
      if (cached) {
        return { rules: cached.rules, degraded: `rules_stale: rules store ${why}; using rules version ${cached.rules.version}` }
      }
      return { rules: DEFAULT_RULES, degraded: `rules_unavailable: rules store ${why}; using policy defaults` }
    }
  }

  #fetch(userId: string, previous: CompiledRules | undefined): Promise<CompiledRules> {
    let pending = this.#inflight.get(userId)
    if (pending) return pending
    const epoch = this.#epoch
    pending = this.#store.get(userId).then(
      (doc) => {
        const rules = previous && previous.version === doc.version ? previous : compileRules(doc)
        if (this.#epoch === epoch) this.#entries.set(userId, { rules, fetchedAt: this.#now() })
        this.#settle(userId, pending)
        return rules
      },
      (err: unknown) => {
        this.#settle(userId, pending)
        throw err
      }
    )
    this.#inflight.set(userId, pending)
    return pending
  }

  #settle(userId: string, read: Promise<CompiledRules> | undefined) {
    if (this.#inflight.get(userId) === read) this.#inflight.delete(userId)
  }
}

function withinBudget<T>(promise: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded()), budgetMs)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
