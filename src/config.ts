import { z } from 'zod'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
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
  DOCS_ENABLED: bool.default(true)
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
