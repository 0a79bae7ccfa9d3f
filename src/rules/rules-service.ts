import { notFound } from '../errors.js'
import {
  checkRules,
  contentFromInput,
  keepLearned,
  newRuleId,
  publicRules,
  toAuthorRule,
  toKeywordRule,
  withAuthor,
  withKeyword,
  withoutAuthor,
  withoutKeyword,
  withoutLearned,
  type RulesContent,
  type RulesLimits
} from './document.js'
import type { AuthorRule, AuthorRuleInput, KeywordRule, KeywordRuleInput, RulesDocument, RulesDocumentInput } from './schema.js'
import type { RulesChange, RulesStore } from './rules-store.js'

/**
 * Told about every stored change with the document before and after it, once the change is stored. It
 * must not throw: what it does is best-effort and never fails the user's write.
 */
export type RulesChangeListener = (userId: string, before: RulesDocument, after: RulesDocument) => Promise<void>

/** The operations behind the rules API: every change is checked against the limits before it is stored. */
export class RulesService {
  constructor(
    private readonly store: RulesStore,
    private readonly limits: RulesLimits,
    private readonly onChanged?: RulesChangeListener
  ) {}

  async get(userId: string): Promise<RulesDocument> {
    return publicRules(await this.store.get(userId))
  }

  async replace(userId: string, input: RulesDocumentInput, expectedVersion?: number): Promise<RulesDocument> {
    const content = checkRules(contentFromInput(input), this.limits)
    const { doc } = await this.#update(
      userId,
      (current) => ({ content: keepLearned(current, content, input.learned), result: null }),
      expectedVersion
    )
    return publicRules(doc)
  }

  delete(userId: string): Promise<boolean> {
    return this.store.delete(userId)
  }

  async addKeyword(userId: string, input: KeywordRuleInput): Promise<KeywordRule> {
    const candidate = toKeywordRule({ ...input }, newRuleId())
    const { result } = await this.#update(userId, (current) => {
      const { content, rule } = withKeyword(current, candidate)
      return { content: checkRules(content, this.limits), result: rule }
    })
    return result
  }

  async removeKeyword(userId: string, ruleId: string): Promise<void> {
    await this.#update(userId, (current) => ({
      content: orNotFound(withoutKeyword(current, ruleId), `keyword rule ${ruleId}`),
      result: null
    }))
  }

  async addAuthor(userId: string, input: AuthorRuleInput): Promise<AuthorRule> {
    const rule = toAuthorRule(input)
    await this.#update(userId, (current) => ({
      content: checkRules(withAuthor(current, rule), this.limits),
      result: null
    }))
    return rule
  }

  async removeAuthor(userId: string, authorId: string): Promise<void> {
    await this.#update(userId, (current) => ({
      content: orNotFound(withoutAuthor(current, authorId), `author rule ${authorId}`),
      result: null
    }))
  }

  async removeLearned(userId: string, learnedId: string): Promise<void> {
    await this.#update(userId, (current) => ({
      content: orNotFound(withoutLearned(current, learnedId), `learned rule ${learnedId}`),
      result: null
    }))
  }

  /** A store update that tells the listener what changed; the document a change was last computed on is the one it replaced. */
  async #update<T>(userId: string, change: RulesChange<T>, expectedVersion?: number) {
    let before: RulesDocument | undefined
    const updated = await this.store.update(
      userId,
      (current) => {
        before = current
        return change(current)
      },
      expectedVersion
    )
    if (this.onChanged) await this.onChanged(userId, before!, updated.doc)
    return updated
  }
}

function orNotFound(content: RulesContent | null, what: string): RulesContent {
  if (!content) throw notFound(what)
  return content
}
