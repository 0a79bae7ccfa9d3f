import fp from 'fastify-plugin'
import { loadPolicy, type Policy } from '../../policy/policy.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The versioned policy (POLICY_FILE): categories' thresholds per sensitivity and surface, floors, label aliases. */
    policy: Policy
  }
}

/** Loads the policy; a missing or invalid file fails start-up with every problem listed. */
export default fp(
  async (app) => {
    const policy = await loadPolicy(app.config.POLICY_FILE)
    app.decorate('policy', policy)
    app.readiness.add('policy', () => ({ ok: true, detail: policy.version }))
  },
  { name: 'policy', dependencies: ['config', 'readiness'], fastify: '5.x' }
)
