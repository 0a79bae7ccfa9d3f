/** Liveness and readiness. */
import { z } from 'zod'

export const LivenessSchema = z.object({ status: z.literal('ok') })

export const ReadinessSchema = z.object({
  ready: z.boolean(),
  /** `degraded`: ready, but some answers fall back (Redis down: cached or default rules, no shared caches). */
  status: z.enum(['ready', 'degraded', 'not_ready', 'shutting_down']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), degraded: z.boolean().optional(), detail: z.string().optional() }))
})
