/**
 * Per-user learning from negative feedback: a pure change of the user's rules document, applied inside
 * the rules store's compare-and-set so that it is atomic with every other change to the user's rules
 * and is recomputed, never lost, when another writer got in first.
 */
import { pruneExpired, signalKey, type RulesContent } from '../rules/document.js'
import type { FeedbackSignal, LearnedKind, LearnedRule, LearningState, RulesDocument } from '../rules/schema.js'
import { digest } from './terms.js'

const DAY_MS = 86_400_000

export interface LearningOptions {
  itemHideMs: number
  authorMuteMs: number
  hashtagMuteMs: number
  /** Distinct not-interested items of one creator, within the window, that mute the creator. */
  authorThreshold: number
  /** Distinct not-interested items with one hashtag, within the window, that mute the hashtag. */
  hashtagThreshold: number
  signalWindowMs: number
  /** Hashtags not-interested never mutes. */
  hashtagStoplist: ReadonlySet<string>
  maxLearned: number
  maxSignals: number
  maxEventIds: number
  /** How long an event id is remembered. */
  dedupeMs: number
}

export const defaultLearningOptions = (): LearningOptions => ({
  itemHideMs: 90 * DAY_MS,
  authorMuteMs: 30 * DAY_MS,
  hashtagMuteMs: 30 * DAY_MS,
  authorThreshold: 2,
  hashtagThreshold: 3,
  signalWindowMs: 30 * DAY_MS,
  hashtagStoplist: new Set(),
  maxLearned: 500,
  maxSignals: 500,
  maxEventIds: 1000,
  dedupeMs: 7 * DAY_MS
})

/** One user's event, validated and normalised. */
export interface UserEvent {
  /** The client's event id: a repeat is recognised and changes nothing. */
  id?: string
  kind: FeedbackSignal
  itemId: string
  authorId?: string
  /** Normalised (see normalizeHashtag), without repeats. */
  hashtags: readonly string[]
  /** Epoch ms. */
  at: number
}

export interface UserOutcome {
  duplicate: boolean
  /** Rules this event created or extended. */
  learned: LearnedRule[]
}

/** Learned rule ids are derived from what they hide, so learning the same thing twice refreshes one rule. */
export const learnedId = (kind: LearnedKind, value: string) => `l${kind[0]}_${digest(kind, value)}`

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Applies a user's events in order. Rules: not-interested hides the item, and mutes its creator (or a
 * hashtag) once enough distinct items of it were marked within the window; hide-author and
 * see-less-hashtag mute at once; a report hides the item for the reporter.
 *
 * A hashtag's count leaves out items a better cause explains: items whose creator is muted (else a
 * disliked creator's usual hashtags would be muted on everyone else's videos too), and items on which
 * another hashtag was marked more often (else popular hashtags riding along with a disliked one would
 * be muted). Hashtags on nearly every item (the stoplist) are never learned from not-interested.
 */
