/**
 * Image results (category scores and PDQ hash) cached by content hash (`d:` + SHA-256 of the image
 * bytes) and by URL (`u:` + SHA-256 of the normalised URL): an in-process LRU, then a Redis cache shared
 * by replicas whose reads ride in the request's single round trip, with a TTL (a URL may come to
 * serve another image). Images that could not be scored are remembered in process only, briefly, so a
 * broken URL is not fetched again on every request.
 */
import { createHash } from 'node:crypto'
import type { RedisClient } from '../redis/connection.js'
import { LRUCache } from 'lru-cache'
import { hashFromHex, hashToHex } from '../pdq/pdq.js'
import { setAll } from '../redis/per-node.js'
import type { ReadBatch } from '../redis/read-batch.js'
import type { ImageHash } from './image-hash.js'

export interface ImageScores {
  sexual: number
  suggestive: number
}

/** What is known of one image once it is scored. */
export interface ImageEntry {
  scores: ImageScores
  hash: ImageHash
}

export type CachedImage = { entry: ImageEntry } | { failure: string }

export interface ImageCacheOptions {
  /** Off: nothing is cached (for measuring, or debugging). */
  enabled: boolean
  /** The shared cache; null keeps only the in-process LRU. */
  redis: RedisClient | null
  keyPrefix: string
  maxItems: number
  ttlSeconds: number
  /** How long an image that could not be scored is remembered (in process only). */
  failureTtlSeconds: number
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('base64url')

export const dataKey = (bytes: Uint8Array) => `d:${sha256(bytes)}`
export const urlKey = (url: string) => `u:${sha256(url)}`

interface StoredEntry {
  /** sexual, suggestive */
  s: [number, number]
  h: string
  q: number
  v?: string[]
}

export function encodeEntry({ scores, hash }: ImageEntry): string {
  const stored: StoredEntry = { s: [scores.sexual, scores.suggestive], h: hashToHex(hash.hash), q: hash.quality }
  if (hash.variants) stored.v = hash.variants.map(hashToHex)
  return JSON.stringify(stored)
}

/** The entry, or null for anything that is not one (e.g. written by another version): a miss. */
export function decodeEntry(text: string): ImageEntry | null {
  try {
    const { s, h, q, v } = JSON.parse(text) as StoredEntry
    const [sexual, suggestive] = s
    if (typeof sexual !== 'number' || typeof suggestive !== 'number' || typeof q !== 'number') return null
    const hash: ImageHash = { hash: hashFromHex(h), quality: q }
    if (v) hash.variants = v.map(hashFromHex)
    return { scores: { sexual, suggestive }, hash }
  } catch {
    return null
  }
}

export class ImageCache {
  readonly #namespace: string
  readonly #options: ImageCacheOptions
  readonly #lru: LRUCache<string, CachedImage>

  /** `namespace` tells apart what different models (or hash settings) would cache under one key. */
  constructor(namespace: string, options: ImageCacheOptions) {
    this.#namespace = namespace
    this.#options = options
    this.#lru = new LRUCache({ max: options.maxItems, ttl: options.ttlSeconds * 1000 })
  }

  get size(): number {
    return this.#lru.size
  }

  memory(key: string): CachedImage | undefined {
    return this.#options.enabled ? this.#lru.get(key) : undefined
  }

  /** Queues the shared cache's read on the request's batch; a miss, a failed or a late read is null. */
  queueRead(key: string, batch: ReadBatch): Promise<ImageEntry | null> {
    if (!this.#options.enabled || !this.#options.redis) return Promise.resolve(null)
    const redisKey = this.#redisKey(key)
    return batch
      .add(
        redisKey,
        ['get', redisKey],
        (reply) => (typeof reply === 'string' ? decodeEntry(reply) : null)
      )
      .then((entry) => {
        if (entry) this.#lru.set(key, { entry })
        return entry
      })
      .catch(() => null)
  }

  /** Remembers a scored image under each of its keys, here and (after the response) in the shared cache. */
  store(keys: readonly string[], entry: ImageEntry): void {
    if (!this.#options.enabled) return
    for (const key of keys) this.#lru.set(key, { entry })
    const redis = this.#options.redis
    if (!redis || redis.status !== 'ready') return
    const value = encodeEntry(entry)
    // A failed write only costs another replica a classification.
    setAll(
      redis,
      keys.map((key) => [this.#redisKey(key), value] as const),
      this.#options.ttlSeconds
    ).catch(() => undefined)
  }

  storeFailure(key: string, reason: string): void {
    if (this.#options.enabled) this.#lru.set(key, { failure: reason }, { ttl: this.#options.failureTtlSeconds * 1000 })
  }

  #redisKey(key: string): string {
    return `${this.#options.keyPrefix}img:${this.#namespace}:${key}`
  }
}
