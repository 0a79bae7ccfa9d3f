import { z } from 'zod'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const num = (min: number, max: number) => z.coerce.number().min(min).max(max)
/** A comma-separated list; entries trimmed, empty ones dropped. */
const list = z.string().transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes')

/**
 * Every setting the service reads from its environment. Nothing else in the code reads
 * `process.env`: the parsed config is passed down.
 */
const ConfigSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Unset: rules live in an embedded in-memory store (single replica, lost on restart). */
  REDIS_URL: z.string().url().optional(),
  /** Prefix of every Redis key the service writes, so several deployments (or tests) can share a server. */
  REDIS_KEY_PREFIX: z.string().max(64).default('fg:'),
  MODELS_DIR: z.string().min(1).default('models'),
  /** Defaults to `<MODELS_DIR>/policy.json`. */
  POLICY_FILE: z.string().min(1).optional(),
  MAX_ITEMS_PER_REQUEST: int(1, 10_000).default(500),
  MAX_KEYWORD_RULES: int(0, 100_000).default(200),
  MAX_AUTHOR_RULES: int(0, 1_000_000).default(1000),
  MAX_KEYWORD_LENGTH: int(1, 1000).default(100),
  BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Time the scoring path waits for Redis before answering from policy defaults (degraded). */
  SCORE_REDIS_BUDGET_MS: int(1, 10_000).default(25),
  /** Time any other Redis command may take before the request fails with FG_STORE_UNAVAILABLE. */
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000).default(1000),
  /** Safety net behind pub/sub invalidation: compiled rules are re-read at least this often. */
  RULES_CACHE_TTL_MS: int(0, 3_600_000).default(5000),
  RULES_CACHE_MAX_USERS: int(1, 10_000_000).default(50_000),
  /** Model scores are cached per (model version, item id, content hash): in process, and in Redis when configured. */
  SCORE_CACHE_ENABLED: bool.default(true),
  SCORE_CACHE_MAX_ITEMS: int(1, 10_000_000).default(200_000),
  SCORE_CACHE_TTL_S: int(1, 30 * 24 * 3600).default(24 * 3600),
  /** onnxruntime intra-op threads for the text model (small model: one thread is fastest). */
  TEXT_MODEL_THREADS: int(1, 64).default(1),
  /** Outer request timeout for the HTTP server. */
  REQUEST_TIMEOUT_MS: int(100, 600_000).default(10_000),
  DOCS_ENABLED: bool.default(true),

  /** Negative feedback: events per POST /v1/feedback. */
  FEEDBACK_MAX_EVENTS: int(1, 10_000).default(100),
  /** How long an event id is remembered (a repeat changes nothing); events older than this are refused. */
  FEEDBACK_DEDUPE_HOURS: int(1, 24 * 30).default(168),
  /** How far in the future an event's `at` may be (clock skew) before it is refused. */
  FEEDBACK_MAX_SKEW_S: int(0, 86_400).default(300),
  FEEDBACK_ITEM_HIDE_DAYS: int(1, 3650).default(90),
  FEEDBACK_AUTHOR_MUTE_DAYS: int(1, 3650).default(30),
  FEEDBACK_HASHTAG_MUTE_DAYS: int(1, 3650).default(30),
  /** Not-interested on this many distinct items of one creator within the window mutes the creator. */
  FEEDBACK_AUTHOR_THRESHOLD: int(1, 100).default(2),
  /** Not-interested on this many distinct items with one hashtag within the window mutes the hashtag. */
  FEEDBACK_HASHTAG_THRESHOLD: int(1, 100).default(3),
  FEEDBACK_SIGNAL_WINDOW_DAYS: int(1, 365).default(30),
  /** Hashtags on nearly every item: not-interested never mutes them (see-less-of-this-hashtag still does). */
  FEEDBACK_HASHTAG_STOPLIST: list.default(['fyp', 'foryou', 'foryoupage', 'fy', 'viral', 'trending', 'explore', 'xyzbca']),
  /** Per user, oldest evicted first: learned rules, remembered not-interested signals, remembered event ids. */
  FEEDBACK_MAX_LEARNED_RULES: int(1, 100_000).default(500),
  FEEDBACK_MAX_SIGNALS: int(1, 100_000).default(500),
  FEEDBACK_MAX_EVENT_IDS: int(1, 100_000).default(1000),
  /** Crowd signals: reports count over this sliding window. */
  REPORT_WINDOW_HOURS: int(1, 24 * 30).default(72),
  /** Weighted distinct reporters (sum of their trust) at which an item goes under review (blurred for everyone). */
  REPORT_REVIEW_THRESHOLD: num(0.1, 1_000_000).default(5),
  ITEM_REVIEW_TTL_HOURS: int(1, 24 * 365).default(168),
  ITEM_REMOVED_TTL_DAYS: int(1, 3650).default(90),
  /** After a not-violating verdict, reports do not put the item back under review for this long. */
  ITEM_CLEARED_TTL_HOURS: int(1, 24 * 365).default(168),
  TRUST_DEFAULT: num(0, 100).default(1),
  TRUST_MIN: num(0, 100).default(0.1),
  TRUST_MAX: num(0, 100).default(3),
  /** Added to each reporter's trust when a verdict confirms the item they reported, and taken when it does not. */
  TRUST_STEP_UP: num(0, 100).default(0.25),
  TRUST_STEP_DOWN: num(0, 100).default(0.5),
  TRUST_TTL_DAYS: int(1, 3650).default(180),
  /** Insights name a muted keyword only when at least this many distinct users muted it in the window. */
  INSIGHTS_MIN_USERS: int(2, 1_000_000).default(10)
})

export type Config = z.infer<typeof ConfigSchema> & { POLICY_FILE: string }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const parsed = ConfigSchema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`))
  }
  const config = parsed.data
  return { ...config, POLICY_FILE: config.POLICY_FILE ?? `${config.MODELS_DIR}/policy.json` }
}
