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

export type Action = 'allow' | 'blur' | 'hide'

/** Severity order used everywhere a "most severe" choice is made. */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = { allow: 0, blur: 1, hide: 2 }
