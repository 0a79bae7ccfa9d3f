import { Decider } from '../engine/decide.js'
import type { Decision } from '../engine/types.js'
import type { Policy } from '../policy/policy.js'
import type { Action, Category } from '../policy/vocabulary.js'
import { compileRules, type CompiledRules } from '../rules/compiled-rules.js'
import { defaultRules } from '../rules/schema.js'
import type { SampledItem } from './decision-store.js'

export interface MovedExample {
  itemId: string
  surface: SampledItem['surface']
  sensitivity: SampledItem['sensitivity']
  ageBand: SampledItem['ageBand']
  before: Action
  after: Action
  /** The categories whose outcome changed. */
  categories: Category[]
  scores: Partial<Record<Category, number>>
}

type Tally = Record<string, number>

export interface Simulation {
  sampled: number
  /** Decisions per action over the sample, under the live policy and under the candidate. */
  decisions: { before: Record<Action, number>; after: Record<Action, number> }
  moved: {
    total: number
    /** Items per category whose outcome for that category changed (an item can count in several). */
    byCategory: Tally
    bySurface: Tally
    byAgeBand: Tally
    /** `before→after` → items */
    transitions: Tally
  }
  examples: MovedExample[]
}

const emptyActions = (): Record<Action, number> => ({ allow: 0, blur: 0, hide: 0 })
const bump = (tally: Tally, key: string) => {
  tally[key] = (tally[key] ?? 0) + 1
}

/**
 * Takes every sampled item's decision again under the live policy and under a candidate, from its model
 * scores and its user's settings (sensitivity, age band, restricted mode, category choices), with the
 * pure decision engine, and counts what moves. Only what a policy decides is compared: keyword, creator
 * and learned rules, item statuses and hash banks do not depend on it and are not sampled.
 */
export function simulate(live: Policy, candidate: Policy, samples: readonly SampledItem[], maxExamples = 20): Simulation {
  const before = new Deciders(live)
  const after = new Deciders(candidate)
  const result: Simulation = {
    sampled: samples.length,
    decisions: { before: emptyActions(), after: emptyActions() },
    moved: { total: 0, byCategory: {}, bySurface: {}, byAgeBand: {}, transitions: {} },
    examples: []
  }
  for (const sample of samples) {
    const was = before.decide(sample)
    const now = after.decide(sample)
    result.decisions.before[was.action]++
    result.decisions.after[now.action]++
    const categories = changedCategories(was, now)
    if (was.action === now.action && categories.length === 0) continue
    const moved = result.moved
    moved.total++
    for (const category of categories) bump(moved.byCategory, category)
    bump(moved.bySurface, sample.surface)
    bump(moved.byAgeBand, sample.ageBand)
    bump(moved.transitions, `${was.action}→${now.action}`)
    if (result.examples.length < maxExamples) {
      const scores: Partial<Record<Category, number>> = {}
      for (const [category, scored] of Object.entries(sample.evidence)) scores[category as Category] = scored.score
      result.examples.push({
        itemId: sample.itemId,
        surface: sample.surface,
        sensitivity: sample.sensitivity,
        ageBand: sample.ageBand,
        before: was.action,
        after: now.action,
        categories,
        scores
      })
    }
  }
  return result
}

/** Categories whose own outcome (the action of their reason, or allow) differs between two decisions. */
function changedCategories(was: Decision, now: Decision): Category[] {
  const outcome = (decision: Decision) => {
    const byCategory = new Map<Category, Action>()
    for (const reason of decision.reasons) if (reason.type === 'category') byCategory.set(reason.category, reason.action)
    return byCategory
  }
  const a = outcome(was)
  const b = outcome(now)
  const categories = new Set([...a.keys(), ...b.keys()])
  return [...categories].filter((category) => (a.get(category) ?? 'allow') !== (b.get(category) ?? 'allow')).sort()
}

/** One policy's deciders, one per distinct user settings and surface met in the sample. */
class Deciders {
  readonly #policy: Policy
  readonly #rules = new Map<string, CompiledRules>()
  readonly #deciders = new Map<string, Decider>()

  constructor(policy: Policy) {
    this.#policy = policy
  }

  decide(sample: SampledItem): Decision {
    const settings = `${sample.sensitivity}|${sample.ageBand}|${sample.restrictedMode}|${JSON.stringify(sample.choices)}`
    const key = `${settings}|${sample.surface}`
    let decider = this.#deciders.get(key)
    if (!decider) {
      let rules = this.#rules.get(settings)
      if (!rules) {
        const { sensitivity, ageBand, restrictedMode, choices } = sample
        rules = compileRules({ ...defaultRules(), sensitivity, ageBand, restrictedMode, categories: choices })
        this.#rules.set(settings, rules)
      }
      // `now` only decides which rules have expired, and these rules have none.
      decider = new Decider(this.#policy, rules, { userId: '', surface: sample.surface, now: 0 })
      this.#deciders.set(key, decider)
    }
    return decider.decide({ id: sample.itemId }, sample.evidence, false)
  }
}
