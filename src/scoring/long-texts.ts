/**
 * Long texts on the decision path: an item's fields of LONG_TEXT characters or more are matched against the
 * user's keywords in steps before the item is decided, with other work let run between them, so that no text and
 * no rules hold the event loop for long. Used wherever items are decided on a request: /v1/score, /v1/evaluate.
 * The shorter texts can be analysed ahead of deciding, in the same slices (prepareTexts): /v1/score does so while
 * the text model scores new items.
 */
import type { FeedItem } from '../engine/types.js'
import type { KeywordMatch, KeywordMatcher } from '../keywords/matcher.js'

/**
 * How long deciding a batch keeps the event loop before letting other work run: between items, and between the
 * steps of a long text's match (a request of long transcripts would otherwise hold the loop for all of them).
 */
export const DECIDE_SLICE_MS = 10
/** Texts at least this long are matched apart from the rest of their item, in steps (a 100,000-character transcript takes milliseconds). */
const LONG_TEXT = 10_000

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Matches an item's long texts against the user's keywords in steps, letting other work run whenever the slice
 * that started at `sliceStart` is used up: whatever the rules, one such text never holds the loop for long. The
 * decision reads the matches from `into`. Returns when the current slice started.
 */
export async function matchLongTexts(item: FeedItem, matcher: KeywordMatcher, into: Map<string, readonly KeywordMatch[]>, sliceStart: number): Promise<number> {
  for (const text of [item.text, item.overlayText, item.transcript]) {
    if (text === undefined || text.length < LONG_TEXT || into.has(text)) continue
    const steps = matcher.matchInSteps(text, 'content')
    while (!steps.step(sliceStart + DECIDE_SLICE_MS)) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
    into.set(text, steps.matches)
  }
  return sliceStart
}

/** Whether matchLongTexts has anything to do for the item: most have no long text, and need no await. */
export function hasLongText(item: FeedItem): boolean {
  return isLong(item.text) || isLong(item.overlayText) || isLong(item.transcript)
}

const isLong = (text: string | undefined) => text !== undefined && text.length >= LONG_TEXT

/**
 * Analyses the items' shorter texts for the user's keyword rules ahead of deciding them (KeywordMatcher.prepare),
 * while the text model scores the batch on its thread: the two then run at once, not one after the other. Long
 * texts are left to matchLongTexts. Lets other work run whenever the slice that started at `sliceStart` is used up.
 */
export async function prepareTexts(items: readonly FeedItem[], matcher: KeywordMatcher, sliceStart: number): Promise<void> {
  for (const item of items) {
    if (performance.now() - sliceStart > DECIDE_SLICE_MS) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
    prepareShort(matcher, item.text)
    prepareShort(matcher, item.overlayText)
    prepareShort(matcher, item.transcript)
  }
}

function prepareShort(matcher: KeywordMatcher, text: string | undefined): void {
  if (text !== undefined && text.length < LONG_TEXT) matcher.prepare(text, 'content')
}
