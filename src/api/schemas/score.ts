/** `POST /v1/score`: the request (a user and their candidate items) and the decisions. */
import { z } from 'zod'
import { CATEGORIES, SURFACES } from '../../policy/vocabulary.js'
import { FEEDBACK_SIGNALS, LEARNED_KINDS } from '../../rules/schema.js'
import { ActiveActionSchema, UserIdSchema } from './common.js'

export const Base64 = z.base64().max(14_000_000)

export const FeedItemSchema = z
  .object({
    id: z.string().min(1).max(256).describe('the item id, echoed: 1–256 characters'),
    text: z.string().max(20_000).optional().describe('the caption: up to 20,000 characters'),
    overlayText: z.string().max(20_000).optional().describe('text shown on the media: up to 20,000 characters'),
    transcript: z.string().max(100_000).optional().describe('the spoken words: up to 100,000 characters'),
    hashtags: z.array(z.string().max(200)).max(100).optional().describe('up to 100 hashtags of up to 200 characters each'),
    lang: z.string().max(35).optional().describe('a BCP 47 language tag: up to 35 characters'),
    author: z
      .object({
        id: z.string().min(1).max(128).optional().describe('1–128 characters'),
        handle: z.string().max(256).optional().describe('up to 256 characters'),
        name: z.string().max(256).optional().describe('up to 256 characters'),
        followed: z.boolean().optional()
      })
      .strict()
      .optional(),
    image: z
      .object({
        url: z.url().max(4096).optional().describe('up to 4,096 characters; fetched only from IMAGE_ALLOWED_HOSTS'),
        data: Base64.optional().describe('base64, up to 14,000,000 characters; the decoded image at most IMAGE_MAX_BYTES and IMAGE_MAX_PIXELS')
      })
      .strict()
      // Exactly one of the two: checked by the route (src/api/score.ts), as JSON Schema validation cannot say it.
      .describe('an image by url or by data (base64): exactly one of the two')
      .optional(),
    labels: z
      .array(z.object({ name: z.string().min(1).max(64), score: z.number().min(0).max(1).optional() }).strict())
      .max(50)
      .optional()
      .describe('upstream labels: up to 50, names of 1–64 characters, scores 0–1')
  })
  // A misspelt field (`caption` for `text`) is refused rather than ignored: ignored, the item would be scored
  // without it and allowed.
  .strict()
  .meta({ id: 'FeedItem' })

export function scoreRequestSchema(maxItems: number) {
  return z
    .object({
      userId: UserIdSchema,
      surface: z.enum(SURFACES).default('for_you'),
      items: z.array(FeedItemSchema).min(1).max(maxItems).describe(`1–${maxItems} items (MAX_ITEMS_PER_REQUEST); the whole body at most BODY_LIMIT_BYTES`),
      explain: z.boolean().default(true),
      imageBudgetMs: z
        .number()
        .int()
        .min(0)
        .max(5000)
        .optional()
        .describe('How long to wait for images no cache knows, in ms (default: the configured IMAGE_BUDGET_MS); 0 answers from the caches only')
    })
    .strict()
    .meta({ id: 'ScoreRequest' })
}

const KeywordReasonSchema = z.object({
  type: z.enum(['keyword', 'hashtag']),
  action: ActiveActionSchema,
  ruleId: z.string(),
  value: z.string(),
  field: z.string().describe('text, overlayText, transcript, hashtags[i], author.handle or author.name'),
  match: z.string(),
  start: z.number().int().describe('UTF-16 offset into the field'),
  end: z.number().int()
})

const AuthorReasonSchema = z.object({ type: z.literal('author'), action: ActiveActionSchema, authorId: z.string() })

const CategoryReasonSchema = z.object({
  type: z.literal('category'),
  action: ActiveActionSchema,
  category: z.enum(CATEGORIES),
  score: z.number(),
  threshold: z.number(),
  source: z.string().describe('model:<name>@<version> or label:<name>'),
  basis: z.enum(['policy', 'user', 'floor', 'platform']).describe('what set the action: the policy default, the user\'s category choice, a floor, or the platform-wide threshold'),
  floor: z.string().optional(),
  spans: z
    .array(
      z.object({
        field: z.string().describe('text, overlayText or transcript'),
        start: z.number().int().describe('UTF-16 offset into the field\'s original string'),
        end: z.number().int()
      })
    )
    .optional()
    .describe(
      'With explain, for a score from a text model: the words that drove it most (the n-grams with the largest positive contributions, mapped to the original text; neighbours merged), most influential first'
    )
})

const FeedbackReasonSchema = z.object({
  type: z.literal('feedback'),
  action: ActiveActionSchema,
  signal: z.enum(FEEDBACK_SIGNALS).describe('the feedback that taught the rule'),
  kind: z.enum(LEARNED_KINDS),
  value: z.string().describe('the item id, author id or hashtag (without #) the learned rule is about'),
  learnedId: z.string().describe('the learned rule (GET …/rules, learned[]); the user can remove it')
})

const ItemReasonSchema = z.object({
  type: z.literal('item'),
  action: ActiveActionSchema,
  status: z.enum(['under_review', 'removed']).describe('under_review: blurred for everyone while reports are reviewed; removed: hidden for everyone'),
  category: z.enum(CATEGORIES).optional()
})

const HashReasonSchema = z.object({
  type: z.literal('hash'),
  action: ActiveActionSchema,
  bank: z.string().describe('the hash bank whose entry the item\'s image matched; applies to everyone'),
  distance: z.number().int().describe('Hamming distance between the PDQ hashes (0–256)'),
  contentId: z.string().optional().describe('the content id stored with the bank entry'),
  entryId: z.string()
})

export const ReasonSchema = z
  .discriminatedUnion('type', [KeywordReasonSchema, AuthorReasonSchema, CategoryReasonSchema, FeedbackReasonSchema, ItemReasonSchema, HashReasonSchema])
  .meta({ id: 'Reason' })

export const DecisionSchema = z
  .object({
    id: z.string(),
    action: z.enum(['allow', 'blur', 'hide']),
    reasons: z.array(ReasonSchema),
    scores: z.partialRecord(z.enum(CATEGORIES), z.number()).optional()
  })
  .meta({ id: 'Decision' })

export const ScoreResponseSchema = z
  .object({
    userId: z.string(),
    decisions: z.array(DecisionSchema),
    meta: z.object({
      policyVersion: z.string(),
      rulesVersion: z.number().int(),
      degraded: z.boolean(),
      degradedReasons: z.array(z.string()).optional(),
      models: z.array(z.string()),
      pendingImages: z
        .array(z.string())
        .optional()
        .describe('Ids of the items whose image was not scored within the image budget: decided without it, and still being classified in the background (a later request finds its scores cached)'),
      skippedImages: z
        .array(z.object({ id: z.string(), reason: z.string() }))
        .optional()
        .describe(
          'Items whose image could not be scored, and why: url_fetching_disabled, host_not_allowed, scheme_not_allowed, address_not_allowed, bad_url, dns_failed, connect_timeout, timeout, too_large, not_an_image, http_error, too_many_redirects, network_error, image_invalid, image_too_large, queue_full, closing, model_failed'
        )
    })
  })
  .meta({ id: 'ScoreResponse' })
