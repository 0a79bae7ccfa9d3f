import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { HASH_ACTIONS } from '../banks/bank.js'
import { ErrorResponseSchema } from './schemas.js'

const errors = { 400: ErrorResponseSchema, 404: ErrorResponseSchema, 409: ErrorResponseSchema, 503: ErrorResponseSchema }
const tags = ['hash banks']

const HashAction = z.enum(HASH_ACTIONS)
const PdqHex = z.string().regex(/^[0-9a-fA-F]{64}$/, 'a PDQ hash is 64 hexadecimal digits')

export const HashBankSchema = z
  .object({
    name: z.string(),
    enabled: z.boolean().describe('only enabled banks are matched'),
    createdAt: z.string(),
    description: z.string().optional(),
    entries: z.number().int().describe('number of entries')
  })
  .meta({ id: 'HashBank' })

export const HashBankEntrySchema = z
  .object({
    id: z.string(),
    hash: z.string().describe('PDQ hash: 64 lowercase hex digits'),
    contentId: z.string().optional(),
    action: HashAction,
    addedAt: z.string()
  })
  .meta({ id: 'HashBankEntry' })

const entryFields = {
  hash: PdqHex.optional().describe('a PDQ hash (64 hex digits, the reference tools\' format)'),
  image: z
    .object({ data: z.base64().max(14_000_000).optional().describe('the image, base64'), url: z.url().max(4096).optional() })
    .optional()
    .describe('an image to hash instead of a hash'),
  contentId: z.string().min(1).max(256).optional().describe('your id for the content'),
  action: HashAction.optional().describe('what a match does, for everyone; default hide')
}

type EntryFields = { hash?: string; image?: { data?: string; url?: string } }

function checkEntry(entry: EntryFields, ctx: z.RefinementCtx) {
  if ((entry.hash === undefined) === (entry.image === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'an entry needs exactly one of hash or image', path: [] })
  } else if (entry.image && (entry.image.data === undefined) === (entry.image.url === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'image needs exactly one of url or data', path: ['image'] })
  }
}

const HashBankEntryInputSchema = z
  .object(entryFields)
  .superRefine(checkEntry)
  .meta({ id: 'NewHashBankEntry' })

function addEntriesBodySchema(maxEntries: number) {
  return z
    .object({ ...entryFields, entries: z.array(HashBankEntryInputSchema).min(1).max(maxEntries).optional().describe('several entries at once') })
    .superRefine((body, ctx) => {
      if (body.entries === undefined) return checkEntry(body, ctx)
      if (body.hash !== undefined || body.image !== undefined || body.contentId !== undefined || body.action !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'send either one entry or entries, not both', path: [] })
      }
    })
    .describe('One entry ({ hash | image, contentId?, action? }) or { entries: [ … ] }')
}

export const bankRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app
  const banks = app.banks.service
  const BankName = z
    .string()
    .min(1)
    .max(128)
    .regex(new RegExp(config.BANK_NAME_PATTERN), `bank names match ${config.BANK_NAME_PATTERN}`)
  const BankParams = z.object({ bank: BankName })

  app.post(
    '/v1/banks',
    {
      schema: {
        summary: 'Create a hash bank (enabled unless said otherwise)',
        tags,
        body: z.object({ name: BankName, description: z.string().max(500).optional(), enabled: z.boolean().optional() }),
        response: { 201: HashBankSchema, ...errors }
      }
    },
    async (request, reply) => reply.code(201).send(await banks.create(request.body))
  )

  app.get(
    '/v1/banks',
    { schema: { summary: 'Every hash bank, with its entry count', tags, response: { 200: z.object({ banks: z.array(HashBankSchema) }), ...errors } } },
    async () => ({ banks: await banks.list() })
  )

  app.get(
    '/v1/banks/:bank',
    { schema: { summary: 'One hash bank', tags, params: BankParams, response: { 200: HashBankSchema, ...errors } } },
    async (request) => banks.get(request.params.bank)
  )

  app.patch(
    '/v1/banks/:bank',
    {
      schema: {
        summary: 'Enable or disable a hash bank, or change its description (null removes it)',
        tags,
        params: BankParams,
        body: z.object({ enabled: z.boolean().optional(), description: z.string().max(500).nullable().optional() }),
        response: { 200: HashBankSchema, ...errors }
      }
    },
    async (request) => banks.update(request.params.bank, request.body)
  )

  app.delete(
    '/v1/banks/:bank',
    {
      schema: { summary: 'Delete a hash bank and all its entries', tags, params: BankParams, response: { 204: z.null().describe('Deleted'), ...errors } }
    },
    async (request, reply) => {
      await banks.delete(request.params.bank)
      return reply.code(204).send(null)
    }
  )

  app.post(
    '/v1/banks/:bank/entries',
    {
      schema: {
        summary: 'Add entries by PDQ hash or by image; a hash already in the bank updates that entry',
        tags,
        params: BankParams,
        body: addEntriesBodySchema(config.MAX_BANK_ENTRIES_PER_REQUEST),
        response: { 201: z.object({ entries: z.array(HashBankEntrySchema) }), ...errors }
      }
    },
    async (request, reply) => {
      const { entries, ...single } = request.body
      const added = entries
        ? await banks.addEntries(request.params.bank, entries, (i) => `body.entries.${i}`)
        : await banks.addEntries(request.params.bank, [single], () => 'body')
      return reply.code(201).send({ entries: added })
    }
  )

  app.get(
    '/v1/banks/:bank/entries',
    {
      schema: {
        summary: "A page of a bank's entries, in the order they were added",
        tags,
        params: BankParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          after: z.string().min(1).max(64).optional().describe('the `next` of the previous page')
        }),
        response: {
          200: z.object({ entries: z.array(HashBankEntrySchema), next: z.string().nullable().describe('null on the last page') }),
          ...errors
        }
      }
    },
    async (request) => banks.listEntries(request.params.bank, request.query)
  )

  app.delete(
    '/v1/banks/:bank/entries/:entryId',
    {
      schema: {
        summary: 'Remove one entry',
        tags,
        params: z.object({ bank: BankName, entryId: z.string().min(1).max(64) }),
        response: { 204: z.null().describe('Removed'), ...errors }
      }
    },
    async (request, reply) => {
      await banks.removeEntry(request.params.bank, request.params.entryId)
      return reply.code(204).send(null)
    }
  )
}
