/**
 * Copies the text model's derived thresholds (models/text/thresholds.json, written by
 * `npm run train:text` from precision targets on validation data) into the policy's categories,
 * keeping everything else in the policy as it is, and names the new policy version.
 *
 *   npm run policy:text -- --version 2026-11-27.2
 */
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { PolicySchema } from '../src/policy/policy.js'

const { values } = parseArgs({ options: { version: { type: 'string' }, policy: { type: 'string', default: 'models/policy.json' } } })
if (!values.version) {
  console.error('usage: npm run policy:text -- --version <new policy version>')
  process.exit(2)
}
const policy = PolicySchema.parse(JSON.parse(await readFile(values.policy!, 'utf8')))
const derived = JSON.parse(await readFile('models/text/thresholds.json', 'utf8')) as {
  model: string
  categories: Record<string, { strict: object; standard: object; relaxed: object }>
}
for (const [category, levels] of Object.entries(derived.categories)) {
  const current = policy.categories[category as keyof typeof policy.categories]
  policy.categories[category as keyof typeof policy.categories] = {
    ...levels,
    ...(current?.surfaces ? { surfaces: current.surfaces } : {})
  } as never
}
policy.version = values.version
const checked = PolicySchema.parse(policy)
await writeFile(values.policy!, `${JSON.stringify(checked, null, 2)}\n`)
console.log(`policy ${checked.version}: text thresholds from ${derived.model} applied to ${Object.keys(derived.categories).join(', ')}`)
