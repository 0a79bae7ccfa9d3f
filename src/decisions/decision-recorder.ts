import type { CategoryEvidence } from '../classifiers/types.js'
import type { Decision } from '../engine/types.js'
import type { Surface } from '../policy/vocabulary.js'
import type { RulesDocument } from '../rules/schema.js'
import { countKey, hourOf, type DecisionCounts, type DecisionStore, type HeadlineReason, type SampledItem } from './decision-store.js'

export interface DecisionRecorderOptions {
  /** Share of scored items (with any category score) kept in the sample, 0–1. */
  sampleRate: number
  /** Samples held between flushes; past it, new ones are not taken until the next flush. */
  maxBuffered: number
  random?: () => number
  now?: () => number
}

/**
 * Takes note of the scoring path's decisions in process, cheaply (a counter per action and headline
 * reason, a random draw per item), and hands them to the store in one write per flush.
 */
export class DecisionRecorder {
  readonly #store: DecisionStore
  readonly #options: DecisionRecorderOptions
  readonly #random: () => number
  readonly #now: () => number
  #counts = new Map<number, DecisionCounts>()
  #samples: SampledItem[] = []

  constructor(store: DecisionStore, options: DecisionRecorderOptions) {
    this.#store = store
    this.#options = options
    this.#random = options.random ?? Math.random
    this.#now = options.now ?? Date.now
  }

  /** One request's decisions; `evidence` is aligned with them. */
  record(surface: Surface, rules: RulesDocument, decisions: readonly Decision[], evidence: readonly CategoryEvidence[]): void {
    const at = this.#now()
    const hour = hourOf(at)
    let counts = this.#counts.get(hour)
    if (!counts) this.#counts.set(hour, (counts = {}))
    const { sampleRate, maxBuffered } = this.#options
    for (let i = 0; i < decisions.length; i++) {
      const decision = decisions[i]!
      const key = countKeyOf(decision.action, (decision.reasons[0]?.type ?? 'none') as HeadlineReason)
      counts[key] = (counts[key] ?? 0) + 1
      if (sampleRate === 0 || this.#samples.length >= maxBuffered) continue
      const scored = evidence[i]!
      // Items without any category score decide the same under every policy: nothing to learn from them.
      if (isEmpty(scored) || this.#random() >= sampleRate) continue
      this.#samples.push({
        itemId: decision.id,
        at,
        surface,
        sensitivity: rules.sensitivity,
        ageBand: rules.ageBand,
        restrictedMode: rules.restrictedMode,
        choices: rules.categories,
        evidence: scored
      })
    }
  }

  /** Writes what was noted since the last flush; what a failed write held is dropped (it stays bounded). */
  async flush(): Promise<void> {
    const counts = this.#counts
    const samples = this.#samples
    if (counts.size === 0 && samples.length === 0) return
    this.#counts = new Map()
    this.#samples = []
    await Promise.all([
      this.#store.addCounts([...counts].map(([hour, hourCounts]) => ({ hour, counts: hourCounts }))),
      this.#store.addSamples(samples)
    ])
  }
}

/** countKey's keys by action, then headline reason: both come from small vocabularies, so each is made once. */
const COUNT_KEYS = new Map<Decision['action'], Map<HeadlineReason, string>>()

function countKeyOf(action: Decision['action'], reason: HeadlineReason): string {
  let byReason = COUNT_KEYS.get(action)
  if (byReason === undefined) COUNT_KEYS.set(action, (byReason = new Map()))
  let key = byReason.get(reason)
  if (key === undefined) byReason.set(reason, (key = countKey(action, reason)))
  return key
}

function isEmpty(evidence: CategoryEvidence): boolean {
  for (const _ in evidence) return false
  return true
}
