/** The review API: items' and creators' crowd signals, and verdicts. */
import { z } from 'zod'
import { CATEGORIES } from '../../policy/vocabulary.js'

export const ItemParamsSchema = z.object({ itemId: z.string().min(1).max(256) })
export const CreatorParamsSchema = z.object({ authorId: z.string().min(1).max(128) })

export const ItemSignalsSchema = z
  .object({
    itemId: z.string(),
    status: z.enum(['none', 'under_review', 'removed', 'cleared']).describe('under_review: blurred for everyone; removed: hidden for everyone; cleared: reviewed and fine'),
    category: z.enum(CATEGORIES).optional(),
    since: z.string().optional(),
    expiresAt: z.string().optional(),
    windowHours: z.number().describe('reports count over this sliding window'),
    reports: z.object({
      reporters: z.number().int().describe('distinct reporters within the window'),
      weighted: z.number().describe('the sum of their trust at report time; the item goes under review at the configured threshold'),
      byCategory: z.partialRecord(z.enum(CATEGORIES), z.number()).describe('weighted reports per reason')
    })
  })
  .meta({ id: 'ItemSignals' })

export const ReviewQueueSchema = z
  .object({
    total: z.number().int().describe('items under review in all'),
    items: z.array(ItemSignalsSchema).describe('the longest waiting first')
  })
  .meta({ id: 'ReviewQueue' })

export const ReviewQueueQuerySchema = z.object({
  status: z.enum(['under_review']).describe('the only listing: items under review'),
  limit: z.coerce.number().int().min(1).max(500).default(50)
})

export const VerdictSchema = z
  .object({
    itemId: z.string(),
    status: z.enum(['removed', 'cleared']),
    category: z.enum(CATEGORIES).optional(),
    reportersAdjusted: z.number().int().describe('reporters whose trust this verdict moved'),
    expiresAt: z.string()
  })
  .meta({ id: 'Verdict' })

export const CreatorSignalsSchema = z
  .object({
    authorId: z.string(),
    windowHours: z.number(),
    reporters: z.number().int().describe('distinct reporters of the creator\'s items within the window'),
    byCategory: z.partialRecord(z.enum(CATEGORIES), z.number().int()).describe('distinct reporters per reason')
  })
  .meta({ id: 'CreatorSignals' })

export const VerdictInputSchema = z.object({ violating: z.boolean(), category: z.enum(CATEGORIES).optional() }).strict()
