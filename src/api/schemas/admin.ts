import { z } from 'zod'

export const DataLossAckSchema = z
  .object({ acknowledged: z.boolean().describe('whether there was an unacknowledged loss of Redis data') })
  .meta({ id: 'DataLossAck' })
