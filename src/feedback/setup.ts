import type { Redis } from 'ioredis'
import type { Config } from '../config.js'
import { HOUR_MS, type AggregateOptions, type AggregateStore } from './aggregate-store.js'
import type { FeedbackOptions } from './feedback-service.js'
import { MemoryAggregateStore } from './memory-aggregate-store.js'
import { normalizeHashtag } from './terms.js'
import { RedisAggregateStore } from './redis-aggregate-store.js'

const DAY_MS = 24 * HOUR_MS

/** The configured behaviour of per-user learning and of the feedback API. */
export function feedbackOptions(config: Config): FeedbackOptions {
  return {
    learning: {
      itemHideMs: config.FEEDBACK_ITEM_HIDE_DAYS * DAY_MS,
      authorMuteMs: config.FEEDBACK_AUTHOR_MUTE_DAYS * DAY_MS,
      hashtagMuteMs: config.FEEDBACK_HASHTAG_MUTE_DAYS * DAY_MS,
      authorThreshold: config.FEEDBACK_AUTHOR_THRESHOLD,
      hashtagThreshold: config.FEEDBACK_HASHTAG_THRESHOLD,
      signalWindowMs: config.FEEDBACK_SIGNAL_WINDOW_DAYS * DAY_MS,
      hashtagStoplist: new Set(config.FEEDBACK_HASHTAG_STOPLIST.map(normalizeHashtag)),
      maxLearned: config.FEEDBACK_MAX_LEARNED_RULES,
      maxSignals: config.FEEDBACK_MAX_SIGNALS,
      maxEventIds: config.FEEDBACK_MAX_EVENT_IDS,
      dedupeMs: config.FEEDBACK_DEDUPE_HOURS * HOUR_MS
    },
    maxSkewMs: config.FEEDBACK_MAX_SKEW_S * 1000,
    insightsMinUsers: config.INSIGHTS_MIN_USERS,
    reportWindowMs: config.REPORT_WINDOW_HOURS * HOUR_MS
  }
}

/** The configured behaviour of crowd signals, item statuses and trust. */
export function aggregateOptions(config: Config): AggregateOptions {
  return {
    reportWindowMs: config.REPORT_WINDOW_HOURS * HOUR_MS,
    reviewThreshold: config.REPORT_REVIEW_THRESHOLD,
    reviewTtlMs: config.ITEM_REVIEW_TTL_HOURS * HOUR_MS,
    removedTtlMs: config.ITEM_REMOVED_TTL_DAYS * DAY_MS,
    clearedTtlMs: config.ITEM_CLEARED_TTL_HOURS * HOUR_MS,
    dedupeMs: config.FEEDBACK_DEDUPE_HOURS * HOUR_MS,
    trust: {
      initial: config.TRUST_DEFAULT,
      min: config.TRUST_MIN,
      max: config.TRUST_MAX,
      stepUp: config.TRUST_STEP_UP,
      stepDown: config.TRUST_STEP_DOWN,
      ttlMs: config.TRUST_TTL_DAYS * DAY_MS
    }
  }
}

/** Redis when configured (shared by every replica), otherwise the embedded in-memory store. */
export function createAggregateStore(config: Config, redis: Redis | null): AggregateStore {
  const options = aggregateOptions(config)
  return redis ? new RedisAggregateStore({ ...options, redis, keyPrefix: config.REDIS_KEY_PREFIX }) : new MemoryAggregateStore(options)
}
