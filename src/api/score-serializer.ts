import { scoresJson } from '../classifiers/shared-scores.js'
import type { Decision } from '../engine/types.js'
import type { ScoreResponse } from '../scoring/scoring-service.js'

/**
 * The JSON of a `/v1/score` answer: exactly what JSON.stringify writes, at about half its cost.
 * Formatting numbers is most of what JSON.stringify spends on an answer (six or so scores per item);
 * the scores of cached items carry their JSON, written once (shared-scores.ts).
 */
export function serializeScoreResponse(response: ScoreResponse): string {
  const { decisions } = response
  let json = `{"userId":${JSON.stringify(response.userId)},"decisions":[`
  for (let index = 0; index < decisions.length; index++) {
    if (index > 0) json += ','
    json += decisionJson(decisions[index]!)
  }
  return `${json}],"meta":${JSON.stringify(response.meta)}}`
}

function decisionJson(decision: Decision): string {
  const { scores } = decision
  let json = `{"id":${JSON.stringify(decision.id)},"action":"${decision.action}","reasons":${decision.reasons.length === 0 ? '[]' : JSON.stringify(decision.reasons)}`
  if (scores !== undefined) json += `,"scores":${scoresJson(scores)}`
  return `${json}}`
}
