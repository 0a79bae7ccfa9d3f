import {
  bucketHours,
  hourOf,
  HOUR_MS,
  type DecisionCounts,
  type DecisionStore,
  type DecisionStoreOptions,
  type HourlyDecisions,
  type SampledItem
} from './decision-store.js'

/** The embedded store: one process, bounded by the per-hour cap and the times to live. */
export class MemoryDecisionStore implements DecisionStore {
  readonly kind = 'memory'
  readonly #options: DecisionStoreOptions
  readonly #now: () => number
  /** hour → samples, oldest first */
  readonly #samples = new Map<number, SampledItem[]>()
  readonly #counts = new Map<number, DecisionCounts>()

  constructor(options: DecisionStoreOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  async addSamples(samples: readonly SampledItem[]): Promise<void> {
    this.#sweep()
    for (const sample of samples) {
      const hour = hourOf(sample.at)
      let bucket = this.#samples.get(hour)
      if (!bucket) this.#samples.set(hour, (bucket = []))
      bucket.push(sample)
      if (bucket.length > this.#options.maxSamplesPerHour) bucket.shift()
    }
  }

  async readSamples(limit: number): Promise<SampledItem[]> {
    this.#sweep()
    const oldest = this.#now() - this.#options.sampleTtlMs
    const out: SampledItem[] = []
    for (const hour of [...this.#samples.keys()].sort((a, b) => b - a)) {
      const bucket = this.#samples.get(hour)!
      for (let i = bucket.length - 1; i >= 0 && out.length < limit; i--) if (bucket[i]!.at > oldest) out.push(bucket[i]!)
    }
    return out
  }

  async addCounts(hours: readonly HourlyDecisions[]): Promise<void> {
    this.#sweep()
    for (const { hour, counts } of hours) {
      let bucket = this.#counts.get(hour)
      if (!bucket) this.#counts.set(hour, (bucket = {}))
      for (const [key, count] of Object.entries(counts)) bucket[key] = (bucket[key] ?? 0) + count
    }
  }

  async readCounts(hours: number): Promise<HourlyDecisions[]> {
    this.#sweep()
    return bucketHours(this.#now(), hours).map((hour) => ({ hour, counts: { ...this.#counts.get(hour) } }))
  }

  async close(): Promise<void> {}

  /** Drops buckets wholly past their time to live. */
  #sweep() {
    const now = this.#now()
    for (const hour of this.#samples.keys()) if (hour + HOUR_MS <= now - this.#options.sampleTtlMs) this.#samples.delete(hour)
    for (const hour of this.#counts.keys()) if (hour + HOUR_MS <= now - this.#options.countsTtlMs) this.#counts.delete(hour)
  }
}
