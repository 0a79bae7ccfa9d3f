import type { Test } from 'tap'
import type { z } from 'zod'
import type { FeedItem, KeywordReason } from '../../../src/engine/types.js'
import type { KeywordRuleInputSchema } from '../../../src/rules/schema.js'
import { build } from '../../helpers/app.js'

/** A keyword rule as PUT /v1/users/{userId}/rules takes it. */
export type KeywordRule = z.input<typeof KeywordRuleInputSchema>

/** An item as POST /v1/score takes it; each case scores one, as `item`. */
export type Item = Omit<FeedItem, 'id'>

export interface MutedWords {
  /**
   * Stores the keyword rules for a new user, scores the item for that user and answers the keyword reasons of
   * its decision (empty when no muted word hides or blurs it).
   */
  reasons(keywords: KeywordRule[], item: Item, options?: { surface?: string; as?: 'author' }): Promise<KeywordReason[]>
  /** Whether the item is muted: any keyword reason. */
  muted(keywords: KeywordRule[], item: Item, options?: { surface?: string; as?: 'author' }): Promise<boolean>
  /** The answer of PUT /v1/users/{userId}/rules to these keyword rules. */
  store(keywords: unknown[]): Promise<{ statusCode: number; body: { code?: string; message?: string } }>
}

/**
 * The real service (the HTTP app on the embedded store), driven the way an app team would: each case stores a
 * user's rules document and scores one item for that user.
 */
export async function mutedWords(t: Test): Promise<MutedWords> {
  const app = await build(t)
  let users = 0
  const store = async (userId: string, keywords: unknown[]) => {
    const response = await app.inject({ method: 'PUT', url: `/v1/users/${userId}/rules`, payload: { keywords } })
    return { statusCode: response.statusCode, body: response.json() }
  }
  const reasons: MutedWords['reasons'] = async (keywords, item, options = {}) => {
    const userId = `conformance-${++users}`
    const stored = await store(userId, keywords)
    if (stored.statusCode !== 200) throw new Error(`rules not stored: ${JSON.stringify(stored.body)}`)
    // a user's own item: its author is the user
    const author = options.as === 'author' ? { ...item.author, id: userId } : item.author
    const response = await app.inject({
      method: 'POST',
      url: '/v1/score',
      payload: { userId, surface: options.surface, items: [{ id: 'item', ...item, author }] }
    })
    if (response.statusCode !== 200) throw new Error(`not scored: ${response.body}`)
    const [decision] = response.json().decisions
    return decision.reasons.filter((reason: { type: string }) => reason.type === 'keyword' || reason.type === 'hashtag')
  }
  return {
    reasons,
    muted: async (keywords, item, options) => (await reasons(keywords, item, options)).length > 0,
    store: (keywords) => store(`conformance-${++users}`, keywords)
  }
}
