/**
 * The policy's vocabulary: the words every other part of the service (rules, classifiers, the engine,
 * the API) uses for what content is, where it is shown, who is shown it and what is done to it.
 */

/** The canonical content categories every classifier and upstream label is mapped onto. */
export const CATEGORIES = [
  'toxicity',
  'insult',
  'threat',
  'hate',
  'profanity',
  'sexual',
  'suggestive',
  'violence',
  'self_harm',
  'spam'
] as const

export type Category = (typeof CATEGORIES)[number]

export const SENSITIVITIES = ['strict', 'standard', 'relaxed'] as const
export type Sensitivity = (typeof SENSITIVITIES)[number]

/** Where in the app an item is shown: rules and policy entries can be limited to some surfaces. */
export const SURFACES = ['for_you', 'following', 'search', 'profile', 'comments', 'live', 'notifications'] as const
export type Surface = (typeof SURFACES)[number]

/** A user's age band: minors get the policy's floors. */
export const AGE_BANDS = ['under13', '13-15', '16-17', 'adult'] as const
export type AgeBand = (typeof AGE_BANDS)[number]

export const ACTIONS = ['allow', 'blur', 'hide'] as const
export type Action = (typeof ACTIONS)[number]

/** Severity order used everywhere a "most severe" choice is made. */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = { allow: 0, blur: 1, hide: 2 }
