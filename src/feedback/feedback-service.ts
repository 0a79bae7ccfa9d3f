import { FeedguardError, validationError, type ErrorDetail } from '../errors.js'
import type { Category } from '../policy/vocabulary.js'
import type { RulesChangeListener } from '../rules/rules-service.js'
import type { FeedbackSignal, LearnedRule, RulesDocument } from '../rules/schema.js'
import type { RulesStore } from '../rules/rules-store.js'
import {
  HOUR_MS,
  MAX_INSIGHTS_HOURS,
  bucketHours,
  type AggregateOutcome,
  type AggregateStore,
  type CreatorSignals,
  type ItemSignals,
  type ReviewQueue,
  type VerdictOutcome
} from './aggregate-store.js'
import { learnFromFeedback, type LearningOptions, type UserEvent, type UserOutcome } from './learning.js'
import { digest, normalizeHashtag, normalizeTerm } from './terms.js'

/** One feedback event as a client sends it. */
export interface FeedbackEventInput {
  /** Makes retries safe: an event whose id was already applied changes nothing. */
  id?: string
  userId: string
  kind: FeedbackSignal
  itemId: string
  authorId?: string
  hashtags?: string[]
  /** A report's reason. */
  category?: Category
  /** ISO 8601; default now. */
  at?: string
}

export interface EventResult {
  id?: string
  /** `duplicate`: the event's id was applied before; nothing changed. */
  status: 'applied' | 'duplicate'
  /** The rules this event taught (created or extended) for its user. */
  learned: LearnedRule[]
}

export interface FeedbackOptions {
  learning: LearningOptions
  /** How far in the future an event may be dated (clock skew). */
  maxSkewMs: number
  /** Muted keywords are named in insights only when this many distinct users muted them. */
  insightsMinUsers: number
  reportWindowMs: number
}

export interface Insights {
  window: string
  from: string
  to: string
  minUsers: number
  reports: {
    items: Array<{ itemId: string; reports: number }>
    creators: Array<{ authorId: string; reports: number }>
    hashtags: Array<{ hashtag: string; reports: number }>
    categories: Array<{ category: Category; reports: number }>
  }
  feedbackByHour: Array<{ hour: string } & Record<FeedbackSignal, number>>
  mutedKeywords: Array<{ term: string; users: number }>
}

interface Logger {
  warn(obj: object, msg: string): void
}

interface Prepared extends UserEvent {
  userId: string
  dedupeKey?: string
  category?: Category
}

/** Throwing from a rules change aborts it: used when every event of a user was applied before. */
class NothingToStore extends Error {
  constructor(readonly outcomes: UserOutcome[]) {
    super('nothing to store')
  }
}

const feedbackUnavailable = (cause: string) =>
  new FeedguardError(
    'FG_STORE_UNAVAILABLE',
    503,
    `${cause}; retry the same events with their ids: what was already stored is not counted twice`
  )

/**
 * Negative feedback: each event updates the platform-wide aggregates (crowd signals, insights) and the
 * user's learned rules. Both parts are idempotent per event id, so a client that retries after a 503
 * completes what was missing without counting anything twice.
 */
export class FeedbackService {
  readonly #rules: RulesStore
  readonly #aggregates: AggregateStore
  readonly #options: FeedbackOptions
  readonly #now: () => number
  readonly #log: Logger

  constructor(deps: { rules: RulesStore; aggregates: AggregateStore; options: FeedbackOptions; now?: () => number; log: Logger }) {
    this.#rules = deps.rules
    this.#aggregates = deps.aggregates
    this.#options = deps.options
    this.#now = deps.now ?? Date.now
    this.#log = deps.log
  }

  /** `pathOf(i)` names event i in error details (`body`, `body.events.3`). */
  async record(events: readonly FeedbackEventInput[], pathOf: (index: number) => string = (i) => `events.${i}`): Promise<EventResult[]> {
    const now = this.#now()
    const prepared = this.#prepare(events, now, pathOf)
    let aggregate: AggregateOutcome[]
    let user: UserOutcome[]
    try {
      aggregate = await this.#aggregates.record(prepared)
      user = await this.#learn(prepared, now)
    } catch (err) {
      if (err instanceof FeedguardError && err.code === 'FG_STORE_UNAVAILABLE') throw feedbackUnavailable(err.message)
      throw err
    }
    return prepared.map((event, index) => {
      const status = aggregate[index]!.applied || !user[index]!.duplicate ? 'applied' : 'duplicate'
      const learned = user[index]!.learned
      return event.id === undefined ? { status, learned } : { id: event.id, status, learned }
    })
  }

  verdict(itemId: string, violating: boolean, category?: Category): Promise<VerdictOutcome> {
    return this.#aggregates.verdict(itemId, violating, category)
  }

  item(itemId: string): Promise<ItemSignals> {
    return this.#aggregates.item(itemId)
  }

  underReview(limit: number): Promise<ReviewQueue> {
    return this.#aggregates.underReview(limit)
  }

  creator(authorId: string): Promise<CreatorSignals> {
    return this.#aggregates.creator(authorId)
  }

  get reportWindowHours(): number {
    return this.#options.reportWindowMs / HOUR_MS
  }

