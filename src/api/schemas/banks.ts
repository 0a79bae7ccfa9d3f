/** The hash bank API: banks, their entries, and the entries to add. */
import { z } from 'zod'
import { HASH_ACTIONS } from '../../banks/bank.js'

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
    .object({
      data: z.base64().max(14_000_000).optional().describe('the image, base64: up to 14,000,000 characters; the decoded image at most BANK_IMAGE_MAX_PIXELS (default 50,000,000) pixels'),
      url: z.url().max(4096).optional().describe('up to 4,096 characters; fetched only from IMAGE_ALLOWED_HOSTS, at most IMAGE_MAX_BYTES')
    })
    .optional()
    .describe('an image to hash instead of a hash'),
  contentId: z.string().min(1).max(256).optional().describe('your id for the content: 1–256 characters'),
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

export function addEntriesBodySchema(maxEntries: number) {
  return z
    .object({ ...entryFields, entries: z.array(HashBankEntryInputSchema).min(1).max(maxEntries).optional().describe(`several entries at once: 1–${maxEntries} (MAX_BANK_ENTRIES_PER_REQUEST)`) })
    .superRefine((body, ctx) => {
      if (body.entries === undefined) return checkEntry(body, ctx)
      if (body.hash !== undefined || body.image !== undefined || body.contentId !== undefined || body.action !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'send either one entry or entries, not both', path: [] })
      }
    })
    .describe('One entry ({ hash | image, contentId?, action? }) or { entries: [ … ] }')
}

/** A bank's name, as BANK_NAME_PATTERN allows. */
export function bankNameSchema(pattern: string) {
  return z
    .string()
    .min(1)
    .max(128)
    .regex(new RegExp(pattern), `bank names match ${pattern}`)
    .describe(`1–128 characters matching ${pattern} (BANK_NAME_PATTERN)`)
}

const BankDescription = z.string().max(500).describe('up to 500 characters')
export const NewBankSchema = (bankName: z.ZodString) => z.object({ name: bankName, description: BankDescription.optional(), enabled: z.boolean().optional() })
export const BankPatchSchema = z.object({ enabled: z.boolean().optional(), description: BankDescription.nullable().optional() })
export const HashBankListSchema = z.object({ banks: z.array(HashBankSchema) })
export const AddedEntriesSchema = z.object({ entries: z.array(HashBankEntrySchema) })
export const EntryPageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().min(1).max(64).optional().describe('the `next` of the previous page')
})
export const EntryPageSchema = z.object({ entries: z.array(HashBankEntrySchema), next: z.string().nullable().describe('null on the last page') })
