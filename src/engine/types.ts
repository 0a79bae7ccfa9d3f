import type { CategoryEvidence } from '../classifiers/types.js'
import type { KeywordMatch } from '../keywords/matcher.js'
import type { Action, Category, Surface } from '../policy/vocabulary.js'
import type { FeedbackSignal, LearnedKind } from '../rules/schema.js'

/** A candidate feed item as the recommendation service sends it. */
export interface FeedItem {
  id: string
  text?: string
  overlayText?: string
  transcript?: string
  hashtags?: string[]
  lang?: string
  author?: { id?: string; handle?: string; name?: string; followed?: boolean }
  image?: { url?: string; data?: string }
  labels?: Array<{ name: string; score?: number }>
}

export type ActiveAction = Exclude<Action, 'allow'>

export interface KeywordReason {
  type: 'keyword' | 'hashtag'
  action: ActiveAction
  ruleId: string
  value: string
  /** `text`, `overlayText`, `transcript`, `hashtags[i]`, `author.handle` or `author.name`. */
  field: string
  match: string
  /** UTF-16 offsets into the field's original string. */
  start: number
  end: number
}

export interface AuthorReason {
  type: 'author'
  action: ActiveAction
  authorId: string
}

/** Where in an item's text a model found what drove a score. */
export interface ModelSpan {
  /** `text`, `overlayText` or `transcript`. */
  field: string
  /** UTF-16 offsets into the field's original string. */
  start: number
  end: number
}

/** Which rule made a category fire with this action. */
export type CategoryBasis = 'policy' | 'user' | 'floor' | 'platform'

export interface CategoryReason {
  type: 'category'
  action: ActiveAction
  category: Category
  score: number
  threshold: number
  source: string
  basis: CategoryBasis
  /** For `floor`: which floor (`minor:13-15`, `restricted_mode`). */
  floor?: string
  /** With `explain`, for a text model's score: the words that drove it, most influential first. */
  spans?: ModelSpan[]
}

/** A rule learned from the user's own negative feedback. */
export interface FeedbackReason {
  type: 'feedback'
  action: ActiveAction
  signal: FeedbackSignal
  kind: LearnedKind
  /** The item id, the author id or the hashtag the rule is about. */
  value: string
  learnedId: string
}

/** A platform-wide status of the item: reported by enough trusted users (under review) or removed after review. */
export interface ItemStatus {
  status: 'under_review' | 'removed'
  category?: Category
}

export interface ItemReason extends ItemStatus {
  type: 'item'
  action: ActiveAction
}

/** The item's image matched an entry of a known-image hash bank: applies to everyone, whatever their settings. */
export interface HashReason {
  type: 'hash'
  action: ActiveAction
  bank: string
  /** Hamming distance between the image's PDQ hash and the entry's, 0–256. */
  distance: number
  contentId?: string
  entryId: string
}

export type Reason = KeywordReason | AuthorReason | CategoryReason | FeedbackReason | ItemReason | HashReason

export interface Decision {
  id: string
  action: Action
  reasons: Reason[]
  scores?: Readonly<Partial<Record<Category, number>>>
}

export interface DecisionContext {
  userId: string
  surface: Surface
  /** Milliseconds since the epoch: rules that expired before it are ignored. */
  now: number
  /** Platform-wide statuses of the request's items, read before deciding; absent items have none. */
  itemStatuses?: ReadonlyMap<string, ItemStatus>
  /** Reasons found before deciding that apply to everyone (known-image hash matches), by item id. */
  platformReasons?: ReadonlyMap<string, readonly Reason[]>
  /**
   * The user's keyword matches of long content fields, found before deciding (in steps, letting other work run
   * between them), by the field's text; other fields are matched while deciding.
   */
  keywordMatches?: ReadonlyMap<string, readonly KeywordMatch[]>
}

export type { CategoryEvidence }
