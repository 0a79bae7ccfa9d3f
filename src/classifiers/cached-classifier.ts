import type { RedisClient } from '../redis/connection.js'
import { LRUCache } from 'lru-cache'
import type { Category } from '../policy/vocabulary.js'
import { NO_METRICS, type MetricsRecorder } from '../metrics/recorder.js'
import { setAll } from '../redis/per-node.js'
import type { ReadBatch } from '../redis/read-batch.js'
import { scoresJson, scoresOf, shareEvidence } from './shared-scores.js'
import type { CategoryEvidence, Classifier, ClassifierItem, ScoredCategory } from './types.js'

export interface ScoreCacheOptions {
  /** Off: every item is classified on every request (for measuring the model, or debugging). */
  enabled: boolean
  /** Shared cache across replicas; null keeps only the in-process LRU. */
  redis: RedisClient | null
  keyPrefix: string
  maxItems: number
  /** Bound on the estimated memory of the in-process entries, which keep the content they were scored from. */
  maxBytes?: number
  ttlSeconds: number
}

/**
 * An entry's heap bytes beyond its key and content: the entry, the LRU's bookkeeping and the evidence, whose
 * share grows with the model's categories (a property each, the scores and their JSON). Measured by filling a
 * cache with 200,000 entries and dropping it (Node 20): 526 bytes with 1 category, 854 with 6. Strings are
 * counted at two bytes a character, which covers text outside Latin-1.
 */
const ENTRY_BYTES = 460
const CATEGORY_BYTES = 66

/** What a model reads of an item, or undefined when the item gives it nothing to score. */
export type ContentOf = (item: ClassifierItem) => string | undefined

type Scores = Partial<Record<Category, number>>

/** What CachedClassifier.begin answers. */
export interface ScoresPending {
  /** Items whose scores this process does not hold: the shared cache or the model gives them (unless only cached scores are wanted). */
  readonly unknownHere: number
  /** Called once the request's Redis batch has run: each item's evidence, in order. */
  finish(): Promise<CategoryEvidence[]>
}

