/**
 * Small, fast, seedable PRNG (mulberry32): the same seed gives the benchmarks the same requests, rules
 * and hashes on every run, so runs are comparable, and text-model training the same weights
 * (scripts/train-text/model.ts).
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
