/** Liveness and readiness. */
import { z } from 'zod'

export const LivenessSchema = z.object({ status: z.literal('ok') })

export const ReadinessSchema = z.object({
  ready: z.boolean(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() }))
})
