import type { Category } from '../policy/vocabulary.js'
import type { CategoryEvidence, CategoryScores } from './types.js'

/**
 * Evidence a cache hands out is the same object for as long as the item is cached, and every answer
 * about the item lists its scores. Such evidence carries its scores object, and the scores their JSON,
 * made once when the evidence is cached: formatting numbers is most of what writing an answer costs.
 * The extras are symbol-keyed, so `for…in`, spreading and JSON.stringify do not see them.
 */
const SCORES = Symbol('scores')
const JSON_TEXT = Symbol('json')

type WithScores = CategoryEvidence & { [SCORES]?: Readonly<CategoryScores> }
type WithJson = Readonly<CategoryScores> & { [JSON_TEXT]?: string }

/** Freezes evidence that will be shared between requests, with its scores and their JSON attached. */
export function shareEvidence(evidence: CategoryEvidence): CategoryEvidence {
  const scores = plainScores(evidence)
  Object.defineProperty(scores, JSON_TEXT, { value: JSON.stringify(scores) })
  Object.defineProperty(evidence, SCORES, { value: Object.freeze(scores) })
  return Object.freeze(evidence)
}

/** The scores of the evidence: the shared object for shared evidence, a new one otherwise. */
export function scoresOf(evidence: CategoryEvidence): Readonly<CategoryScores> {
  return (evidence as WithScores)[SCORES] ?? plainScores(evidence)
}

/** The JSON of a scores object: written once for shared evidence's scores. */
export function scoresJson(scores: Readonly<CategoryScores>): string {
  return (scores as WithJson)[JSON_TEXT] ?? JSON.stringify(scores)
}

function plainScores(evidence: CategoryEvidence): CategoryScores {
  const scores: CategoryScores = {}
  for (const category in evidence) scores[category as Category] = evidence[category as Category]!.score
  return scores
}
