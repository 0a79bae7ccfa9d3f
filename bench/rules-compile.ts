/**
 * Compiling a user's rules on the event loop (issue 14): the largest document the limits allow (200
 * keywords of 100 characters with spaces, 1,000 muted creators) against a one-keyword document, compiled
 * afresh each round as a rules-cache miss does. Figures in CPU-bound wall time per compile (the machine may
 * be shared: the run prints its load and the spread of the rounds).
 *
 *   node --import tsx bench/rules-compile.ts
 */
import os from 'node:os'
import { compileRules } from '../src/rules/compiled-rules.js'
import { contentFromInput } from '../src/rules/document.js'
import { RulesDocumentInputSchema } from '../src/rules/schema.js'

const ROUNDS = 30

function document(keywords: number, authors: number) {
  const input = RulesDocumentInputSchema.parse({
    keywords: Array.from({ length: keywords }, (_, i) => ({ value: `s p o i l e r ${i} w${i} `.padEnd(100, 'z y ').slice(0, 100).trim() })),
    authors: Array.from({ length: authors }, (_, i) => ({ id: `creator-${i}` }))
  })
  return { ...contentFromInput(input), version: 1 }
}

function timings(doc: ReturnType<typeof document>): number[] {
  const ms: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // A copy each round: nothing compiled before is reused through object identity.
    const fresh = structuredClone(doc)
    const started = performance.now()
    compileRules(fresh)
    ms.push(performance.now() - started)
  }
  return ms.sort((a, b) => a - b)
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
const line = (name: string, sorted: number[]) =>
  `${name.padEnd(44)} p50 ${quantile(sorted, 0.5).toFixed(2).padStart(7)} ms  p90 ${quantile(sorted, 0.9).toFixed(2).padStart(7)} ms  min ${sorted[0]!.toFixed(2).padStart(7)} ms  max ${sorted.at(-1)!.toFixed(2).padStart(7)} ms`

const baseline = timings(document(1, 0))
const largest = timings(document(200, 1000))
const loadBefore = os.loadavg()[0]!
console.log(`rules compile, ${ROUNDS} rounds each, load ${loadBefore.toFixed(1)} on ${os.availableParallelism()} cores`)
console.log(line('1 keyword (baseline)', baseline))
console.log(line('200 keywords × 100 chars + 1,000 authors', largest))
console.log(`ratio (p50): ${(quantile(largest, 0.5) / quantile(baseline, 0.5)).toFixed(0)}×; target: under 20 ms on the event loop`)
