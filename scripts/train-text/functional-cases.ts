/**
 * A functional suite for the text model as feedguard uses it: short cases generated from templates, one set per
 * phenomenon, each labelled with what the policy should do with it at `standard` sensitivity for an adult with
 * default settings — allow it, act on it (blur or hide), or which categories should (not) fire. Cases are run
 * through the real model and the real policy (the decision engine), and each phenomenon's pass rate is checked
 * against a floor (test/text/functional.test.ts) and shown in the model card, so that a later model cannot get
 * worse at one silently. Not training data, and not to be tuned on.
 */
import type { Classifier } from '../../src/classifiers/types.js'
import { Decider } from '../../src/engine/decide.js'
import type { CategoryReason } from '../../src/engine/types.js'
import type { Policy } from '../../src/policy/policy.js'
import type { Category } from '../../src/policy/vocabulary.js'
import { compileRules } from '../../src/rules/compiled-rules.js'
import { defaultRules } from '../../src/rules/schema.js'

/** What the policy should do with a case: `act` is blur or hide. */
export interface Expectation {
  action?: 'allow' | 'act'
  fires?: readonly Category[]
  notFires?: readonly Category[]
}

export interface FunctionalCase {
  phenomenon: Phenomenon
  text: string
  expect: Expectation
}

export const PHENOMENA = [
  'negation',
  'counter-speech',
  'identity: neutral mention',
  'identity: positive mention',
  'identity: attack',
  'abuse at non-protected targets',
  'profanity abusing no one',
  'idioms that are not threats',
  'real threats',
  'spelling variants',
  'leetspeak',
  'emoji'
] as const

export type Phenomenon = (typeof PHENOMENA)[number]

/** What each phenomenon means, for the card. */
export const PHENOMENON_NOTES: Record<Phenomenon, string> = {
  negation: 'a negated insult or hate statement: allowed',
  'counter-speech': 'quoting or condemning abuse: allowed',
  'identity: neutral mention': 'a group named without judgement: allowed, `hate` does not fire',
  'identity: positive mention': 'a group praised: allowed',
  'identity: attack': 'dehumanising or hateful statements about a protected group: `hate` fires',
  'abuse at non-protected targets': 'insulting a person, a referee, a team: acted on, `hate` does not fire',
  'profanity abusing no one': 'swearing as emphasis: `toxicity`, `insult`, `threat` and `hate` do not fire (`profanity` may)',
  'idioms that are not threats': 'violent words in harmless idioms: allowed',
  'real threats': 'a threat of violence against the reader or a person: `threat` fires',
  'spelling variants': 'insults misspelled or elongated: acted on',
  leetspeak: 'insults written with digits and symbols: acted on',
  emoji: 'abuse with or through emoji is acted on; emoji-heavy harmless captions are allowed'
}

const GROUPS = ['Muslims', 'Jews', 'Christians', 'gay people', 'trans people', 'Black people', 'immigrants', 'women', 'Mexicans', 'disabled people']
const MEMBERS = ['a Muslim', 'Jewish', 'a Christian', 'gay', 'trans', 'a Black woman', 'an immigrant', 'a woman', 'Mexican', 'disabled']
const INSULTS = ['idiot', 'moron', 'loser', 'clown', 'imbecile']
const ADJECTIVES = ['stupid', 'pathetic', 'worthless', 'brainless', 'useless']
const TARGETS = ['you', 'this referee', 'my boss', 'that streamer', 'the guy in the comments']
const TARGET_NOUNS = ['this referee', 'my boss', 'that streamer', 'the coach', 'our landlord']

/** The word with its indefinite article. */
const an = (word: string) => `${/^[aeio]/.test(word) ? 'an' : 'a'} ${word}`
const each = <T>(values: readonly T[], make: (value: T, index: number) => string) => values.map(make)

function cases(phenomenon: Phenomenon, expect: Expectation, texts: readonly string[]): FunctionalCase[] {
  return texts.map((text) => ({ phenomenon, text, expect }))
}

