/**
 * `npm run test:cluster`: the suite's Redis tests again, on one throwaway 6-node Redis Cluster (3 masters,
 * 3 replicas) shared by every test file through REDIS_CLUSTER_NODES (test/helpers/redis.ts then hands out
 * cluster connections and cluster-connected apps). One cluster for the run rather than one per file: starting
 * one costs seconds of a 2-core machine, and every test keeps to a key prefix of its own. Extra arguments go
 * to tap instead of the list (e.g. a single file).
 *
 * Not here, on purpose: Redis tests that need a single node of their own, each saying why in the file —
 * stopping, restarting, flushing or pausing their Redis (degraded, feedback-degraded, data-loss,
 * redis-down-at-start, metrics, api/banks' Redis-down case, plugins' banks and decisions failure cases),
 * a replica made with --replicaof (replica-wait), one connection's pipelines and error replies
 * (read-batch, command-errors, score-round-trip; per-node covers the cluster's), the one-off migration
 * from the single-node layout (migrate-aggregates), and process life cycle tests started with REDIS_URL
 * (server, server-shutdown, logging). The tests that start clusters of their own (failover and
 * sharded-changes, which kill a master; connection; replica-wait's cluster case) run in plain `npm test`,
 * whose coverage gate needs them: running them here again would only double CI's time. api/banks' two-replica
 * test runs on the cluster too when asked (`npm run test:cluster -- test/api/banks.test.ts`); not by default:
 * its one-second bounds around image scoring fail on a loaded 2-core machine, and sharded-changes covers it.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { startRedisCluster } from './redis-servers.js'

const FILES = [
  // the store contracts and the scoring path's per-node reads
  'test/rules/redis-rules-store.test.ts',
  'test/banks/redis-bank-store.test.ts',
  'test/decisions/redis-decision-store.test.ts',
  'test/feedback/redis-aggregate-store.test.ts',
  'test/redis/per-node.test.ts',
  'test/api/score-redis-nodes.test.ts',
  // the API and its caches on the cluster
  'test/api/rules.test.ts',
  'test/api/feedback.test.ts',
  'test/api/policy.test.ts',
  'test/api/evaluate.test.ts',
  'test/api/score-images.test.ts',
  'test/classifiers/cached-classifier.test.ts',
  'test/image/image-cache.test.ts',
  'test/image/image-pipeline.test.ts',
  'test/plugins/app/banks.test.ts',
  'test/console/console.test.ts'
]

const args = process.argv.slice(2)
const cluster = await startRedisCluster()
process.stderr.write(`test:cluster: a 6-node Redis Cluster at ${cluster.seeds}\n`)
let code: number
try {
  const tap = spawn('npx', ['tap', '--disable-coverage', '--timeout=300', ...(args.length > 0 ? args : FILES)], {
    stdio: 'inherit',
    env: { ...process.env, REDIS_CLUSTER_NODES: cluster.seeds, TEST_REDIS_CLUSTER: '1' }
  })
  const [exitCode] = (await once(tap, 'exit')) as [number | null]
  code = exitCode ?? 1
} finally {
  await cluster.stop()
}
process.exit(code)
