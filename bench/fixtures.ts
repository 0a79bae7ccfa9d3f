/**
 * Deterministic, realistic request fixtures for the benchmarks: captions of ~150 characters with
 * hashtags and mentions, creators, some upstream labels, and a user with 50 keyword rules and 20
 * muted creators.
 */
import { createRandom } from './random.js'

const WORDS = (
  'the a my this day night best ever new video watch wait for it tutorial recipe dance challenge cat dog ' +
  'travel beach city food pasta coffee morning routine workout gym skincare makeup outfit haul review ' +
  'unboxing game play level boss win fail funny prank reaction music cover song guitar piano live stream ' +
  'behind scenes story time life hack tips tricks easy quick how to make learn school study exam summer ' +
  'winter holiday family friends party birthday wedding baby puppy kitten garden plants diy craft art'
).split(' ')

const TAGS = ['fyp', 'foryou', 'viral', 'SpoilerAlert', 'CatsOfTikTok', 'LifeHack', 'GymTok', 'BookTok', 'FoodTok', 'travel', 'DIY', 'comedy']

export const KEYWORDS = [
  'spoiler', 'finale', 'ending', 'leak', 'crypto', 'giveaway', 'diet', 'weight loss', 'election', 'politics',
  'clown', 'prank', 'scary', 'horror', 'jumpscare', 'snake', 'spider', 'needle', 'blood', 'surgery',
  'gambling', 'casino', 'betting', 'forex', 'nft', 'pyramid', 'mlm', 'ex', 'breakup', 'divorce',
  'new york', 'super bowl', 'world cup', 'box office', 'red carpet', 'get rich', 'side hustle', 'passive income', 'rug pull', 'pump',
  'ASMR', 'mukbang', 'cringe', 'karen', 'drama', 'tea', 'beef', 'cancelled', 'exposed', 'storytime'
]

export function user(seed = 7) {
  const random = createRandom(seed)
  return {
    userId: 'bench-user',
    rules: {
      sensitivity: 'standard',
      categories: { profanity: 'blur' },
      keywords: KEYWORDS.map((value, i) => ({
        value,
        mode: i % 10 === 9 ? 'substring' : 'word',
        action: i % 3 === 0 ? 'blur' : 'hide',
        ...(i % 7 === 0 ? { surfaces: ['for_you', 'search'] } : {}),
        ...(i % 5 === 0 ? { exceptFollowing: true } : {})
      })),
      authors: Array.from({ length: 20 }, (_, i) => ({ id: `creator-${Math.floor(random() * 1000)}-${i}`, action: 'hide' }))
    }
  }
}

export function items(count: number, seed = 42, idPrefix = 'item') {
  const random = createRandom(seed)
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
  return Array.from({ length: count }, (_, i) => {
    const words: string[] = []
    let length = 0
    while (length < 140) {
      const word = random() < 0.015 ? pick(KEYWORDS) : pick(WORDS)
      words.push(word)
      length += word.length + 1
    }
    const tags = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(TAGS))
    const item: Record<string, unknown> = {
      id: `${idPrefix}-${i}`,
      text: `${words.join(' ')} ${tags.map((tag) => `#${tag}`).join(' ')}`,
      hashtags: tags.map((tag) => tag.toLowerCase()),
      lang: 'en',
      author: { id: `creator-${Math.floor(random() * 1000)}`, handle: `${pick(WORDS)}_${pick(WORDS)}${i}`, name: `${pick(WORDS)} ${pick(WORDS)}`, followed: random() < 0.2 }
    }
    if (random() < 0.3) item.overlayText = `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}!`
    if (random() < 0.2) item.labels = [{ name: pick(['nudity', 'gore', 'racy', 'spam']), score: Math.round(random() * 100) / 100 }]
    return item
  })
}
