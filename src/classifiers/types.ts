import type { Category } from '../policy/vocabulary.js'

/** Category scores in 0..1; a category a source does not score is absent. */
export type CategoryScores = Partial<Record<Category, number>>

/** One scored category together with where the score came from (`model:<name>@<version>`, `label:<name>`). */
export interface ScoredCategory {
  score: number
  source: string
}

export type CategoryEvidence = Partial<Record<Category, ScoredCategory>>

/** What a classifier sees of an item. */
export interface ClassifierItem {
  id: string
  /** Caption, on-screen text and transcript, joined with newlines (empty when the item has none). */
  text: string
  image?: { url?: string; data?: string }
  labels?: ReadonlyArray<{ name: string; score?: number }>
}

/** A range of UTF-16 offsets, [start, end), into a classifier item's text. */
export interface TextRange {
  start: number
  end: number
}

/** Which of a text's scores to explain. */
export interface SpanRequest {
  text: string
  categories: readonly Category[]
}

/** Per category explained: the ranges of the text that drove its score most, most influential first. */
export type CategorySpans = Partial<Record<Category, TextRange[]>>

/**
 * A source of category scores. Every model (and the upstream-label mapping) sits behind this one
 * interface, so the scoring path treats them alike: one call per request for a whole batch.
 */
export interface Classifier {
  /** `<name>@<version>`, reported in `meta.models` and in reasons' `source`. */
  readonly id: string
  readonly categories: readonly Category[]
  classify(items: readonly ClassifierItem[]): Promise<CategoryEvidence[]>
  /** For explanations, by a model that can tell: per request, the spans behind the categories asked about. */
  explainSpans?(requests: readonly SpanRequest[]): Promise<CategorySpans[]>
}
