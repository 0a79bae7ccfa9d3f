import { LRUCache } from 'lru-cache'
import { NO_METRICS, type MetricsRecorder } from '../metrics/recorder.js'
import type { ReadBatch } from '../redis/read-batch.js'
import { compileRules, type CompiledRules } from './compiled-rules.js'
import { defaultRules } from './schema.js'
import type { RulesStore } from './rules-store.js'

export interface RulesCacheOptions {
  store: RulesStore
  /** Re-read from the store at least this often, even without a change notification. */
  ttlMs: number
  maxUsers: number
  /** Bound on the estimated memory of all entries (CompiledRules.estimatedBytes); default: unbounded but by users. */
  maxBytes?: number
  /** Rules whose compiled form is estimated larger are compiled for each request, never kept. */
  maxUserBytes?: number
  now?: () => number
  /** Counts hits (fresh in the cache) and misses (read from the store). */
  metrics?: MetricsRecorder
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
  readonly #metrics: MetricsRecorder
  /** Bumped on every invalidation: a read that started before one must not repopulate the cache. */
  #epoch = 0

  constructor(options: RulesCacheOptions) {
    this.#store = options.store
    this.#ttlMs = options.ttlMs
    this.#now = options.now ?? Date.now
    this.#metrics = options.metrics ?? NO_METRICS
    // bounded in bytes as well as users: one user's rules may cost megabytes once compiled
    this.#entries = new LRUCache({
      max: options.maxUsers,
      maxSize: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      maxEntrySize: options.maxUserBytes ?? options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      sizeCalculation: (entry) => Math.max(1, entry.rules.estimatedBytes)
    })
    options.store.onChange((userId) => this.invalidate(userId))
    options.store.onResync(() => this.clear())
  }

  invalidate(userId: string): void {
    this.#epoch++
    this.#entries.delete(userId)
  }

  clear(): void {
    this.#epoch++
    this.#entries.clear()
  }

  get size(): number {
    return this.#entries.size
  }

  /** Estimated bytes the entries hold. */
  get bytes(): number {
    return this.#entries.calculatedSize
  }

  /**
   * The user's compiled rules: from the cache when fresh (nothing queued), else read through the
   * request's batch. Never rejects: a failed or late read falls back and says so.
   */
  async lookup(userId: string, batch: ReadBatch): Promise<RulesLookup> {
    const cached = this.#entries.get(userId)
    if (cached && this.#now() - cached.fetchedAt < this.#ttlMs) {
      this.#metrics.cacheLookups('rules', 1, 0)
      return { rules: cached.rules }
    }
    this.#metrics.cacheLookups('rules', 0, 1)
    const epoch = this.#epoch
    try {
      const doc = await this.#store.read(userId, batch)
      const rules = cached && cached.rules.version === doc.version ? cached.rules : compileRules(doc)
      if (this.#epoch === epoch) this.#entries.set(userId, { rules, fetchedAt: this.#now() })
      return { rules }
    } catch (err) {
      const why = `rules store: ${(err as Error).message}`
      if (cached) return { rules: cached.rules, degraded: `rules_stale: ${why}; using rules version ${cached.rules.version}` }
      return { rules: DEFAULT_RULES, degraded: `rules_unavailable: ${why}; using policy defaults` }
    }
  }
}
