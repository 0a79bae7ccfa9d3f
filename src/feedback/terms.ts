import { createHash } from 'node:crypto'

/** A hashtag as learning and the crowd counters key it: without `#`, NFKC, lower case. */
export function normalizeHashtag(tag: string): string {
  return tag.normalize('NFKC').trim().replace(/^#+/, '').trim().toLowerCase()
}

/**
 * A muted keyword as insights count it: NFKC, lower case, accents removed, spaces collapsed, so that
 * `Café`, `cafe` and ` CAFE ` are one term. A leading `#` (a hashtag-only rule) is kept.
 */
export function normalizeTerm(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
}

/** A short, stable, key-safe digest. */
export function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 16)
}