/** The suite: deterministic, generated from the templates above. */
export function functionalCases(): FunctionalCase[] {
  const allowed: Expectation = { action: 'allow' }
  const acted: Expectation = { action: 'act' }
  return [
    ...cases('negation', allowed, [
      ...each(GROUPS.slice(0, 5), (g) => `I don't hate ${g}.`),
      ...each(INSULTS, (w) => `You are not ${an(w)} at all.`),
      ...each(ADJECTIVES, (a) => `Nobody thinks you are ${a}.`),
      ...each(INSULTS, (w) => `I would never call anyone ${an(w)}.`)
    ]),
    ...cases('counter-speech', allowed, [
      ...each(GROUPS.slice(0, 5), (g) => `Saying "${g} are animals" is disgusting.`),
      ...each(INSULTS, (w) => `Calling someone ${an(w)} for their accent is not okay.`),
      ...each(GROUPS.slice(5), (g) => `Stop spreading hate about ${g}, it hurts real people.`),
      ...each(ADJECTIVES, (a) => `He called her ${a} and got banned, good.`)
    ]),
    ...cases('identity: neutral mention', { action: 'allow', notFires: ['hate'] }, [
      ...each(MEMBERS, (m) => `I am ${m}.`),
      ...each(GROUPS, (g) => `My neighbours are ${g}.`),
      ...each(GROUPS.slice(0, 5), (g) => `A documentary about ${g} in Europe.`)
    ]),
    ...cases('identity: positive mention', allowed, [
      ...each(GROUPS, (g) => `${g} are wonderful people.`),
      ...each(MEMBERS, (m) => `Proud to be ${m}!`)
    ]),
    ...cases('identity: attack', { fires: ['hate'] }, [
      ...each(GROUPS, (g) => `${g} are vermin and should be wiped out.`),
      ...each(GROUPS, (g) => `I hate all ${g}, they are a disease.`)
    ]),
    ...cases('abuse at non-protected targets', { action: 'act', notFires: ['hate'] }, [
      ...each(INSULTS, (w) => `You are a complete ${w}.`),
      ...each(TARGET_NOUNS, (t, i) => `${t[0]!.toUpperCase()}${t.slice(1)} is ${an(ADJECTIVES[i]!)} ${INSULTS[i]}.`),
      ...each(ADJECTIVES, (a) => `Shut up, you ${a} ${INSULTS[0]}.`)
    ]),
    ...cases('profanity abusing no one', { notFires: ['toxicity', 'insult', 'threat', 'hate'] }, [
      'this is fucking amazing',
      'holy shit that was good',
      'damn this pasta slaps',
      'fuck yeah we won the game',
      'this song is so fucking good',
      'shit, I forgot my keys again lol',
      'best damn sunset ever',
      'hell yeah, road trip time',
      'that was a bloody brilliant goal',
      'oh crap I burned the cookies'
    ]),
    ...cases('idioms that are not threats', { action: 'allow', notFires: ['threat'] }, [
      "I'll kill it at the gym tonight",
      'this song is killer',
      'I could murder a pizza right now',
      "you're killing me, this is hilarious",
      'she slayed that performance',
      'break a leg at your audition!',
      'I am dying of laughing',
      'that joke killed me',
      'we are going to destroy this workout',
      'my feet are killing me after that hike'
    ]),
    ...cases('real threats', { fires: ['threat'] }, [
      ...each(TARGETS, (t) => `I will kill ${t}.`),
      ...each(TARGETS, (t) => `I know where ${t === 'you' ? 'you live' : `${t} lives`} and I am going to hurt ${t === 'you' ? 'you' : 'them'}.`),
      ...each(['stab', 'shoot', 'beat'], (v) => `I am going to ${v} you tomorrow.`)
    ]),
    ...cases('spelling variants', acted, [
      'you are an idiiiiot',
      'you are such a stooopid moron',
      'u r an idot',
      'you are a looser and a moran',
      'shut up you imbicile',
      'you are soooo stupid',
      'ur a complete idjit',
      'what a pathetik loser'
    ]),
    ...cases('leetspeak', acted, ['y0u are an 1d10t', 'you are a l0s3r', 'you are $tup!d', 'sh*t up you m0r0n', 'what a p4th3t1c cl0wn', 'you are 5tupid', 'y0u w0rthl3ss 1d10t']),
    ...cases('emoji', acted, ['you are an idiot 🤡🤡🤡', '🖕 you stupid loser', 'what a moron 🤡', 'shut up idiot 😡🖕']),
    ...cases('emoji', allowed, ['this pasta 🔥🔥🔥', 'best day ever 😍😍', 'sunset at the beach 🌅✨', 'my cat 🐱 being silly 😂'])
  ]
}