  /** `window`: `<n>h` or `<n>d`, 1 hour to 30 days. */
  async insights(window: string, limit: number): Promise<Insights> {
    const hours = insightsHours(window)
    const now = this.#now()
    const minUsers = this.#options.insightsMinUsers
    const data = await this.#aggregates.insights({ hours, limit, minUsers })
    return {
      window,
      from: new Date(bucketHours(now, hours)[0]!).toISOString(),
      to: new Date(now).toISOString(),
      minUsers,
      reports: {
        items: data.items.map(({ value, count }) => ({ itemId: value, reports: count })),
        creators: data.creators.map(({ value, count }) => ({ authorId: value, reports: count })),
        hashtags: data.hashtags.map(({ value, count }) => ({ hashtag: value, reports: count })),
        categories: data.categories.map(({ value, count }) => ({ category: value, reports: count }))
      },
      feedbackByHour: data.byHour.map(({ hour, counts }) => ({ hour: new Date(hour).toISOString(), ...counts })),
      mutedKeywords: data.mutedKeywords.map(({ value, count }) => ({ term: value, users: count }))
    }
  }

  /**
   * Told about every change to a user's rules: keywords the user started muting are counted for
   * insights. Best-effort: a failure is logged and never fails the user's write.
   */
  readonly onRulesChanged: RulesChangeListener = async (userId, before, after) => {
    const now = this.#now()
    const had = new Set(mutedTerms(before, now))
    const added = [...new Set(mutedTerms(after, now))].filter((term) => !had.has(term))
    if (added.length === 0) return
    try {
      await this.#aggregates.recordMutedTerms(userId, added)
    } catch (err) {
      this.#log.warn({ err: { message: (err as Error).message } }, 'muted keywords not counted for insights')
    }
  }

  #prepare(events: readonly FeedbackEventInput[], now: number, pathOf: (index: number) => string): Prepared[] {
    const details: ErrorDetail[] = []
    const { maxSkewMs, learning } = this.#options
    const prepared = events.map((event, index): Prepared => {
      const problem = (field: string, message: string) => details.push({ path: `${pathOf(index)}.${field}`, message })
      const at = event.at === undefined ? now : Date.parse(event.at)
      if (at > now + maxSkewMs) problem('at', 'is in the future')
      if (at < now - learning.dedupeMs) problem('at', `is older than ${learning.dedupeMs / HOUR_MS} hours: too late to apply once only`)
      const hashtags = [...new Set((event.hashtags ?? []).map(normalizeHashtag).filter(Boolean))]
      if (event.kind === 'hide_author' && event.authorId === undefined) problem('authorId', 'hide_author needs the authorId')
      if (event.kind === 'see_less_hashtag' && hashtags.length === 0) problem('hashtags', 'see_less_hashtag needs at least one hashtag')
      if (event.category !== undefined && event.kind !== 'report') problem('category', 'a category is the reason of a report: only with kind report')
      const out: Prepared = { userId: event.userId, kind: event.kind, itemId: event.itemId, hashtags, at }
      if (event.id !== undefined) {
        out.id = event.id
        out.dedupeKey = digest(event.userId, event.id)
      }
      if (event.authorId !== undefined) out.authorId = event.authorId
      if (event.category !== undefined) out.category = event.category
      return out
    })
    if (details.length > 0) {
      throw validationError(`invalid feedback: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details)
    }
    return prepared
  }

  /** One compare-and-set per user with all their events, users concurrently; the first failure is raised once all have settled. */
  async #learn(events: readonly Prepared[], now: number): Promise<UserOutcome[]> {
    const byUser = new Map<string, number[]>()
    events.forEach((event, index) => byUser.set(event.userId, [...(byUser.get(event.userId) ?? []), index]))
    const outcomes: UserOutcome[] = new Array(events.length)
    const settled = await Promise.allSettled(
      [...byUser].map(async ([userId, indexes]) => {
        const mine = indexes.map((index) => events[index]!)
        const learned = await this.#rules
          .update(userId, (current) => {
            const { content, outcomes } = learnFromFeedback(current, mine, now, this.#options.learning)
            if (outcomes.every((outcome) => outcome.duplicate)) throw new NothingToStore(outcomes)
            return { content, result: outcomes }
          })
          .then(
            ({ result }) => result,
            (err: unknown) => {
              if (err instanceof NothingToStore) return err.outcomes
              throw err
            }
          )
        indexes.forEach((index, position) => (outcomes[index] = learned[position]!))
      })
    )
    const failed = settled.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    return outcomes
  }
}

/** The hourly buckets an insights `window` (`<n>h` or `<n>d`, 1 hour to 30 days) covers. */
export function insightsHours(window: string): number {
  const match = /^(\d{1,4})([hd])$/.exec(window)
  const hours = match ? Number(match[1]) * (match[2] === 'd' ? 24 : 1) : NaN
  if (!(hours >= 1 && hours <= MAX_INSIGHTS_HOURS)) {
    throw validationError('window must be 1h to 30d, e.g. 24h or 7d', [{ path: 'querystring.window', message: 'between 1h and 30d' }])
  }
  return hours
}

function mutedTerms(doc: RulesDocument, now: number): string[] {
  return doc.keywords
    .filter((rule) => rule.expiresAt === null || Date.parse(rule.expiresAt) > now)
    .map((rule) => normalizeTerm(rule.value))
}
