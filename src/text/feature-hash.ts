/**
 * The text model's feature hashing, shared by the featuriser that scores (featurize.ts) and the one that
 * explains (spans.ts): a feature index is only meaningful if both compute it the same way.
 */

/**
 * A word: letters, digits and marks, or one pictographic emoji. featurize.ts finds the same words without it,
 * code point by code point (its tests hold it to this definition).
 */
export const WORD = /[\p{L}\p{N}\p{M}]+|\p{Extended_Pictographic}/gu
export const CHAR_SEED = 0x811c9dc5
export const WORD_SEED = 0x2f8a43d1
export const BIGRAM_SEED = 0x6b43a9b5
/** FNV-1a's 32-bit prime. */
export const PRIME = 0x01000193

/** Murmur3's finaliser: spreads FNV's low-entropy low bits over the whole word before masking. */
export function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** FNV-1a over UTF-16 units from `seed` (unmixed). */
export function hashString(text: string, seed: number): number {
  let h = seed
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), PRIME)
  return h
}
