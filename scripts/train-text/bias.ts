import { foldText } from '../../src/keywords/normalize.js'

/**
 * A measure of identity-term bias on real data (after Dixon et al., "Measuring and Mitigating Unintended
 * Bias in Text Classification", AIES 2018): among texts labelled not abusive, how often the model flags
 * those that mention an identity group compared with those that do not.
 */

export const IDENTITY_TERMS = [
  'gay', 'gays', 'lesbian', 'lesbians', 'bisexual', 'transgender', 'trans', 'queer', 'homosexual', 'lgbt', 'lgbtq',
  'black', 'blacks', 'white', 'whites', 'asian', 'asians', 'latino', 'latina', 'hispanic', 'mexican', 'mexicans',
  'african', 'arab', 'arabs', 'indian', 'chinese', 'jew', 'jews', 'jewish', 'muslim', 'muslims', 'islam', 'christian',
  'christians', 'catholic', 'hindu', 'buddhist', 'sikh', 'atheist', 'immigrant', 'immigrants', 'refugee', 'refugees',
  'disabled', 'deaf', 'blind', 'autistic', 'women', 'woman', 'feminist'
]

const IDENTITY = new RegExp(`(?<![\\p{L}\\p{N}])(${IDENTITY_TERMS.join('|')})(?![\\p{L}\\p{N}])`, 'u')

export function mentionsIdentity(text: string): boolean {
  return IDENTITY.test(foldText(text))
}

export interface FlagRate {
  texts: number
  flagged: number
  rate: number
}

/** False-positive rates at `threshold` for negatives with and without an identity term. */
export function identityFalsePositives(texts: readonly string[], scores: readonly number[], labels: readonly number[], threshold: number) {
  const withTerm = { texts: 0, flagged: 0, rate: 0 }
  const withoutTerm = { texts: 0, flagged: 0, rate: 0 }
  texts.forEach((text, i) => {
    if (labels[i] !== 0) return
    const group = mentionsIdentity(text) ? withTerm : withoutTerm
    group.texts++
    if ((scores[i] as number) >= threshold) group.flagged++
  })
  for (const group of [withTerm, withoutTerm]) group.rate = group.texts > 0 ? group.flagged / group.texts : 0
  return { withTerm, withoutTerm }
}
