/**
 * English function words: pronouns, determiners, conjunctions, prepositions, auxiliaries and the like, of two
 * letters or more. A slash between two of them lists alternatives (`and/or`, `his/her`, `on/off`, `yes/no`)
 * rather than spelling one word, so they are not read joined (tokens.ts): muting `Andor` must not hide
 * "fruits and/or vegetables". A closed class, short and stable, written out here: the stop-word lists that
 * search libraries ship mix in content words (make, take, way) that do build words across a slash.
 * Single letters are never function words here: they are the fragments of abbreviations (`I/O`, `w/o`, `A/B`).
 */
const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  [
    // pronouns
    'he she it we you they me him her us them my your his its our their mine yours hers ours theirs',
    'myself yourself himself herself itself ourselves themselves who whom whose which what this that these those',
    // determiners and quantifiers
    'an the some any all each every no none both either neither few many much more most other another such',
    // conjunctions
    'and or but nor yet so if then than because though although while when where whether unless until since as how why',
    // prepositions and particles
    'about above across after against along among around at before behind below beneath beside besides between beyond',
    'by down during except for from in inside into near of off on onto out outside over past per through to toward',
    'towards under up upon via with within without',
    // auxiliaries
    'am is are was were be been being do does did have has had can could will would shall should may might must',
    // adverbs and answers
    'not yes here there now also too very just only'
  ]
    .join(' ')
    .split(' ')
)

/** The longest word in the list: longer words are not looked up. */
const LONGEST = Math.max(...[...FUNCTION_WORDS].map((word) => word.length))

/** Whether text[start, end) (normalised: lower case) is a function word. */
export function isFunctionWord(text: string, start: number, end: number): boolean {
  const length = end - start
  return length >= 2 && length <= LONGEST && FUNCTION_WORDS.has(text.slice(start, end))
}
