import t from 'tap'
import type { ImagePipelineStats } from '../../src/image/image-pipeline.js'
import { exposition, imagePipelineFamilies } from '../../src/metrics/exposition.js'

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

t.test('each family: HELP, TYPE, then its samples with their labels', async (t) => {
  const text = exposition(imagePipelineFamilies('img@1', stats))
  t.ok(text.endsWith('\n'))
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
  // Every sample line belongs to the family declared just before it.
  let family = ''
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# TYPE ')) family = line.split(' ')[2]!
    else if (!line.startsWith('#')) t.equal(line.split(/[{ ]/)[0], family, line)
  }
})

t.test('label values are escaped; a family without samples is still declared; nothing at all is an empty body', async (t) => {
  const text = exposition([
    { name: 'x_total', help: 'h', type: 'counter', samples: [{ labels: { model: 'a"b\\c\nd' }, value: 1 }, { value: 2 }] },
    { name: 'y', help: 'h', type: 'gauge', samples: [] }
  ])
  t.equal(text, '# HELP x_total h\n# TYPE x_total counter\nx_total{model="a\\"b\\\\c\\nd"} 1\nx_total 2\n# HELP y h\n# TYPE y gauge\n')
  t.equal(exposition([]), '')
})
