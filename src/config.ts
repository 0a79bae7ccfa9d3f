import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
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
export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(8080),
  /**
   * Processes serving the one port (Node's cluster module), each with its own model sessions and threads.
   * Default: the CPUs the process may use (a cgroup CPU quota counted) with Redis; 1 with the embedded store,
   * which would be a separate store in each process. In Kubernetes set it to the pod's CPU limit.
   */
  WORKERS: int(1, 256).optional(),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** `production` refuses to start without API keys unless AUTH_DISABLED=true. */
  NODE_ENV: z.string().default('development'),
  /** The API keys (`{"keys": [{"id", "sha256", "scopes"}]}`). Unset: every route is open (a warning says so at start-up). */
  AUTH_KEYS_FILE: z.string().min(1).optional(),
  /** Runs without keys on purpose, in production too. */
  AUTH_DISABLED: bool.default(false),
  /** How often the keys file is checked for changes (it is also re-read on SIGHUP). */
  AUTH_KEYS_CHECK_MS: int(50, 3_600_000).default(2000),
  /** Unset: rules live in an embedded in-memory store (single replica, lost on restart). */
  REDIS_URL: z.string().url().optional(),
  /**
   * Redis Cluster seed nodes (`host:port,host:port,…`): selects the cluster client. Exclusive with
   * REDIS_URL, which always means one node.
   */
  REDIS_CLUSTER_NODES: list.pipe(z.array(z.string().regex(/^([^\s:,[\]]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, 'expected host:port ([ipv6]:port)')).min(1)).optional(),
  /** Password for every cluster node (REDIS_URL carries its own). */
  REDIS_PASSWORD: z.string().min(1).optional(),
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
  /**
   * Rules, verdict and bank writes wait this long for a replica to acknowledge them (`WAIT 1 <ms>`) when
   * their shard has one; none in time: 503 FG_STORE_UNAVAILABLE (the write may or may not be applied). 0: no wait.
   */
  REDIS_REPLICA_WAIT_MS: int(0, 60_000).default(500),
  /** How often each replica checks that Redis still holds the dataset it was using (see src/redis/dataset-marker.ts). */
  REDIS_DATASET_CHECK_MS: int(50, 3_600_000).default(1000),
  /** Safety net behind pub/sub invalidation: compiled rules are re-read at least this often. */
  RULES_CACHE_TTL_MS: int(0, 3_600_000).default(5000),
  RULES_CACHE_MAX_USERS: int(1, 10_000_000).default(50_000),
  /** Estimated memory of all compiled rules kept per replica: a user with 200 long keywords costs megabytes. */
  RULES_CACHE_MAX_BYTES: int(1024 * 1024, 64 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  /** One user's compiled rules estimated larger than this are compiled per request, never cached. */
  RULES_MAX_COMPILED_BYTES: int(64 * 1024, 4 * 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /** Model scores are cached per (model version, item id, content hash): in process, and in Redis when configured. */
  SCORE_CACHE_ENABLED: bool.default(true),
  SCORE_CACHE_MAX_ITEMS: int(1, 10_000_000).default(200_000),
  /**
   * Heap the in-process score cache's entries may hold, which keep the text they were scored from: ~1.2 KB an
   * entry for a 150-character caption, so the default holds SCORE_CACHE_MAX_ITEMS such entries.
   */
  SCORE_CACHE_MAX_BYTES: int(1024 * 1024, 64 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  SCORE_CACHE_TTL_S: int(1, 30 * 24 * 3600).default(24 * 3600),
  /** onnxruntime intra-op threads for the text model (small model: one thread is fastest). */
  TEXT_MODEL_THREADS: int(1, 64).default(1),
  /**
   * Text threads, each with its own text model session, doing the featurising and inference of new items off the
   * event loop (0: on the event loop).
   */
  TEXT_THREADS: int(0, 64).default(1),

  /** Hosts `image.url` may point to: exact names, or `*.example.com` for any subdomain. Empty: no URL is fetched. */
  IMAGE_ALLOWED_HOSTS: list.default([]),
  /** Fetch plain `http:` image URLs too (default: https only). */
  IMAGE_ALLOW_HTTP: bool.default(false),
  /** Fetch from private, loopback and link-local addresses (local testing only: it opens the door to SSRF). */
  IMAGE_ALLOW_PRIVATE_ADDRESSES: bool.default(false),
  IMAGE_CONNECT_TIMEOUT_MS: int(10, 60_000).default(1000),
  /** Whole fetch of one image, redirects included. */
  IMAGE_FETCH_TIMEOUT_MS: int(10, 120_000).default(3000),
  IMAGE_MAX_REDIRECTS: int(0, 10).default(2),
  /** Largest image, fetched or sent as `image.data` (decoded bytes). */
  IMAGE_MAX_BYTES: int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Images with more pixels than this are refused from their header, before decoding (decompression bombs). */
  IMAGE_MAX_PIXELS: int(1, 250_000_000).default(4096 * 4096),
  /** How long scoring waits for images no cache knows; past it they are answered pending and scored in the background. */
  IMAGE_BUDGET_MS: int(0, 5000).default(25),
  /** Background image jobs waiting for a slot, and the image bytes they may hold; past either, new work is dropped (and counted). */
  IMAGE_QUEUE_MAX: int(0, 1_000_000).default(256),
  IMAGE_QUEUE_MAX_BYTES: int(0, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Image jobs (fetch, decode, classify) running at once. */
  IMAGE_CONCURRENCY: int(1, 1024).default(8),
  /**
   * Micro-batching: images per `session.run`, and how long the first image of a batch waits for others.
   * 1 on 2 cores: a batch is no faster per image there, and the first images of a request finish sooner.
   */
  IMAGE_BATCH_MAX: int(1, 256).default(1),
  IMAGE_BATCH_WAIT_MS: int(0, 1000).default(2),
  /** Image threads, each with its own model session, doing decode, PDQ hash and inference (0: on the event loop). */
  IMAGE_THREADS: int(0, 64).default(1),
  /** onnxruntime intra-op threads for the image model. */
  IMAGE_MODEL_THREADS: int(1, 64).default(1),
  /** Let idle onnxruntime threads spin (burns a core a small machine needs for the event loop and decoding). */
  IMAGE_MODEL_SPINNING: bool.default(false),
  /** Nice steps below the process for the image threads (Linux): they yield the CPU to the event loop when it is busy. */
  IMAGE_THREAD_NICE: int(0, 19).default(10),
  /**
   * Nice steps below the event loop for every other thread of the process once it has started (Linux):
   * libuv's pool (image decoding, text model runs), V8's helpers. Under CPU contention the event loop answers first.
   */
  BACKGROUND_THREAD_NICE: int(0, 19).default(10),
  /** In-process image cache entries (LRU), by content hash and by URL; shared entries live SCORE_CACHE_TTL_S in Redis. */
  IMAGE_CACHE_MAX_ITEMS: int(1, 10_000_000).default(100_000),
  /** How long an image that could not be fetched or decoded is remembered (in process), so it is not retried at once. */
  IMAGE_FAILURE_CACHE_S: int(1, 86_400).default(60),
  /**
   * Overload, by event-loop delay (sampled every OVERLOAD_SAMPLE_INTERVAL_MS): past the first threshold /v1/score
   * answers from the caches only (degraded `overloaded`); past the second, /v1 requests are shed with 503
   * FG_OVERLOADED and Retry-After. Probes always answer. 0 turns a stage off.
   */
  OVERLOAD_DEGRADE_LOOP_DELAY_MS: int(0, 60_000).default(100),
  OVERLOAD_SHED_LOOP_DELAY_MS: int(0, 60_000).default(500),
  OVERLOAD_SAMPLE_INTERVAL_MS: int(10, 10_000).default(100),
  OVERLOAD_RETRY_AFTER_S: int(1, 3600).default(1),
  /**
   * /v1/score requests in process at once past which more are shed at once (503 FG_OVERLOADED), before their
   * body is read: the lag is sampled and averaged, so it shows an overload late, when a queue has formed. 0: off.
   */
  OVERLOAD_MAX_IN_FLIGHT: int(0, 100_000).default(32),
  /** Outer request timeout for the HTTP server. */
  REQUEST_TIMEOUT_MS: int(100, 600_000).default(10_000),
  /** After SIGTERM: how long requests are still served (readiness 503) before the listener closes. */
  SHUTDOWN_DELAY_MS: int(0, 600_000).default(5000),
  /**
   * How long starting (every plugin: loading the models, connecting, …) may take before start-up fails
   * (exit 1). Loading the models on a busy machine takes far longer than on an idle one.
   */
  STARTUP_TIMEOUT_MS: int(1, 3_600_000).default(300_000),
  DOCS_ENABLED: bool.default(true),

  /** Known-image matching: largest Hamming distance between PDQ hashes that is a match (PDQ's usual 31). */
  PDQ_MATCH_DISTANCE: int(0, 128).default(31),
  /** Item images whose PDQ quality (0–100) is below this are not matched: their hash is mostly noise. */
  PDQ_QUALITY_THRESHOLD: int(0, 100).default(50),
  /** Also match the 8 rotations and flips of every item image (8 index look-ups instead of 1). */
  PDQ_DIHEDRAL: bool.default(false),
  /** Hash bank names must match this regular expression. */
  BANK_NAME_PATTERN: z
    .string()
    .refine((pattern) => {
      try {
        new RegExp(pattern)
        return true
      } catch {
        return false
      }
    }, 'not a valid regular expression')
    .default('^[a-z0-9][a-z0-9_-]{0,63}$'),
  /** Entries per request when adding to a hash bank. */
  MAX_BANK_ENTRIES_PER_REQUEST: int(1, 100_000).default(1000),
  /** Images added to a bank with more pixels than this are refused before decoding. */
  BANK_IMAGE_MAX_PIXELS: int(1, 500_000_000).default(50_000_000),
  /**
   * While any bank entry is enabled, how long from a request's arrival scoring waits for the PDQ hashes of
   * its new images (fetched and decoded); items whose hash is not known by then are answered without the
   * bank check, and the answer is degraded (`image_hash_pending`). 0: only hashes already known.
   */
  BANK_HASH_WAIT_MS: int(0, 60_000).default(1000),

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
  /**
   * With Redis: how long (ms) an item's status, read for scoring, is used before it is read again; the longest a
   * status set through another process (replica or worker: under review, removed, cleared) goes unseen here.
   * Set through this process, it applies at once. 0: read every item's status on every request.
   */
  ITEM_STATUS_CACHE_MS: int(0, 60_000).default(500),
  /** Items whose status is kept so (least recently scored go first); ~150 bytes each. */
  ITEM_STATUS_CACHE_MAX_ITEMS: int(1, 10_000_000).default(50_000),
  TRUST_DEFAULT: num(0, 100).default(1),
  TRUST_MIN: num(0, 100).default(0.1),
  TRUST_MAX: num(0, 100).default(3),
  /** Added to each reporter's trust when a verdict confirms the item they reported, and taken when it does not. */
  TRUST_STEP_UP: num(0, 100).default(0.25),
  TRUST_STEP_DOWN: num(0, 100).default(0.5),
  TRUST_TTL_DAYS: int(1, 3650).default(180),
  /** Insights name a muted keyword only when at least this many distinct users muted it in the window. */
  INSIGHTS_MIN_USERS: int(2, 1_000_000).default(10),

  /** Share of scored items (with any category score) kept, without user ids, for policy what-if runs (0–1). */
  DECISION_SAMPLE_RATE: num(0, 1).default(0.05),
  /** Sampled items kept per hour (the oldest of an hour go first), and for how long. */
  DECISION_SAMPLE_MAX_PER_HOUR: int(1, 1_000_000).default(5000),
  DECISION_SAMPLE_TTL_HOURS: int(1, 720).default(24),
  /** Sampled items a what-if run re-decides (newest first). */
  SIMULATE_MAX_SAMPLES: int(1, 1_000_000).default(20_000),
  /** How often each replica writes its decision counts and samples to the store. */
  DECISION_FLUSH_MS: int(100, 600_000).default(5000),
  /** The web console at /console (static files built by `npm run build` into CONSOLE_DIR). */
  CONSOLE_ENABLED: bool.default(true),
  CONSOLE_DIR: z.string().min(1).default('dist/console')
})

/** Settings that only make sense together. */
const ConsistentConfigSchema = ConfigSchema.superRefine((config, ctx) => {
  if (config.AUTH_KEYS_FILE !== undefined && config.AUTH_DISABLED) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_DISABLED'], message: 'AUTH_KEYS_FILE is set too: choose keys or no keys' })
  }
  if (config.WORKERS !== undefined && config.WORKERS > 1 && config.REDIS_URL === undefined && config.REDIS_CLUSTER_NODES === undefined) {
    ctx.addIssue({ code: 'custom', path: ['WORKERS'], message: 'more than 1 needs REDIS_URL or REDIS_CLUSTER_NODES: with the embedded store each process would keep its own rules' })
  }
  if (config.NODE_ENV === 'production' && config.AUTH_KEYS_FILE === undefined && !config.AUTH_DISABLED) {
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH_KEYS_FILE'],
      message: 'required when NODE_ENV=production (set AUTH_DISABLED=true to run without keys on purpose)'
    })
  }
})

