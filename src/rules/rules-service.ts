import { notFound } from '../errors.js'
import {
  checkRules,
  contentFromInput,
  newRuleId,
  toAuthorRule,
  toKeywordRule,
  withAuthor,
  withKeyword,
  withoutAuthor,
  withoutKeyword,
  type RulesContent,
  type RulesLimits
} from './document.js'
import type { AuthorRule, AuthorRuleInput, KeywordRule, KeywordRuleInput, RulesDocument, RulesDocumentInput } from './schema.js'
import type { RulesStore } from './store.js'

/** The operations behind the rules API: every change is checked against the limits before it is stored. */
export class RulesService {
  constructor(
    private readonly store: RulesStore,
    private readonly limits: RulesLimits
  ) {}

  get(userId: string): Promise<RulesDocument> {
    return this.store.get(userId)
  }

  async replace(userId: string, input: RulesDocumentInput, expectedVersion?: number): Promise<RulesDocument> {
    const content = checkRules(contentFromInput(input), this.limits)
    const { doc } = await this.store.update(userId, () => ({ content, result: null }), expectedVersion)
    return doc
  }

  delete(userId: string): Promise<boolean> {
    return this.store.delete(userId)
  }

  async addKeyword(userId: string, input: KeywordRuleInput): Promise<KeywordRule> {
    const candidate = toKeywordRule({ ...input }, newRuleId())
    const { result } = await this.store.update(userId, (current) => {
      const { content, rule } = withKeyword(current, candidate)
      return { content: checkRules(content, this.limits), result: rule }
    })
    return result
  }

  async removeKeyword(userId: string, ruleId: string): Promise<void> {
    await this.store.update(userId, (current) => ({
      content: orNotFound(withoutKeyword(current, ruleId), `keyword rule ${ruleId}`),
      result: null
    }))
  }

  async addAuthor(userId: string, input: AuthorRuleInput): Promise<AuthorRule> {
    const rule = toAuthorRule(input)
    await this.store.update(userId, (current) => ({
      content: checkRules(withAuthor(current, rule), this.limits),
      result: null
    }))
    return rule
  }

  async removeAuthor(userId: string, authorId: string): Promise<void> {
    await this.store.update(userId, (current) => ({
      content: orNotFound(withoutAuthor(current, authorId), `author rule ${authorId}`),
      result: null
    }))
  }
}

function orNotFound(content: RulesContent | null, what: string): RulesContent {
  if (!content) throw notFound(what)
  return content
}
