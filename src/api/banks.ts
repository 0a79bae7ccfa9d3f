import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  addEntriesBodySchema,
  AddedEntriesSchema,
  bankNameSchema,
  BankPatchSchema,
  EntryPageQuerySchema,
  EntryPageSchema,
  HashBankListSchema,
  HashBankSchema,
  NewBankSchema
} from './schemas/banks.js'
import { ErrorResponseSchema, noContent, REPLICATED_WRITE } from './schemas/common.js'

const errors = { 400: ErrorResponseSchema, 404: ErrorResponseSchema, 409: ErrorResponseSchema, 503: ErrorResponseSchema }
const tags = ['hash banks']

export const bankRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app
  const banks = app.banks.service
  const BankName = bankNameSchema(config.BANK_NAME_PATTERN)
  const BankParams = z.object({ bank: BankName })

  app.post(
    '/v1/banks',
    {
      config: { scope: 'banks' },
      schema: {
        operationId: 'createBank', summary: 'Create a hash bank (enabled unless said otherwise)',
        description: REPLICATED_WRITE,
        tags,
        body: NewBankSchema(BankName),
        response: { 201: HashBankSchema, ...errors }
      }
    },
    async (request, reply) => reply.code(201).send(await banks.create(request.body))
  )

  app.get(
    '/v1/banks',
    { config: { scope: 'banks' }, schema: { operationId: 'listBanks', summary: 'Every hash bank, with its entry count', tags, response: { 200: HashBankListSchema, ...errors } } },
    async () => ({ banks: await banks.list() })
  )

  app.get(
    '/v1/banks/:bank',
    { config: { scope: 'banks' }, schema: { operationId: 'getBank', summary: 'One hash bank', tags, params: BankParams, response: { 200: HashBankSchema, ...errors } } },
    async (request) => banks.get(request.params.bank)
  )

  app.patch(
    '/v1/banks/:bank',
    {
      config: { scope: 'banks' },
      schema: {
        operationId: 'updateBank', summary: 'Enable or disable a hash bank, or change its description (null removes it)',
        description: REPLICATED_WRITE,
        tags,
        params: BankParams,
        body: BankPatchSchema,
        response: { 200: HashBankSchema, ...errors }
      }
    },
    async (request) => banks.update(request.params.bank, request.body)
  )

  app.delete(
    '/v1/banks/:bank',
    {
      config: { scope: 'banks' },
      schema: { operationId: 'deleteBank', summary: 'Delete a hash bank and all its entries', description: REPLICATED_WRITE, tags, params: BankParams, response: { 204: noContent('Deleted'), ...errors } }
    },
    async (request, reply) => {
      await banks.delete(request.params.bank)
      return reply.code(204).send(null)
    }
  )

  app.post(
    '/v1/banks/:bank/entries',
    {
      config: { scope: 'banks' },
      schema: {
        operationId: 'addBankEntries', summary: 'Add entries by PDQ hash or by image; a hash already in the bank updates that entry',
        description: REPLICATED_WRITE,
        tags,
        params: BankParams,
        body: addEntriesBodySchema(config.MAX_BANK_ENTRIES_PER_REQUEST),
        response: { 201: AddedEntriesSchema, ...errors }
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
      config: { scope: 'banks' },
      schema: {
        operationId: 'listBankEntries', summary: "A page of a bank's entries, in the order they were added",
        tags,
        params: BankParams,
        querystring: EntryPageQuerySchema,
        response: { 200: EntryPageSchema, ...errors }
      }
    },
    async (request) => banks.listEntries(request.params.bank, request.query)
  )

  app.delete(
    '/v1/banks/:bank/entries/:entryId',
    {
      config: { scope: 'banks' },
      schema: {
        operationId: 'removeBankEntry', summary: 'Remove one entry',
        description: REPLICATED_WRITE,
        tags,
        params: z.object({ bank: BankName, entryId: z.string().min(1).max(64) }),
        response: { 204: noContent('Removed'), ...errors }
      }
    },
    async (request, reply) => {
      await banks.removeEntry(request.params.bank, request.params.entryId)
      return reply.code(204).send(null)
    }
  )
}