/** What the policy did with a case. */
export interface FunctionalOutcome {
  action: 'allow' | 'blur' | 'hide'
  /** Categories with a reason (that fired). */
  fired: Category[]
}

export function passes(expect: Expectation, outcome: FunctionalOutcome): boolean {
  if (expect.action === 'allow' && outcome.action !== 'allow') return false
  if (expect.action === 'act' && outcome.action === 'allow') return false
  if (expect.fires?.some((c) => !outcome.fired.includes(c))) return false
  return !expect.notFires?.some((c) => outcome.fired.includes(c))
}

export interface PhenomenonResult {
  phenomenon: Phenomenon
  passed: number
  total: number
  rate: number
  /** The cases that failed, for reading. */
  failures: Array<{ text: string; outcome: FunctionalOutcome }>
}

/**
 * Runs the suite: every case scored by `classifier` in one batch and decided by the engine with `policy`, for an
 * adult with default settings at standard sensitivity on the For You feed. Per phenomenon, in PHENOMENA order.
 */
export async function runFunctionalSuite(classifier: Pick<Classifier, 'classify'>, policy: Policy, all = functionalCases()): Promise<PhenomenonResult[]> {
  const evidence = await classifier.classify(all.map((c, i) => ({ id: String(i), text: c.text })))
  const decider = new Decider(policy, compileRules(defaultRules()), { userId: 'functional', surface: 'for_you', now: 0 })
  const results = new Map<Phenomenon, PhenomenonResult>(PHENOMENA.map((phenomenon) => [phenomenon, { phenomenon, passed: 0, total: 0, rate: 0, failures: [] }]))
  all.forEach((c, i) => {
    const decision = decider.decide({ id: String(i), text: c.text }, evidence[i]!, true)
    const fired = decision.reasons.filter((r): r is CategoryReason => r.type === 'category').map((r) => r.category)
    const outcome: FunctionalOutcome = { action: decision.action, fired }
    const result = results.get(c.phenomenon)!
    result.total++
    if (passes(c.expect, outcome)) result.passed++
    else result.failures.push({ text: c.text, outcome })
  })
  return [...results.values()].map((r) => ({ ...r, rate: r.total === 0 ? 0 : r.passed / r.total }))
}

/**
 * The least pass rate each phenomenon must keep: just below what the shipped model reached when it was set (a
 * floor only ever goes up, with a model that does better). Today's policy gives `threat` and `hate` no threshold,
 * so the cases that expect them to fire fail: their floors say so.
 */
export const FUNCTIONAL_FLOORS: Record<Phenomenon, number> = {
  negation: 0.8,
  'counter-speech': 0.8,
  'identity: neutral mention': 0.95,
  'identity: positive mention': 0.95,
  'identity: attack': 0,
  'abuse at non-protected targets': 0.55,
  'profanity abusing no one': 0.35,
  'idioms that are not threats': 0.95,
  'real threats': 0,
  'spelling variants': 0.45,
  leetspeak: 0.8,
  emoji: 0.95
}

/** The results as a Markdown table, for the model card. */
export function functionalTable(results: readonly PhenomenonResult[]): string {
  const rows = results.map(
    (r) => `| ${r.phenomenon} | ${PHENOMENON_NOTES[r.phenomenon]} | ${r.passed}/${r.total} | ${(r.rate * 100).toFixed(0)} % | ${(FUNCTIONAL_FLOORS[r.phenomenon] * 100).toFixed(0)} % |`
  )
  return ['| Phenomenon | Expected at standard sensitivity | Passed | Rate | Floor |', '|---|---|---|---|---|', ...rows].join('\n')
}
