import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { AGE_BANDS, CATEGORIES, SENSITIVITIES, SURFACES, type AgeBand, type Category, type Sensitivity, type Surface } from './vocabulary.js'

const Score = z.number().min(0).max(1)

const Thresholds = z
  .object({ blurAt: Score.optional(), hideAt: Score.optional() })
  .strict()
  .refine((t) => t.blurAt === undefined || t.hideAt === undefined || t.blurAt <= t.hideAt, {
    message: 'blurAt must not be above hideAt'
  })

const CategoryPolicy = z
  .object({
    strict: Thresholds,
    standard: Thresholds,
    relaxed: Thresholds,
    /** Limits the entry to these surfaces; floors and the platform-wide threshold apply everywhere. */
    surfaces: z.array(z.enum(SURFACES)).min(1).optional()
  })
  .strict()

const Floor = z
  .object({
    /** The least strict sensitivity a user under this floor can have. */
    minSensitivity: z.enum(SENSITIVITIES).optional(),
    categories: z.partialRecord(z.enum(CATEGORIES), Thresholds).default({})
  })
  .strict()

export const PolicySchema = z
  .object({
    version: z.string().min(1).max(64),
    categories: z.partialRecord(z.enum(CATEGORIES), CategoryPolicy),
    /** Clearly violating content: hidden for everyone at or above these scores, whatever their settings. */
    platform: z.object({ hideAt: z.partialRecord(z.enum(CATEGORIES), Score) }).strict(),
    floors: z
      .object({
        minors: z.partialRecord(z.enum(AGE_BANDS.filter((b) => b !== 'adult') as ['under13', '13-15', '16-17']), Floor),
        restrictedMode: Floor
      })
      .strict(),
    /** Upstream label names mapped onto canonical categories; canonical names map to themselves. */
    labelAliases: z.record(z.string().min(1), z.enum(CATEGORIES))
  })
  .strict()

export type PolicyDocument = z.infer<typeof PolicySchema>
export type ThresholdPair = z.infer<typeof Thresholds>

export interface FloorRule {
  name: string
  minSensitivity?: Sensitivity
  categories: Partial<Record<Category, ThresholdPair>>
}

/** The policy in the shape the decision engine reads on every item. */
export interface Policy {
  version: string
  /** The validated document it was compiled from (the policy file's format). */
  document: PolicyDocument
  thresholds(category: Category, sensitivity: Sensitivity, surface: Surface): ThresholdPair | undefined
  platformHideAt: Partial<Record<Category, number>>
  /** The floors that bind a user with this age band and restricted-mode setting. */
  floorsFor(ageBand: AgeBand, restrictedMode: boolean): readonly FloorRule[]
  /** Canonical category for an upstream label name, or undefined for labels the policy does not know. */
  categoryForLabel(name: string): Category | undefined
}

export class PolicyError extends Error {
  constructor(file: string, problems: string[]) {
    super(`invalid policy ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'PolicyError'
  }
}

export function compilePolicy(doc: PolicyDocument): Policy {
  const aliases = new Map<string, Category>(CATEGORIES.map((c) => [c, c]))
  for (const [label, category] of Object.entries(doc.labelAliases)) aliases.set(label.toLowerCase(), category)
  const minorFloors = new Map<AgeBand, FloorRule>()
  for (const [band, floor] of Object.entries(doc.floors.minors)) {
    minorFloors.set(band as AgeBand, { name: `minor:${band}`, ...floor })
  }
  const restricted: FloorRule = { name: 'restricted_mode', ...doc.floors.restrictedMode }
  const floorsCache = new Map<string, FloorRule[]>()

  return {
    version: doc.version,
    document: doc,
    platformHideAt: doc.platform.hideAt,
    thresholds(category, sensitivity, surface) {
      const entry = doc.categories[category]
      if (!entry || (entry.surfaces && !entry.surfaces.includes(surface))) return undefined
      return entry[sensitivity]
    },
    floorsFor(ageBand, restrictedMode) {
      const key = `${ageBand}|${restrictedMode}`
      let floors = floorsCache.get(key)
      if (!floors) {
        floors = []
        const minor = minorFloors.get(ageBand)
        if (minor) floors.push(minor)
        if (restrictedMode) floors.push(restricted)
        floorsCache.set(key, floors)
      }
      return floors
    },
    categoryForLabel: (name) => aliases.get(name.toLowerCase())
  }
}

export interface PolicyProblem {
  /** Dotted path into the document; empty for the document itself. */
  path: string
  message: string
}

/**
 * Validates a policy document: the one check behind start-up and every candidate policy sent to the
 * API, so a candidate accepted here would also start the service.
 */
export function checkPolicy(raw: unknown): { document: PolicyDocument } | { problems: PolicyProblem[] } {
  const parsed = PolicySchema.safeParse(raw)
  if (parsed.success) return { document: parsed.data }
  return { problems: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) }
}

/** Reads and validates the policy file; a bad file fails start-up with every problem listed. */
export async function loadPolicy(file: string): Promise<Policy> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new PolicyError(file, [(err as Error).message])
  }
  const checked = checkPolicy(raw)
  if ('problems' in checked) {
    throw new PolicyError(
      file,
      checked.problems.map((problem) => `${problem.path || '(root)'}: ${problem.message}`)
    )
  }
  return compilePolicy(checked.document)
}
