import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import { DAY_MS, HOUR_MS } from '../../feedback/aggregate-store.js'
import { FeedbackService, type FeedbackOptions } from '../../feedback/feedback-service.js'
import { normalizeHashtag } from '../../feedback/terms.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Negative feedback: per-user learning, crowd signals and item statuses, verdicts, insights. */
    feedback: FeedbackService
  }
}

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

export default fp(
  async (app) => {
    app.decorate('feedback', new FeedbackService({ rules: app.rulesStore, aggregates: app.aggregateStore, options: feedbackOptions(app.config), log: app.log }))
  },
  { name: 'feedback', dependencies: ['config', 'rules-store', 'aggregate-store'], fastify: '5.x' }
)
