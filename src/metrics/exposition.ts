/**
 * Prometheus text exposition (format 0.0.4) of the service's counters. Pure: the route reads the
 * figures (image pipeline `stats()`) and this writes them, one family per metric, HELP and TYPE first.
 */
import type { ImagePipelineStats } from '../image/image-pipeline.js'

type Labels = Record<string, string>

interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge'
  samples: Array<{ labels?: Labels; value: number }>
}

/** A label value as the format wants it: backslash, double quote and newline escaped. */
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

function sample(name: string, labels: Labels | undefined, value: number): string {
  const pairs = Object.entries(labels ?? {}).map(([key, v]) => `${key}="${escapeLabel(v)}"`)
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`
}

export function exposition(families: readonly Family[]): string {
  const lines: string[] = []
  for (const { name, help, type, samples } of families) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const { labels, value } of samples) lines.push(sample(name, labels, value))
  }
  return lines.map((line) => `${line}\n`).join('')
}

/** The image pipeline's figures: where item images were answered from, the background work and its drops. */
export function imagePipelineFamilies(model: string, stats: ImagePipelineStats): Family[] {
  const m = { model }
  const one = (value: number) => [{ labels: m, value }]
  return [
    {
      name: 'feedguard_image_lookups_total',
      help: 'Item images looked up, by where their scores came from (miss: neither cache knew them).',
      type: 'counter',
      samples: [
        { labels: { ...m, result: 'memory' }, value: stats.memoryHits },
        { labels: { ...m, result: 'redis' }, value: stats.redisHits },
        { labels: { ...m, result: 'miss' }, value: stats.misses }
      ]
    },
    { name: 'feedguard_images_scored_total', help: 'Images the image model scored.', type: 'counter', samples: one(stats.scored) },
    { name: 'feedguard_image_pending_total', help: 'Item answers whose image was not scored within the budget (meta.pendingImages).', type: 'counter', samples: one(stats.pending) },
    {
      name: 'feedguard_image_skipped_total',
      help: 'Item answers whose image could not be scored (meta.skippedImages), by reason.',
      type: 'counter',
      samples: Object.entries(stats.skipped).map(([reason, value]) => ({ labels: { ...m, reason }, value }))
    },
    { name: 'feedguard_image_jobs_running', help: 'Background image jobs running.', type: 'gauge', samples: one(stats.queue.running) },
    { name: 'feedguard_image_jobs_queued', help: 'Background image jobs waiting.', type: 'gauge', samples: one(stats.queue.queued) },
    { name: 'feedguard_image_jobs_queued_bytes', help: 'Image bytes held by waiting jobs.', type: 'gauge', samples: one(stats.queue.queuedBytes) },
    { name: 'feedguard_image_jobs_deduplicated_total', help: 'Image submissions that joined a job already waiting or running.', type: 'counter', samples: one(stats.queue.deduplicated) },
    { name: 'feedguard_image_jobs_dropped_total', help: 'Image jobs refused because the queue was full.', type: 'counter', samples: one(stats.queue.dropped) },
    { name: 'feedguard_image_model_runs_total', help: 'Runs of the image model (one per micro-batch).', type: 'counter', samples: one(stats.batches.batches) },
    { name: 'feedguard_image_model_batch_max', help: 'Largest micro-batch the image model ran.', type: 'gauge', samples: one(stats.batches.largestBatch) },
    { name: 'feedguard_image_cache_entries', help: 'Images in the in-process image cache.', type: 'gauge', samples: one(stats.cachedImages) }
  ]
}
