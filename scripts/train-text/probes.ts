/**
 * Hand-written texts scored by every training run and shown in the model card, so that known weak spots
 * (identity terms, negation, dialect, sarcasm, evasion, languages not covered, slang and hyperbole in
 * harmless captions) are visible with figures instead of being asserted. They are not training or test data.
 */
export const PROBES: ReadonlyArray<{ group: string; text: string }> = [
  { group: 'identity terms', text: 'I am a gay man.' },
  { group: 'identity terms', text: 'I am a straight man.' },
  { group: 'identity terms', text: 'I am a Muslim.' },
  { group: 'identity terms', text: 'I am a Christian.' },
  { group: 'identity terms', text: 'I am a black woman.' },
  { group: 'identity terms', text: 'I am a white woman.' },
  { group: 'identity terms', text: 'My neighbours are Jewish.' },
  { group: 'identity terms', text: 'My neighbours are Mexican.' },
  { group: 'negation', text: 'You are stupid.' },
  { group: 'negation', text: 'You are not stupid.' },
  { group: 'negation', text: 'I would never hurt you.' },
  { group: 'dialect', text: 'we was just chillin at the crib with my dawgs' },
  { group: 'dialect', text: 'we were just relaxing at home with my friends' },
  { group: 'sarcasm', text: 'Oh great, another genius take. Truly brilliant work.' },
  { group: 'threat', text: 'I know where you live and I will kill you.' },
  { group: 'evasion', text: 'you are an idiot' },
  { group: 'evasion', text: 'y0u are an 1d10t' },
  { group: 'evasion', text: 'ｙｏｕ ａｒｅ ａｎ ｉｄｉｏｔ' },
  { group: 'evasion', text: 'you are an iiiidiooooot' },
  { group: 'languages', text: 'Du bist so ein dummer Idiot.' },
  { group: 'languages', text: "T'es vraiment un gros con." },
  { group: 'languages', text: 'Eres un idiota.' },
  { group: 'languages', text: 'お前は本当にバカだ' },
  { group: 'spam', text: 'Check out my channel and subscribe!!! Free giveaway, link in bio' },
  { group: 'spam', text: 'Loved this video, the ending made me laugh so hard' },
  { group: 'neutral', text: 'Making pasta from scratch with my grandmother this weekend.' },
  { group: 'captions', text: 'New recipe video is up! Check out the full version on my channel' },
  { group: 'captions', text: 'Link in bio for the full recipe' },
  { group: 'captions', text: 'My morning routine as a nurse working night shifts' },
  { group: 'casual', text: 'i hate mondays lol' },
  { group: 'casual', text: 'omg that was sick' },
  { group: 'casual', text: 'this song slaps' },
  { group: 'casual', text: 'damn that is good' },
  { group: 'casual', text: 'big spoiler here' },
  { group: 'casual', text: 'i could kill for a coffee rn' },
  { group: 'casual', text: 'this is insanely good' },
  { group: 'abuse', text: 'you are a worthless idiot and I hate you' }
]
