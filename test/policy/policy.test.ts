import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadPolicy, PolicyError } from '../../src/policy/policy.js'

const shipped = 'models/policy.json'

t.test('the shipped policy is valid', async (t) => {
  const policy = await loadPolicy(shipped)
  t.match(policy.version, /\S/)
  t.same(policy.thresholds('sexual', 'standard', 'for_you'), { blurAt: 0.7, hideAt: 0.9 })
  t.equal(policy.categoryForLabel('nudity'), 'sexual')
  t.equal(policy.categoryForLabel('Gore'), 'violence', 'label names are case-insensitive')
  t.equal(policy.categoryForLabel('violence'), 'violence', 'canonical names map to themselves')
  t.equal(policy.categoryForLabel('cute_cats'), undefined, 'unknown labels are ignored')
})

t.test('surface-limited entries only apply on their surfaces', async (t) => {
  const policy = await loadPolicy(shipped)
  t.ok(policy.thresholds('spam', 'standard', 'comments'))
  t.equal(policy.thresholds('spam', 'standard', 'for_you'), undefined)
})

t.test('floors by age band and restricted mode', async (t) => {
  const policy = await loadPolicy(shipped)
  t.same(policy.floorsFor('adult', false), [])
  t.same(policy.floorsFor('13-15', false).map((f) => f.name), ['minor:13-15'])
  t.same(policy.floorsFor('16-17', true).map((f) => f.name), ['minor:16-17', 'restricted_mode'])
  t.equal(policy.floorsFor('16-17', true), policy.floorsFor('16-17', true), 'computed once')
})

async function policyFile(content: string) {
  const dir = await mkdtemp(join(tmpdir(), 'fg-policy-'))
  const file = join(dir, 'policy.json')
  await writeFile(file, content)
  return file
}

t.test('an invalid policy fails with every problem listed', async (t) => {
  const file = await policyFile(
    JSON.stringify({
      version: '',
      categories: { sexual: { strict: { blurAt: 0.9, hideAt: 0.5 }, standard: {}, relaxed: {} }, nonsense: {} },
      platform: { hideAt: {} },
      floors: { minors: {}, restrictedMode: {} },
      labelAliases: { nudity: 'nakedness' }
    })
  )
  const err = await loadPolicy(file).catch((e: unknown) => e)
  t.ok(err instanceof PolicyError)
  const message = (err as Error).message
  t.match(message, 'version')
  t.match(message, 'blurAt must not be above hideAt')
  t.match(message, 'labelAliases.nudity')
})

t.test('unreadable or non-JSON policy files fail clearly', async (t) => {
  await t.rejects(loadPolicy('/nonexistent/policy.json'), PolicyError)
  await t.rejects(loadPolicy(await policyFile('{ not json')), /invalid policy/)
  await t.rejects(loadPolicy(await policyFile('[]')), /\(root\)/)
})
