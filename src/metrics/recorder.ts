/**
 * What the domain services report to the metrics, as a narrow interface of their own: they call it
 * where things happen and know nothing of Prometheus (src/metrics/metrics.ts implements it).
 */
import type { Decision } from '../engine/types.js'

/** The caches whose hits and misses are counted. */
export type CacheName = 'rules' | 'text_scores' | 'image' | 'item_status'

export type ModelKind = 'text' | 'image'

export interface MetricsRecorder {
  /** Look-ups of a cache: `hits` answered from it (any tier), `misses` not. */
  cacheLookups(cache: CacheName, hits: number, misses: number): void
  /** One run of a model (`session.run`) on `batchSize` inputs, taking `seconds`. */
  modelRun(kind: ModelKind, model: string, seconds: number, batchSize: number): void
  /** The Redis nodes one `/v1/score` request's round of reads went to (0: nothing read). */
  redisRound(nodes: number): void
  /** One `/v1/score` answer: its decisions and why it is degraded, if it is. */
  scoreAnswer(decisions: readonly Decision[], degradedReasons: readonly string[]): void
}

/** Records nothing: for services built without metrics (tools, benchmarks, unit tests). */
export const NO_METRICS: MetricsRecorder = {
  cacheLookups() {},
  modelRun() {},
  redisRound() {},
  scoreAnswer() {}
}
