import type { Category } from '../policy/vocabulary.js'

/** The categories the text model scores, in the order of its output columns. */
export const TEXT_HEADS = ['toxicity', 'insult', 'threat', 'hate', 'profanity', 'spam'] as const satisfies readonly Category[]

export type TextHead = (typeof TEXT_HEADS)[number]
