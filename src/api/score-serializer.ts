import { scoresJson } from '../classifiers/shared-scores.js'
import type { Decision, KeywordReason, Reason } from '../engine/types.js'
import type { ScoreResponse } from '../scoring/scoring-service.js'

/**
 * The JSON of a `/v1/score` answer: exactly what JSON.stringify writes, at about half its cost.
 * Formatting numbers is most of what JSON.stringify spends on an answer (six or so scores per item);
 * the scores of cached items carry their JSON, written once (shared-scores.ts). Keyword reasons, the
 * most common, are written field by field.
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
  let json = `{"id":${JSON.stringify(decision.id)},"action":"${decision.action}","reasons":${reasonsJson(decision.reasons)}`
  if (scores !== undefined) json += `,"scores":${scoresJson(scores)}`
  return `${json}}`
}

function reasonsJson(reasons: readonly Reason[]): string {
  if (reasons.length === 0) return '[]'
  let json = '['
  for (let index = 0; index < reasons.length; index++) {
    const reason = reasons[index]!
    if (index > 0) json += ','
    json += reason.type === 'keyword' || reason.type === 'hashtag' ? keywordReasonJson(reason) : JSON.stringify(reason)
  }
  return `${json}]`
}

/** Every field of a keyword reason, in the order the decision engine sets them (src/engine/decide.ts). */
type KeywordReasonField = 'type' | 'action' | 'ruleId' | 'value' | 'field' | 'match' | 'start' | 'end'
/** Does not compile when KeywordReason gains or loses a field: keywordReasonJson must then write it too. */
type AllFieldsWritten<T extends [never, never]> = T
export type KeywordReasonFieldsWritten = AllFieldsWritten<[Exclude<keyof KeywordReason, KeywordReasonField>, Exclude<KeywordReasonField, keyof KeywordReason>]>

/** What JSON.stringify writes for a keyword reason (its type and action are words of the API's vocabulary). */
function keywordReasonJson(reason: KeywordReason): string {
  return `{"type":"${reason.type}","action":"${reason.action}","ruleId":${JSON.stringify(reason.ruleId)},"value":${JSON.stringify(reason.value)},"field":${JSON.stringify(reason.field)},"match":${JSON.stringify(reason.match)},"start":${reason.start},"end":${reason.end}}`
}
