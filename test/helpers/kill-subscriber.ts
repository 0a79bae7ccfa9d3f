import type { Redis } from 'ioredis'

/** Drops the subscriber connections with this client name (those of one test only), as a network failure would. */
export async function killSubscriber(admin: Redis, name: string): Promise<void> {
  const clients = (await admin.client('LIST')) as string
  const ids = clients
    .split('\n')
    .filter((line) => line.includes(` name=${name} `) && line.includes(' sub=1 '))
    .map((line) => /\bid=(\d+)/.exec(line)![1]!)
  for (const id of ids) await admin.client('KILL', 'ID', id)
}
