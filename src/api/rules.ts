import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { ErrorResponseSchema, noContent, UserParamsSchema, REPLICATED_WRITE } from './schemas/common.js'
import {
  AuthorRuleInputSchema,
  AuthorRuleParamsSchema,
  AuthorRuleSchema,
  IfMatchHeadersSchema,
  KeywordRuleInputSchema,
  KeywordRuleParamsSchema,
  KeywordRuleSchema,
  LearnedRuleParamsSchema,
  RulesDocumentInputSchema,
  RulesDocumentSchema
} from './schemas/rules.js'

const errors = { 400: ErrorResponseSchema, 404: ErrorResponseSchema, 409: ErrorResponseSchema, 503: ErrorResponseSchema }
const tags = ['rules']

/** `If-Match: 3`, `"3"` or `W/"3"` → 3. */
const parseIfMatch = (header: string | undefined) =>
  header === undefined ? undefined : Number(header.replace(/[^0-9]/g, ''))

export const rulesRoutes: FastifyPluginAsyncZod = async (app) => {
  const { rules } = app

  app.get(
    '/v1/users/:userId/rules',
    {
      config: { scope: 'rules:read' },
      schema: {
        operationId: 'getRules', summary: "A user's filter rules (defaults with version 0 for a user who has none)",
        tags,
        params: UserParamsSchema,
        response: { 200: RulesDocumentSchema, ...errors }
      }
    },
    async (request, reply) => {
      const doc = await rules.get(request.params.userId)
      reply.header('etag', `"${doc.version}"`)
      return doc
    }
  )

  app.put(
    '/v1/users/:userId/rules',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'replaceRules', summary: "Replace a user's rules; with If-Match, only if they are still at that version",
        description: REPLICATED_WRITE,
        tags,
        params: UserParamsSchema,
        headers: IfMatchHeadersSchema,
        body: RulesDocumentInputSchema,
        response: { 200: RulesDocumentSchema, ...errors }
      }
    },
    async (request, reply) => {
      const doc = await rules.replace(request.params.userId, request.body, parseIfMatch(request.headers['if-match']))
      reply.header('etag', `"${doc.version}"`)
      return doc
    }
  )

  app.delete(
    '/v1/users/:userId/rules',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'deleteRules', summary: "Delete all of a user's rules",
        description: REPLICATED_WRITE,
        tags,
        params: UserParamsSchema,
        response: { 204: noContent('Deleted'), ...errors }
      }
    },
    async (request, reply) => {
      await rules.delete(request.params.userId)
      return reply.code(204).send(null)
    }
  )

  app.post(
    '/v1/users/:userId/rules/keywords',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'addKeywordRule', summary: 'Add one keyword rule (the server assigns its id)',
        description: REPLICATED_WRITE,
        tags,
        params: UserParamsSchema,
        body: KeywordRuleInputSchema.omit({ id: true }),
        response: { 201: KeywordRuleSchema, ...errors }
      }
    },
    async (request, reply) => {
      const rule = await rules.addKeyword(request.params.userId, request.body)
      return reply.code(201).send(rule)
    }
  )

  app.delete(
    '/v1/users/:userId/rules/keywords/:ruleId',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'removeKeywordRule', summary: 'Remove one keyword rule',
        description: REPLICATED_WRITE,
        tags,
        params: KeywordRuleParamsSchema,
        response: { 204: noContent('Removed'), ...errors }
      }
    },
    async (request, reply) => {
      await rules.removeKeyword(request.params.userId, request.params.ruleId)
      return reply.code(204).send(null)
    }
  )

  app.post(
    '/v1/users/:userId/rules/authors',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'addAuthorRule', summary: 'Mute (hide or blur) one creator',
        description: REPLICATED_WRITE,
        tags,
        params: UserParamsSchema,
        body: AuthorRuleInputSchema,
        response: { 201: AuthorRuleSchema, ...errors }
      }
    },
    async (request, reply) => {
      const rule = await rules.addAuthor(request.params.userId, request.body)
      return reply.code(201).send(rule)
    }
  )

  app.delete(
    '/v1/users/:userId/rules/authors/:authorId',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'removeAuthorRule', summary: 'Unmute one creator',
        description: REPLICATED_WRITE,
        tags,
        params: AuthorRuleParamsSchema,
        response: { 204: noContent('Removed'), ...errors }
      }
    },
    async (request, reply) => {
      await rules.removeAuthor(request.params.userId, request.params.authorId)
      return reply.code(204).send(null)
    }
  )

  app.delete(
    '/v1/users/:userId/rules/learned/:learnedId',
    {
      config: { scope: 'rules:write' },
      schema: {
        operationId: 'removeLearnedRule', summary: 'Remove one rule learned from feedback (and forget the signals that made it)',
        description: REPLICATED_WRITE,
        tags,
        params: LearnedRuleParamsSchema,
        response: { 204: noContent('Removed'), ...errors }
      }
    },
    async (request, reply) => {
      await rules.removeLearned(request.params.userId, request.params.learnedId)
      return reply.code(204).send(null)
    }
  )
}
