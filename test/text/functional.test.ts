import t from 'tap'
import { loadPolicy } from '../../src/policy/policy.js'
import { TextClassifier } from '../../src/text/text-classifier.js'
import {
  FUNCTIONAL_FLOORS,
  PHENOMENA,
  functionalCases,
  functionalTable,
  passes,
  runFunctionalSuite
} from '../../scripts/train-text/functional-cases.js'
import { textModelPath } from '../helpers/text-model.js'

const classifier = await TextClassifier.create({ model: textModelPath })
t.teardown(() => classifier.release())

t.test('every phenomenon has cases, each text once', async (t) => {
  const all = functionalCases()
  for (const phenomenon of PHENOMENA) t.ok(all.filter((c) => c.phenomenon === phenomenon).length >= 7, phenomenon)
  t.equal(new Set(all.map((c) => c.text)).size, all.length)
  t.same(functionalCases(), all, 'deterministic')
})

t.test('what passes', async (t) => {
  t.ok(passes({ action: 'allow' }, { action: 'allow', fired: [] }))
  t.notOk(passes({ action: 'allow' }, { action: 'blur', fired: ['toxicity'] }))
  t.ok(passes({ action: 'act' }, { action: 'hide', fired: ['toxicity'] }))
  t.notOk(passes({ action: 'act' }, { action: 'allow', fired: [] }))
  t.ok(passes({ fires: ['threat'] }, { action: 'hide', fired: ['toxicity', 'threat'] }))
  t.notOk(passes({ fires: ['threat'] }, { action: 'hide', fired: ['toxicity'] }))
  t.notOk(passes({ action: 'act', notFires: ['hate'] }, { action: 'hide', fired: ['hate'] }))
  t.ok(passes({ notFires: ['hate'] }, { action: 'blur', fired: ['profanity'] }))
})

t.test('the shipped model and policy keep every phenomenon at or above its floor', async (t) => {
  const results = await runFunctionalSuite(classifier, await loadPolicy('models/policy.json'))
  t.same(
    results.map((r) => r.phenomenon),
    [...PHENOMENA]
  )
  t.comment(`\n${functionalTable(results)}`)
  for (const r of results) {
    t.equal(r.passed + r.failures.length, r.total)
    t.ok(r.rate >= FUNCTIONAL_FLOORS[r.phenomenon], `${r.phenomenon}: ${r.passed}/${r.total} (floor ${FUNCTIONAL_FLOORS[r.phenomenon]})`)
    for (const f of r.failures) t.comment(`  fails ${r.phenomenon}: ${JSON.stringify(f.text)} -> ${f.outcome.action} [${f.outcome.fired.join(', ')}]`)
  }
  t.match(functionalTable(results), /\| negation \| .* \| \d+\/\d+ \| \d+ % \| \d+ % \|/)
  t.same(await runFunctionalSuite(classifier, await loadPolicy('models/policy.json'), []), PHENOMENA.map((phenomenon) => ({ phenomenon, passed: 0, total: 0, rate: 0, failures: [] })))
})
