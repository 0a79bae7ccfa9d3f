import t from 'tap'
import { matcherCheckingPaths } from './matcher-checking-paths.js'

// Every behaviour suite again, each match() checked against the cached, uncached and shared-analysis paths.
// Loading them in one subtest keeps the run open until all have registered their tests.
t.test('behaviour suites with every match path checked', async (t) => {
  for (const suite of ['words', 'hashtags', 'normalized', 'substring', 'matcher', 'joins', 'symbols']) {
    await t.mockImport(`./${suite}.test.js`, { '../../src/keywords/matcher.js': matcherCheckingPaths })
  }
})