export function learnFromFeedback(
  doc: RulesDocument,
  events: readonly UserEvent[],
  now: number,
  options: LearningOptions
): { content: RulesContent; outcomes: UserOutcome[] } {
  const content = pruneExpired(doc, now)
  const state = freshState(content.learning, now, options)
  const learned = new Map(content.learned.map((rule) => [rule.id, rule]))
  const mutedAuthors = (authorId: string) =>
    learned.has(learnedId('author', authorId)) || content.authors.some((rule) => rule.id === authorId)
  const seen = new Set(state.events.map(([id]) => id))

  const outcomes = events.map((event): UserOutcome => {
    if (event.id !== undefined) {
      if (seen.has(event.id)) return { duplicate: true, learned: [] }
      seen.add(event.id)
      state.events.push([event.id, now])
    }
    const made: LearnedRule[] = []
    const learn = (kind: LearnedKind, value: string, durationMs: number) => {
      const expiresAt = event.at + durationMs
      const id = learnedId(kind, value)
      const existing = learned.get(id)
      if (expiresAt <= now || (existing && Date.parse(existing.expiresAt) >= expiresAt)) return
      const rule: LearnedRule = { id, kind, value, signal: event.kind, createdAt: iso(event.at), expiresAt: iso(expiresAt) }
      // Re-inserted last: eviction takes the least recently learned first.
      learned.delete(id)
      learned.set(id, rule)
      made.push(rule)
    }

    switch (event.kind) {
      case 'not_interested': {
        learn('item', event.itemId, options.itemHideMs)
        const authorId = event.authorId
        const tags = event.hashtags.filter((tag) => !options.hashtagStoplist.has(tag))
        if (authorId !== undefined) addSignal(state, signalKey('author', authorId), event)
        for (const tag of tags) addSignal(state, signalKey('hashtag', tag), event)
        if (authorId !== undefined && state.signals[signalKey('author', authorId)]!.length >= options.authorThreshold) {
          learn('author', authorId, options.authorMuteMs)
        }
        if (tags.length > 0) {
          const strongest = strongestHashtags(state)
          for (const tag of tags) {
            const entries = state.signals[signalKey('hashtag', tag)]!
            let explained = 0
            for (const [itemId, , author] of entries) {
              if ((author !== '' && mutedAuthors(author)) || !strongest.get(itemId)!.includes(tag)) explained++
            }
            if (entries.length - explained >= options.hashtagThreshold) learn('hashtag', tag, options.hashtagMuteMs)
          }
        }
        break
      }
      case 'hide_author':
        learn('author', event.authorId!, options.authorMuteMs)
        break
      case 'see_less_hashtag':
        for (const tag of event.hashtags) learn('hashtag', tag, options.hashtagMuteMs)
        break
      case 'report':
        learn('item', event.itemId, options.itemHideMs)
        break
    }
    return { duplicate: false, learned: made }
  })

  const rules = [...learned.values()]
  return {
    content: {
      ...content,
      learned: rules.slice(Math.max(0, rules.length - options.maxLearned)),
      learning: bounded(state, options)
    },
    outcomes
  }
}

/** A copy of the bookkeeping without what has aged out. */
function freshState(learning: LearningState | undefined, now: number, options: LearningOptions): LearningState {
  const eventsSince = now - options.dedupeMs
  const signalsSince = now - options.signalWindowMs
  const signals: LearningState['signals'] = {}
  for (const [key, entries] of Object.entries(learning?.signals ?? {})) {
    const recent = entries.filter(([, at]) => at > signalsSince)
    if (recent.length > 0) signals[key] = recent
  }
  return { events: (learning?.events ?? []).filter(([, at]) => at > eventsSince), signals, keepUntil: 0 }
}

/**
 * For each marked item, its hashtags marked on the most items. A hashtag counts towards its threshold
 * only on items where it is one of these: on the others, a hashtag the user marks more often explains
 * the item better, and counting it would mute popular hashtags that merely come along with a disliked one.
 */
function strongestHashtags(state: LearningState): Map<string, string[]> {
  const strongest = new Map<string, { tags: string[]; count: number }>()
  for (const [key, entries] of Object.entries(state.signals)) {
    if (!key.startsWith('h:')) continue
    const tag = key.slice(2)
    for (const [itemId] of entries) {
      const best = strongest.get(itemId)
      if (!best || entries.length > best.count) strongest.set(itemId, { tags: [tag], count: entries.length })
      else if (entries.length === best.count) best.tags.push(tag)
    }
  }
  return new Map([...strongest].map(([itemId, { tags }]) => [itemId, tags]))
}

function addSignal(state: LearningState, key: string, event: UserEvent) {
  const entries = (state.signals[key] ??= [])
  const known = entries.findIndex(([itemId]) => itemId === event.itemId)
  if (known !== -1) entries.splice(known, 1)
  entries.push([event.itemId, event.at, event.authorId ?? ''])
}

/** Keeps the newest event ids and signals within their limits, and says how long they are of use. */
function bounded(state: LearningState, options: LearningOptions): LearningState {
  const events = state.events.slice(Math.max(0, state.events.length - options.maxEventIds))
  const all = Object.values(state.signals).flat()
  let signals = state.signals
  if (all.length > options.maxSignals) {
    const keep = new Set(all.sort((a, b) => b[1] - a[1]).slice(0, options.maxSignals))
    signals = {}
    for (const [key, entries] of Object.entries(state.signals)) {
      const kept = entries.filter((entry) => keep.has(entry))
      if (kept.length > 0) signals[key] = kept
    }
  }
  const keepUntil = Math.max(
    0,
    ...events.map(([, at]) => at + options.dedupeMs),
    ...Object.values(signals).flatMap((entries) => entries.map(([, at]) => at + options.signalWindowMs))
  )
  return { events, signals, keepUntil }
}
