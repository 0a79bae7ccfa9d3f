import t from 'tap'
import type { ImagePipelineStats } from '../../src/image/image-pipeline.js'
import { degradedKind, Metrics, statusClass } from '../../src/metrics/metrics.js'

const stats: ImagePipelineStats = {
  memoryHits: 5,
  redisHits: 2,
  misses: 3,
  scored: 3,
  pending: 1,
  skipped: { queue_full: 4, host_not_allowed: 1 },
  queue: { running: 1, queued: 2, queuedBytes: 2048, accepted: 3, deduplicated: 1, dropped: 4, finished: 2 },
  batches: { batches: 2, largestBatch: 2 },
  cachedImages: 7
}

t.test('the image pipeline’s figures: read from its stats at each scrape, one family per figure, labelled with the model', async (t) => {
  const metrics = new Metrics()
  let current = stats
  metrics.observeImagePipeline('img@1', () => current)
  const { contentType, body: text } = await metrics.scrape()
  t.match(contentType, /^text\/plain; version=0\.0\.4/)
  t.match(text, '# HELP feedguard_image_lookups_total Item images looked up')
  t.match(text, '# TYPE feedguard_image_lookups_total counter\n')
  for (const line of [
    'feedguard_image_lookups_total{model="img@1",result="memory"} 5',
    'feedguard_image_lookups_total{model="img@1",result="redis"} 2',
    'feedguard_image_lookups_total{model="img@1",result="miss"} 3',
    'feedguard_images_scored_total{model="img@1"} 3',
    'feedguard_image_pending_total{model="img@1"} 1',
    'feedguard_image_skipped_total{model="img@1",reason="queue_full"} 4',
    'feedguard_image_skipped_total{model="img@1",reason="host_not_allowed"} 1',
    'feedguard_image_jobs_running{model="img@1"} 1',
    'feedguard_image_jobs_queued{model="img@1"} 2',
    'feedguard_image_jobs_queued_bytes{model="img@1"} 2048',
    'feedguard_image_jobs_deduplicated_total{model="img@1"} 1',
    'feedguard_image_jobs_dropped_total{model="img@1"} 4',
    'feedguard_image_model_runs_total{model="img@1"} 2',
    'feedguard_image_model_batch_max{model="img@1"} 2',
    'feedguard_image_cache_entries{model="img@1"} 7'
  ]) {
    t.ok(text.split('\n').includes(line), line)
  }
  // A counter follows the pipeline's own count, not the sum of every scrape.
  current = { ...stats, scored: 4, skipped: { queue_full: 5 } }
  const again = (await metrics.scrape()).body.split('\n')
  t.ok(again.includes('feedguard_images_scored_total{model="img@1"} 4'))
  t.ok(again.includes('feedguard_image_skipped_total{model="img@1",reason="queue_full"} 5'))
})

t.test('without an image pipeline its families are declared with no samples', async (t) => {
  const { body } = await new Metrics().scrape()
  t.match(body, '# TYPE feedguard_images_scored_total counter\n')
  t.notMatch(body, /^feedguard_image/m)
})

t.test('two registries never share figures', async (t) => {
  const a = new Metrics()
  const b = new Metrics()
  a.httpRequestDuration.observe({ route: '/x', method: 'GET', status_class: '2xx' }, 0.01)
  t.match((await a.scrape()).body, 'http_request_duration_seconds_count{route="/x",method="GET",status_class="2xx"} 1')
  t.notMatch((await b.scrape()).body, 'route="/x"')
})

t.test('status classes', async (t) => {
  t.equal(statusClass(200), '2xx')
  t.equal(statusClass(404), '4xx')
  t.equal(statusClass(503), '5xx')
})

t.test('decisions and cache look-ups are added to their counters when read: every scrape sees all of them, once', async (t) => {
  const metrics = new Metrics()
  const lines = async () => (await metrics.scrape()).body.split('\n')
  metrics.scoreAnswer([{ id: 'a', action: 'allow', reasons: [] }], [])
  metrics.cacheLookups('rules', 1, 0)
  metrics.cacheLookups('text_scores', 3, 2)
  for (let scrape = 0; scrape < 2; scrape++) {
    const body = await lines()
    t.ok(body.includes('feedguard_decisions_total{action="allow",reason="none"} 1'), `scrape ${scrape + 1}: the decision, once`)
    t.ok(body.includes('feedguard_cache_requests_total{cache="text_scores",result="miss"} 2'))
  }
  metrics.scoreAnswer([{ id: 'b', action: 'allow', reasons: [] }, { id: 'c', action: 'blur', reasons: [{ type: 'author', action: 'blur', authorId: 'x' }] }], [])
  metrics.cacheLookups('text_scores', 1, 0)
  const body = await lines()
  for (const line of [
    'feedguard_decisions_total{action="allow",reason="none"} 2',
    'feedguard_decisions_total{action="blur",reason="author"} 1',
    'feedguard_cache_requests_total{cache="rules",result="hit"} 1',
    'feedguard_cache_requests_total{cache="text_scores",result="hit"} 4',
    'feedguard_cache_requests_total{cache="text_scores",result="miss"} 2'
  ]) {
    t.ok(body.includes(line), line)
  }
})

t.test('degraded reasons are labelled by their kind, never by their text', async (t) => {
  t.equal(degradedKind('rules_unavailable: rules store: connect ECONNREFUSED 10.0.0.7:6379; using policy defaults'), 'rules_unavailable')
  t.equal(degradedKind('model_failed: feedguard-text@1.0.0: boom'), 'model_failed')
  t.equal(degradedKind('Something went wrong for user-123'), 'other')
})

t.test('a score answer: decisions by action and headline reason, counted per request; degraded kinds once per answer', async (t) => {
  const metrics = new Metrics()
  const keyword = { type: 'keyword', action: 'hide', ruleId: 'r', value: 'v', field: 'text', match: 'v', start: 0, end: 1 } as const
  metrics.scoreAnswer(
    [
      { id: 'a', action: 'hide', reasons: [keyword] },
      { id: 'b', action: 'hide', reasons: [keyword] },
      { id: 'c', action: 'allow', reasons: [] }
    ],
    ['model_failed: a: x', 'model_failed: b: y', 'item_status_unavailable: z']
  )
  metrics.observeRedisConnection('commands', () => false)
  const { body } = await metrics.scrape()
  for (const line of [
    'feedguard_decisions_total{action="hide",reason="keyword"} 2',
    'feedguard_decisions_total{action="allow",reason="none"} 1',
    'feedguard_score_answers_total{degraded="true"} 1',
    'feedguard_degraded_answers_total{reason="model_failed"} 1',
    'feedguard_degraded_answers_total{reason="item_status_unavailable"} 1',
    'feedguard_redis_connected{connection="commands"} 0'
  ]) {
    t.ok(body.split('\n').includes(line), line)
  }
})
