import type { Classifier, TextRange } from '../classifiers/types.js'
import type { CategoryReason, Decision, FeedItem, ModelSpan } from '../engine/types.js'
import type { Category } from '../policy/vocabulary.js'

/** The item fields a text model reads, in the order `classifierText` joins them (with a newline between). */
const TEXT_FIELDS = ['text', 'overlayText', 'transcript'] as const

/** The text a text model reads: caption, on-screen text and transcript. */
export function classifierText(item: FeedItem): string {
  let text = item.text || ''
  if (item.overlayText) text = text ? `${text}\n${item.overlayText}` : item.overlayText
  if (item.transcript) text = text ? `${text}\n${item.transcript}` : item.transcript
  return text
}

/** Ranges of `classifierText(item)` as spans of the fields they lie in (a range over a field break is cut in two). */
export function fieldSpans(item: FeedItem, ranges: readonly TextRange[]): ModelSpan[] {
  const fields: Array<{ field: string; from: number; to: number }> = []
  let offset = 0
  for (const field of TEXT_FIELDS) {
    const value = item[field]
    if (!value) continue
    fields.push({ field, from: offset, to: offset + value.length })
    offset += value.length + 1
  }
  const spans: ModelSpan[] = []
  for (const { start, end } of ranges) {
    for (const { field, from, to } of fields) {
      if (start < to && end > from) spans.push({ field, start: Math.max(start, from) - from, end: Math.min(end, to) - from })
    }
  }
  return spans
}

/**
 * With `explain`, gives every category reason a text model gave its `spans`: the words of the item's text that
 * drove the score most. One call per model for the whole batch, for the items with such a reason only.
 */
export async function attachModelSpans(models: readonly Classifier[], items: readonly FeedItem[], decisions: readonly Decision[]): Promise<void> {
  for (const model of models) {
    if (!model.explainSpans) continue
    const source = `model:${model.id}`
    const wanted: Array<{ index: number; reasons: CategoryReason[] }> = []
    decisions.forEach((decision, index) => {
      const reasons = decision.reasons.filter((r): r is CategoryReason => r.type === 'category' && r.source === source)
      if (reasons.length > 0) wanted.push({ index, reasons })
    })
    if (wanted.length === 0) continue
    const explained = await model.explainSpans(
      wanted.map(({ index, reasons }) => ({ text: classifierText(items[index]!), categories: reasons.map((r) => r.category) }))
    )
    wanted.forEach(({ index, reasons }, row) => {
      for (const reason of reasons) {
        const ranges = explained[row]![reason.category as Category]
        if (ranges && ranges.length > 0) reason.spans = fieldSpans(items[index]!, ranges)
      }
    })
  }
}
