import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { simulate } from '../decisions/simulate.js'
import { compilePolicy } from '../policy/policy.js'
import './route-access.js'
import { ErrorResponseSchema } from './schemas/common.js'
import { PolicyDocumentSchema, SimulateInputSchema, SimulationSchema } from './schemas/policy.js'

/** The live policy, and what a candidate policy would change for recently scored items. */
export const policyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { decisions, config } = app
  const tags = ['policy']

  app.get(
    '/v1/policy',
    {
      config: { scope: 'insights' },
      schema: { summary: 'The live policy, in the policy file\'s format', tags, response: { 200: PolicyDocumentSchema } }
    },
    async () => app.policy.document
  )

  app.post(
    '/v1/policy/simulate',
    {
      config: { scope: 'insights' },
      schema: {
        summary: 'What a candidate policy would change: a sample of recently scored items decided again under it',
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
}
