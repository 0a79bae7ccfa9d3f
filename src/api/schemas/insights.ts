/** The insights API: aggregates of what people push back on. */
import { z } from 'zod'
import { HEADLINE_REASONS } from '../../decisions/decision-store.js'
import { CATEGORIES } from '../../policy/vocabulary.js'

const byReason = z.partialRecord(z.enum(HEADLINE_REASONS), z.number().int())

const counted = <T extends z.ZodRawShape>(shape: T, what: string) => z.array(z.object({ ...shape, reports: z.number().int() })).describe(what)

export const InsightsSchema = z
  .object({
    window: z.string(),
    from: z.string().describe('start of the oldest hourly bucket read'),
    to: z.string(),
    minUsers: z.number().int().describe('a muted keyword is listed only when at least this many distinct users muted it'),
    reports: z.object({
      items: counted({ itemId: z.string() }, 'most reported items (distinct reporters)'),
      creators: counted({ authorId: z.string() }, 'creators whose items were most reported'),
      hashtags: counted({ hashtag: z.string() }, 'hashtags of the most reported items'),
      categories: counted({ category: z.enum(CATEGORIES) }, 'report reasons')
    }),
    feedbackByHour: z
      .array(
        z.object({
          hour: z.string(),
          not_interested: z.number().int(),
          hide_author: z.number().int(),
          see_less_hashtag: z.number().int(),
          report: z.number().int()
        })
      )
      .describe('events per hour, oldest first'),
    mutedKeywords: z
      .array(z.object({ term: z.string(), users: z.number().int() }))
      .describe('keywords most users started muting in the window (normalised), each muted by at least minUsers users'),
    decisionsByHour: z
      .array(
        z.object({
          hour: z.string(),
          allow: z.number().int(),
          blur: byReason.describe('blurs per headline reason (the decision\'s first, most severe reason)'),
          hide: byReason.describe('hides per headline reason')
        })
      )
      .describe('decisions taken per hour, oldest first')
  })
  .meta({ id: 'Insights' })

export const InsightsQuerySchema = z.object({
  window: z.string().max(8).default('24h').describe('1h to 30d, e.g. 24h or 7d'),
  limit: z.coerce.number().int().min(1).max(100).default(10)
})
