import t from 'tap'
import { appendCollapsed, collapseRuns, keywordWordKey, textWordKeys } from '../../src/keywords/inflection.js'

t.test('a text word is looked up as written, squeezed and stemmed', async (t) => {
  t.same(textWordKeys('cat'), ['cat'])
  t.same(textWordKeys('cats'), ['cats', 'cat'])
  t.same(textWordKeys('boxes'), ['boxes', 'box', 'boxe'])
  t.same(textWordKeys('puppies'), ['puppies', 'puppy', 'puppie'])
  t.same(textWordKeys('kiss'), ['kiss'])
  t.same(textWordKeys('spoilerrrr'), ['spoilerrrr', 'spoiler', 'spoilerr'])
  t.same(textWordKeys('gooood'), ['gooood', 'god', 'good'])
  t.same(textWordKeys('cooolll'), ['cooolll', 'col', 'cooll', 'cool', 'coll'])
  t.same(textWordKeys('aaabbbcccddd'), ['aaabbbcccddd', 'abcd', 'aabbccdd'])
  t.same(textWordKeys('10000'), ['10000'])
})

t.test('a keyword word is kept as written, its own elongation squeezed to two', async (t) => {
  t.equal(keywordWordKey('spoilers'), 'spoilers')
  t.equal(keywordWordKey('brrrrr'), 'brr')
  t.equal(keywordWordKey('1000'), '1000')
})

t.test('collapsing cuts every run to one', async (t) => {
  t.equal(collapseRuns('spoiler'), 'spoiler')
  t.equal(collapseRuns('good'), 'god')
  t.equal(collapseRuns('baaalllooon'), 'balon')
  t.equal(collapseRuns(''), '')
})

t.test('collapsing a word part by part', async (t) => {
  t.equal(appendCollapsed('spo', 'oil'), 'spoil')
  t.equal(appendCollapsed('spo', 'ilerrr'), 'spoiler')
})