export type Config = z.infer<typeof ConfigSchema> & { POLICY_FILE: string; WORKERS: number }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const parsed = ConsistentConfigSchema.safeParse(present)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`))
  }
  const config = parsed.data
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    throw new ConfigError(['REDIS_URL and REDIS_CLUSTER_NODES: set one (REDIS_URL: one node; REDIS_CLUSTER_NODES: a Redis Cluster)'])
  }
  const sharedStore = config.REDIS_URL !== undefined || config.REDIS_CLUSTER_NODES !== undefined
  return {
    ...config,
    POLICY_FILE: config.POLICY_FILE ?? `${config.MODELS_DIR}/policy.json`,
    WORKERS: config.WORKERS ?? (sharedStore ? usableCpus() : 1)
  }
}

/**
 * The CPUs this process may use: os.availableParallelism() (the CPUs it may run on), capped by a cgroup CPU
 * quota (a container's CPU limit), which the former does not see. `cgroupRoot` is where the cgroup files are.
 */
export function usableCpus(cgroupRoot = '/sys/fs/cgroup'): number {
  const quota = cpuQuota(cgroupRoot)
  return Math.max(1, Math.min(availableParallelism(), quota === undefined ? Infinity : Math.floor(quota)))
}

/** The CPU quota in CPUs (cgroup v2 `cpu.max`, else v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`); undefined when there is none. */
function cpuQuota(root: string): number | undefined {
  const read = (file: string) => {
    try {
      return readFileSync(`${root}/${file}`, 'utf8').trim()
    } catch {
      return undefined
    }
  }
  const v2 = read('cpu.max')?.split(' ')
  const [quota, period] = v2 ? [v2[0], v2[1]] : [read('cpu/cpu.cfs_quota_us'), read('cpu/cpu.cfs_period_us')]
  const cpus = Number(quota) / Number(period)
  // "max" (v2) and -1 (v1) mean no quota
  return Number.isFinite(cpus) && cpus > 0 ? cpus : undefined
}
