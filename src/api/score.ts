import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { FeedItem } from '../engine/types.js'
import { validationError } from '../errors.js'
import { jsonSchemaValidatorCompiler } from './fast-validator.js'
import { serializeScoreResponse } from './score-serializer.js'
import { ErrorResponseSchema } from './schemas/common.js'
import { ScoreResponseSchema, scoreRequestSchema } from './schemas/score.js'

export const scoreRoutes: FastifyPluginAsyncZod = async (app) => {
  const { scoring, config } = app
  app.post(
    '/v1/score',
    {
      config: { scope: 'score' },
      schema: {
        operationId: 'scoreItems', summary: 'Decide allow / blur / hide for a batch of candidate items for one user',
        tags: ['scoring'],
        body: scoreRequestSchema(config.MAX_ITEMS_PER_REQUEST),
        response: { 200: ScoreResponseSchema, 400: ErrorResponseSchema, 413: ErrorResponseSchema, 503: ErrorResponseSchema }
      },
      // The hot path: the same schema, validated through JSON Schema (see fast-validator.ts).
      validatorCompiler: jsonSchemaValidatorCompiler,
      serializerCompiler: ({ httpStatus }) => (httpStatus === '200' ? serializeScoreResponse : JSON.stringify)
    },
    async (request, reply) => {
      checkImages(request.body.items)
      return scoring.score({ ...request.body, elapsedMs: reply.elapsedTime, overloaded: app.isOverloaded() })
    }
  )
}

/** The one rule of the request schema JSON Schema does not carry: an image has a url or data, not both. */
function checkImages(items: readonly FeedItem[]) {
  const details = []
  for (let i = 0; i < items.length; i++) {
    const image = items[i]!.image
    if (image && (image.url === undefined) === (image.data === undefined)) {
      details.push({ path: `body.items.${i}.image`, message: 'image needs exactly one of url or data' })
    }
  }
  if (details.length > 0) throw validationError(`invalid request: ${details.map((d) => d.path).join(', ')}: image needs exactly one of url or data`, details)
}
