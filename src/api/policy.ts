import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { simulate } from '../decisions/simulate.js'
import { limitExceeded } from '../errors.js'
import { compilePolicy } from '../policy/policy.js'
import { rulesLimits } from '../plugins/app/rules.js'
import { checkRules, contentFromInput } from '../rules/document.js'
import { defaultRules, type RulesDocument } from '../rules/schema.js'
import { tryItem } from '../scoring/try-item.js'
import { ErrorResponseSchema } from './schemas/common.js'
import { EvaluateInputSchema, EvaluationSchema, PolicyDocumentSchema, SimulateInputSchema, SimulationSchema } from './schemas/policy.js'

/** The live policy, and what a candidate policy would change for recently scored items. */
export const policyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { decisions, config } = app
  const tags = ['policy']

  app.get(
    '/v1/policy',
    {
      config: { scope: 'insights' },
      schema: { operationId: 'getPolicy', summary: 'The live policy, in the policy file\'s format', tags, response: { 200: PolicyDocumentSchema } }
    },
    async () => app.policy.document
  )

  app.post(
    '/v1/policy/simulate',
    {
      config: { scope: 'insights' },
      schema: {
        operationId: 'simulatePolicy', summary: 'What a candidate policy would change: a sample of recently scored items decided again under it',
        tags,
        body: SimulateInputSchema,
        response: { 200: SimulationSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema }
      }
    },
    async (request) => {
      // This replica's latest decisions first, so a what-if run sees them.
      await decisions.recorder.flush()
      const samples = await decisions.store.readSamples(config.SIMULATE_MAX_SAMPLES)
      return simulate(app.policy, compilePolicy(request.body.policy), samples)
    }
  )

  app.post(
    '/v1/policy/evaluate',
    {
      config: { scope: 'insights' },
      schema: {
        operationId: 'evaluatePolicy', summary: 'Try one item: its decision under the live policy with a user\'s rules or a throwaway rules document, explained. Writes nothing',
        tags,
        body: EvaluateInputSchema,
        response: { 200: EvaluationSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema }
      }
    },
    async (request) => {
      const { item, surface, userId, rules: input, sensitivity, ageBand, restrictedMode } = request.body
      const base: RulesDocument = input
        ? { version: 0, ...checkRules(contentFromInput(input), rulesLimits(config)) }
        : userId
          ? await app.rulesStore.get(userId)
          : defaultRules()
      const rules = { ...base, ...(sensitivity && { sensitivity }), ...(ageBand && { ageBand }), ...(restrictedMode !== undefined && { restrictedMode }) }
      const { image, ...rest } = item
      const bytes = image ? Buffer.from(image.data, 'base64') : undefined
      if (bytes && bytes.length > config.IMAGE_MAX_BYTES) throw limitExceeded(`image is larger than ${config.IMAGE_MAX_BYTES} bytes`, 'body.item.image.data')
      return tryItem(
        { policy: app.policy, text: app.models.text, image: app.models.image },
        { item: rest, surface, rules, ...(bytes && { image: bytes }) }
      )
    }
  )
}
