import t from 'tap'
import { cell, columns, parseCsv, parseTsv } from '../../../scripts/train-text/csv.js'

t.test('parseCsv handles quotes, doubled quotes, commas and line breaks inside fields', async (t) => {
  const text = 'id,text,label\r\n1,"a, b",0\n2,"say ""hi""\nnext line",1\n3,plain,\n\n4,"",1'
  t.same(parseCsv(text), [
    ['id', 'text', 'label'],
    ['1', 'a, b', '0'],
    ['2', 'say "hi"\nnext line', '1'],
    ['3', 'plain', ''],
    ['4', '', '1']
  ])
  t.same(parseCsv('a,b\n'), [['a', 'b']], 'a final newline adds no row')
  t.same(parseCsv('a\rb'), [['a'], ['b']], 'a lone CR ends a record')
  t.same(parseCsv(''), [])
})

t.test('parseCsv takes another delimiter and can keep a lone CR as text', async (t) => {
  t.same(parseCsv('id;text;vio\n1;"a; b\nc";nothing\n2;x\ry;call2violence\r\n', { delimiter: ';', bareCarriageReturn: 'text' }), [
    ['id', 'text', 'vio'],
    ['1', 'a; b\nc', 'nothing'],
    ['2', 'x\ry', 'call2violence']
  ])
})

t.test('parseTsv splits lines on tabs and keeps quotes as text', async (t) => {
  t.same(parseTsv('a\t"b\tc\r\n\nd\te"\n'), [
    ['a', '"b', 'c'],
    ['d', 'e"']
  ])
})

t.test('cell reads a field or an empty string past the end of a short row', async (t) => {
  t.equal(cell(['a', 'b'], 1), 'b')
  t.equal(cell(['a'], 3), '')
})

t.test('columns finds named columns or says which is missing', async (t) => {
  t.same(columns(['x', 'y', 'z'], ['z', 'x'], 'f.csv'), { z: 2, x: 0 })
  t.throws(() => columns(['x'], ['y'], 'f.csv'), /f\.csv: missing column "y"/)
  t.throws(() => columns(undefined, ['y'], 'empty.csv'), /empty\.csv/)
})