/** A fast 53-bit string hash (cyrb53): identifies content, not a security boundary. */
export function contentHash(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

/**
 * Scores are kept to four decimals: finer differences are noise, every threshold has at most three,
 * and a cached score then equals a freshly computed one exactly. It also keeps responses small.
 */
export const roundScore = (score: number) => Math.round(score * 10_000) / 10_000

/** Evidence objects handed out by the cache are shared between requests: read them, never change them. */
const NO_EVIDENCE: CategoryEvidence = Object.freeze({})

interface Entry {
  /** The content the evidence was computed from: a different content under the same id is a miss. */
  content: string
  evidence: CategoryEvidence
}

/**
 * A model behind a score cache keyed by (model version, item id, content): an in-process LRU per
 * model, then a Redis cache shared by replicas (its reads ride in the request's single round trip),
 * then the model itself — one call for all the items still unscored. An item whose content changed
 * under the same id is scored again. A hit costs one map look-up and one string comparison: no hashing
 * and no allocation, which matters when the same popular items are scored for every user.
 */
export class CachedClassifier {
  readonly #model: Classifier
  readonly #contentOf: ContentOf
  readonly #options: ScoreCacheOptions
  readonly #lru: LRUCache<string, Entry>
  readonly #source: string
  /**
   * This cache's scored categories by score, shared by all the evidence it hands out: scores are kept to four
   * decimals, so there are at most 10,001 of them, and an entry holds no object per category of its own.
   */
  readonly #scored = new Map<number, Readonly<ScoredCategory>>()
  readonly #metrics: MetricsRecorder

  /** `metrics` counts the cache's hits and misses and times the model's runs. */
  constructor(model: Classifier, contentOf: ContentOf, options: ScoreCacheOptions, metrics: MetricsRecorder = NO_METRICS) {
    this.#metrics = metrics
    this.#model = model
    this.#contentOf = contentOf
    this.#options = options
    // an entry keeps its content (a transcript may be 100,000 characters): bounded in bytes, not only in entries
    const entryBytes = ENTRY_BYTES + CATEGORY_BYTES * model.categories.length
    this.#lru = new LRUCache({
      max: options.maxItems,
      maxSize: options.maxBytes ?? Number.MAX_SAFE_INTEGER,
      sizeCalculation: (entry, key) => entryBytes + 2 * (key.length + entry.content.length)
    })
    this.#source = `model:${model.id}`
  }

  get id(): string {
    return this.#model.id
  }

  /**
   * Phase one queues the Redis look-ups for what the LRU lacks; `finish`, called after the batch has run,
   * classifies what is still missing and answers evidence per item (shared objects: read-only).
   */
  begin(items: readonly ClassifierItem[], batch: ReadBatch, cachedOnly = false): ScoresPending {
    const results: Array<CategoryEvidence | undefined> = new Array(items.length)
    const contents: Array<string | undefined> = new Array(items.length)
    // the shared cache's key of each item read there: its write-back, on a miss, goes to the same key
    const keys: Array<string | undefined> = new Array(items.length)
    const remote: Array<Promise<Scores | null> | undefined> = new Array(items.length)
    let lookups = 0
    for (let index = 0; index < items.length; index++) {
      const item = items[index]!
      const content = this.#contentOf(item)
      if (content === undefined) {
        results[index] = NO_EVIDENCE
        continue
      }
      contents[index] = content
      if (!this.#options.enabled) continue
      lookups++
      const cached = this.#lru.get(item.id)
      if (cached && cached.content === content) results[index] = cached.evidence
      else if (this.#options.redis) {
        // A failed or late cache read is only a miss: the item is classified instead.
        const key = this.#redisKey(item.id, content)
        keys[index] = key
        remote[index] = batch
          .add(key, ['get', key], (reply) => (reply ? (JSON.parse(reply as string) as Scores) : null))
          .catch(() => null)
      }
    }
    let unknownHere = 0
    for (let index = 0; index < items.length; index++) if (results[index] === undefined) unknownHere++
    if (unknownHere === 0) {
      this.#metrics.cacheLookups('text_scores', lookups, 0)
      return { unknownHere, finish: async () => results as CategoryEvidence[] }
    }

    const finish = async () => {
      for (let index = 0; index < items.length; index++) {
        const pending = remote[index]
        if (!pending) continue
        const found = await pending
        if (found) {
          const evidence = this.#evidence(found)
          results[index] = evidence
          this.#lru.set(items[index]!.id, { content: contents[index]!, evidence })
        }
      }
      const missing: number[] = []
      for (let index = 0; index < items.length; index++) if (results[index] === undefined) missing.push(index)
      // With the cache off nothing was looked up: `lookups` is 0 and so are the misses.
      const misses = Math.min(missing.length, lookups)
      this.#metrics.cacheLookups('text_scores', lookups - misses, misses)
      if (missing.length === 0) return results as CategoryEvidence[]
      // overloaded: items no cache knows are decided without this model's scores
      if (cachedOnly) for (const index of missing) results[index] = NO_EVIDENCE
      else await this.#classify(items, missing, contents, keys, results)
      return results as CategoryEvidence[]
    }
    return { unknownHere, finish }
  }

  async #classify(
    items: readonly ClassifierItem[],
    missing: number[],
    contents: Array<string | undefined>,
    keys: Array<string | undefined>,
    results: Array<CategoryEvidence | undefined>
  ) {
    const started = performance.now()
    const evidence = await this.#model.classify(missing.map((index) => items[index]!))
    this.#metrics.modelRun('text', this.#model.id, (performance.now() - started) / 1000, missing.length)
    const writes: Array<[string, string]> = []
    // written back only when there is a shared cache: the key it was read under, the JSON made when the evidence was shared
    const sharing = this.#options.enabled && this.#options.redis !== null
    missing.forEach((index, row) => {
      const found = this.#rounded(evidence[row]!)
      results[index] = found
      if (!this.#options.enabled) return
      const item = items[index]!
      this.#lru.set(item.id, { content: contents[index]!, evidence: found })
      if (sharing) writes.push([keys[index]!, scoresJson(scoresOf(found))])
    })
    this.#writeBack(writes)
  }

  /** Shares new scores with other replicas after the response; a failed write only costs a re-score. */
  #writeBack(writes: Array<[string, string]>) {
    const redis = this.#options.redis
    if (!redis || writes.length === 0 || redis.status !== 'ready') return
    setAll(redis, writes, this.#options.ttlSeconds).catch(() => undefined)
  }

  #redisKey(itemId: string, content: string): string {
    return `${this.#options.keyPrefix}sc:${this.#model.id}:${itemId}:${contentHash(content)}`
  }

  /** Evidence as the cache hands it out (shared: read-only) for scores read from the shared cache. */
  #evidence(scores: Scores): CategoryEvidence {
    const evidence: CategoryEvidence = {}
    for (const category in scores) evidence[category as Category] = this.#scoredCategory(scores[category as Category]!)
    return shareEvidence(evidence)
  }

  /** The model's evidence as the cache hands it out: its scores rounded as they are stored, built once. */
  #rounded(scored: CategoryEvidence): CategoryEvidence {
    const evidence: CategoryEvidence = {}
    for (const category in scored) evidence[category as Category] = this.#scoredCategory(roundScore(scored[category as Category]!.score))
    return shareEvidence(evidence)
  }

  #scoredCategory(score: number): Readonly<ScoredCategory> {
    let scored = this.#scored.get(score)
    if (scored === undefined) {
      scored = Object.freeze({ score, source: this.#source })
      // a score read from the shared cache that is not one of the 10,001 gets an object of its own
      if (roundScore(score) === score && score >= 0 && score <= 1) this.#scored.set(score, scored)
    }
    return scored
  }
}
