import fp from 'fastify-plugin'
import type { Config } from '../../config.js'
import type { RulesLimits } from '../../rules/document.js'
import { RulesService } from '../../rules/rules-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The operations behind the rules API, within the configured limits. */
    rules: RulesService
  }
}

/** How many rules a user may have, and how long a keyword may be. */
export function rulesLimits(config: Config): RulesLimits {
  return { maxKeywordRules: config.MAX_KEYWORD_RULES, maxAuthorRules: config.MAX_AUTHOR_RULES, maxKeywordLength: config.MAX_KEYWORD_LENGTH }
}

/** Every change to a user's rules is also told to the feedback service (it counts newly muted keywords for insights). */
export default fp(
  async (app) => {
    app.decorate('rules', new RulesService(app.rulesStore, rulesLimits(app.config), app.feedback.onRulesChanged))
  },
  { name: 'rules', dependencies: ['config', 'rules-store', 'feedback'], fastify: '5.x' }
)
