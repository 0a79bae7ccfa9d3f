import type { Category } from '../policy/vocabulary.js'
import type { ClassProbabilities } from './model-spec.js'

/** The canonical categories the image model scores. */
export const IMAGE_CATEGORIES = ['sexual', 'suggestive'] as const satisfies readonly Category[]
export type ImageCategory = (typeof IMAGE_CATEGORIES)[number]

/**
 * NSFWJS classes → categories. Porn and Hentai are both explicit (photographic and drawn), so their
 * probabilities add up to `sexual`; Sexy is `suggestive`; Drawing and Neutral are safe and add nothing.
 * Summing is right because the classes are mutually exclusive outcomes of one softmax.
 */
export function imageCategoryScores(p: ClassProbabilities): Record<ImageCategory, number> {
  return { sexual: Math.min(1, p.Porn + p.Hentai), suggestive: p.Sexy }
}
