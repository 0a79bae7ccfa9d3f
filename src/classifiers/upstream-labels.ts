import { CATEGORIES } from '../policy/vocabulary.js'
import type { Policy } from '../policy/policy.js'
import type { CategoryEvidence, Classifier, ClassifierItem } from './types.js'

/**
 * Upstream labels (attached by other systems) as a classifier: each label the policy knows is mapped
 * onto its category; unknown labels are ignored. A label without a score counts as certain.
 */
export class UpstreamLabels implements Classifier {
  readonly id = 'labels'
  readonly categories = CATEGORIES

  constructor(private readonly policy: Policy) {}

  async classify(items: readonly ClassifierItem[]): Promise<CategoryEvidence[]> {
    return items.map((item) => this.evidenceFor(item.labels))
  }

  evidenceFor(labels: ClassifierItem['labels']): CategoryEvidence {
    const evidence: CategoryEvidence = {}
    if (!labels) return evidence
    for (const label of labels) {
      const category = this.policy.categoryForLabel(label.name)
      if (!category) continue
      const score = label.score ?? 1
      const current = evidence[category]
      if (!current || score > current.score) evidence[category] = { score, source: `label:${label.name}` }
    }
    return evidence
  }
}

export const NO_EVIDENCE: CategoryEvidence = Object.freeze({})

/**
 * Per category, the stronger evidence of two sources (ties to the first). Either may be shared (cached):
 * neither is changed, and when one is empty the other is answered as it is, without a copy.
 */
export function combineEvidence(first: CategoryEvidence, second: CategoryEvidence): CategoryEvidence {
  if (isEmpty(second)) return first
  if (isEmpty(first)) return second
  return mergeEvidence(mergeEvidence({}, first), second)
}

function isEmpty(evidence: CategoryEvidence): boolean {
  for (const _ in evidence) return false
  return true
}

/** Keeps, per category, the strongest evidence from any source. */
export function mergeEvidence(into: CategoryEvidence, from: CategoryEvidence): CategoryEvidence {
  for (const key in from) {
    const category = key as keyof CategoryEvidence
    const scored = from[category]!
    const current = into[category]
    if (!current || scored.score > current.score) into[category] = scored
  }
  return into
}
