import t from 'tap'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ConfigError, loadConfig, usableCpus } from '../src/config.js'

t.test('defaults: port 8080 on all interfaces, embedded store, policy beside the models', async (t) => {
  const config = loadConfig({})
  t.equal(config.PORT, 8080)
  t.equal(config.HOST, '0.0.0.0')
  t.equal(config.REDIS_URL, undefined)
  t.equal(config.POLICY_FILE, 'models/policy.json')
  t.equal(config.MAX_ITEMS_PER_REQUEST, 500)
  t.equal(config.MAX_KEYWORD_RULES, 200)
  t.equal(config.MAX_AUTHOR_RULES, 1000)
  t.equal(config.DOCS_ENABLED, true)
})

t.test('values are coerced from strings and empty values count as unset', async (t) => {
  const config = loadConfig({ PORT: '9000', MODELS_DIR: '/m', REDIS_URL: '', DOCS_ENABLED: 'false', SCORE_REDIS_BUDGET_MS: '40' })
  t.equal(config.PORT, 9000)
  t.equal(config.POLICY_FILE, '/m/policy.json')
  t.equal(config.REDIS_URL, undefined)
  t.equal(config.DOCS_ENABLED, false)
  t.equal(config.SCORE_REDIS_BUDGET_MS, 40)
})

t.test('every bad variable is listed', async (t) => {
  const err = (() => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'not a url', MAX_ITEMS_PER_REQUEST: '0' })
    } catch (e) {
      return e
    }
  })()
  t.ok(err instanceof ConfigError)
  const problems = (err as ConfigError).problems.join('\n')
  for (const name of ['PORT', 'LOG_LEVEL', 'REDIS_URL', 'MAX_ITEMS_PER_REQUEST']) t.match(problems, name)
  t.match((err as Error).message, /invalid configuration/)
})

t.test('reads process.env by default', async (t) => {
  t.equal(typeof loadConfig().PORT, 'number')
})

t.test('API keys: production needs a keys file unless running open is chosen explicitly, and not both', async (t) => {
  t.equal(loadConfig({}).AUTH_KEYS_FILE, undefined, 'open outside production')
  t.equal(loadConfig({ NODE_ENV: 'production', AUTH_KEYS_FILE: '/keys.json' }).AUTH_KEYS_FILE, '/keys.json')
  t.equal(loadConfig({ NODE_ENV: 'production', AUTH_DISABLED: 'true' }).AUTH_DISABLED, true)
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env)
    } catch (err) {
      if (err instanceof ConfigError) return err.problems
    }
    return []
  }
  t.match(problems({ NODE_ENV: 'production' }), [/^AUTH_KEYS_FILE: required when NODE_ENV=production/])
  t.match(problems({ NODE_ENV: 'production', AUTH_DISABLED: 'false' }), [/^AUTH_KEYS_FILE: required/])
  t.match(problems({ AUTH_KEYS_FILE: '/keys.json', AUTH_DISABLED: 'true' }), [/^AUTH_DISABLED: AUTH_KEYS_FILE is set too/])
})

t.test('Redis: REDIS_CLUSTER_NODES is a host:port list, and it excludes REDIS_URL', async (t) => {
  t.same(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2:7001' }).REDIS_CLUSTER_NODES, ['10.0.0.1:7000', 'redis-2:7001'])
  t.throws(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis-1' }), /REDIS_CLUSTER_NODES/)
  t.throws(() => loadConfig({ REDIS_CLUSTER_NODES: ',' }), /REDIS_CLUSTER_NODES/)
  t.throws(() => loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' }), /set one/)
})

t.test('WORKERS: 1 with the embedded store, else the usable CPUs; more than 1 needs a shared store', async (t) => {
  t.equal(loadConfig({}).WORKERS, 1)
  t.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).WORKERS, usableCpus())
  t.equal(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).WORKERS, usableCpus())
  t.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', WORKERS: '3' }).WORKERS, 3)
  t.equal(loadConfig({ WORKERS: '1' }).WORKERS, 1)
  t.throws(() => loadConfig({ WORKERS: '2' }), /WORKERS: more than 1 needs REDIS_URL or REDIS_CLUSTER_NODES/)
  t.throws(() => loadConfig({ WORKERS: '0' }), ConfigError)
})

t.test('usable CPUs: the CPUs the process may run on, capped by a cgroup v2 or v1 CPU quota', async (t) => {
  const cpus = availableParallelism()
  const cgroup = async (files: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), 'fg-cgroup-'))
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, file)), { recursive: true })
      await writeFile(join(dir, file), text)
    }
    return dir
  }
  t.equal(usableCpus(await cgroup({})), cpus, 'no cgroup files: no quota')
  t.equal(usableCpus(await cgroup({ 'cpu.max': 'max 100000\n' })), cpus, 'v2 without a quota')
  t.equal(usableCpus(await cgroup({ 'cpu.max': '100000 100000\n' })), 1, 'v2: a quota of one CPU')
  t.equal(usableCpus(await cgroup({ 'cpu.max': '50000 100000\n' })), 1, 'half a CPU: still one process')
  t.equal(usableCpus(await cgroup({ 'cpu.max': '100000000 100000\n' })), cpus, 'a quota above the CPUs there are: the CPUs')
  t.equal(usableCpus(await cgroup({ 'cpu/cpu.cfs_quota_us': '100000\n', 'cpu/cpu.cfs_period_us': '100000\n' })), 1, 'v1: a quota of one CPU')
  t.equal(usableCpus(await cgroup({ 'cpu/cpu.cfs_quota_us': '-1\n', 'cpu/cpu.cfs_period_us': '100000\n' })), cpus, 'v1 without a quota')
  t.ok(usableCpus() >= 1)
})
