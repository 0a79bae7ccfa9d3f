/** What every API area shares: user ids and the error shape. */
import { z } from 'zod'

export const UserIdSchema = z.string().min(1).max(128)
export const UserParamsSchema = z.object({ userId: UserIdSchema })

export const ErrorResponseSchema = z
  .object({
    statusCode: z.number().int(),
    code: z.string().describe('Stable error code, e.g. FG_VALIDATION, FG_RULES_CONFLICT, FG_STORE_UNAVAILABLE'),
    error: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional()
  })
  .meta({ id: 'Error' })

/** What a reason does to an item. */
export const ActiveActionSchema = z.enum(['hide', 'blur'])

/** A 204 answer, described. */
export const noContent = (what: string) => z.null().describe(what)

/** What a 503 on a write that waits for a Redis replica means (src/redis/replica-wait.ts). */
export const REPLICATED_WRITE =
  'The write is acknowledged once a Redis replica has it too (when its shard has one), so that a failover cannot lose it. ' +
  'A 503 FG_STORE_UNAVAILABLE saying that no replica acknowledged it in time means the write may or may not have been applied; ' +
  'retrying is safe: with the same If-Match, a write that was applied answers 409 FG_RULES_CONFLICT (read the rules again), and a repeated verdict or bank change changes nothing twice.'
