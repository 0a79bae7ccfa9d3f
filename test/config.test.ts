import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

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
