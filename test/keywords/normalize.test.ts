import t from 'tap'
import { DIGIT, EMOJI, HASH, JOINER, LETTER, NO_SPACE, OTHER, SPACE, foldText, normalizeText, readText } from '../../src/keywords/normalize.js'

t.test('foldText folds case, compatibility forms, accents, homoglyphs and leetspeak', async (t) => {
  t.equal(foldText('Café CRÈME'), 'cafe creme')
  t.equal(foldText('Straße ﬁne ｓｐｏｉｌｅｒ 𝐛𝐨𝐥𝐝'), 'strasse fine spoiler bold')
  t.equal(foldText('ѕрoiler'), 'spoiler')
  t.equal(foldText('c@t sp0iler sh!t 5P01L3R a$$'), 'cat spoiler shit spoiler ass')
  t.equal(foldText('wow! really!!! 2024 $5'), 'wow! really!!! 2024 $5')
})

t.test('foldText squeezes letters repeated three times or more to two', async (t) => {
  t.equal(foldText('soooo goooood'), 'soo good')
  t.equal(foldText('good cool'), 'good cool')
  t.equal(foldText('SPOILERRRRR'), 'spoilerr')
  t.equal(foldText('1000000 ....'), '1000000 ....')
})

t.test('foldText keeps marks that change letters in other scripts', async (t) => {
  t.equal(foldText('ｶﾞｯｺｳ が 한국'), 'ガッコウ が 한국')
  t.equal(foldText('\u1112\u1161\u11ab'), '한')
})

t.test('foldText drops invisible characters, variation selectors and skin tones', async (t) => {
  t.equal(foldText('spo\u200biler ❤️ 👍🏽'), 'spoiler ❤ 👍')
})

t.test('normalised units keep the offsets of the characters they come from', async (t) => {
  const text = normalizeText('Aﬃ é😀ß')
  t.equal(text.text, 'affi e😀ss')
  t.same(Array.from(text.sourceStart), [0, 1, 1, 1, 2, 3, 4, 4, 6, 6])
  t.same(Array.from(text.sourceEnd), [1, 2, 2, 2, 3, 4, 6, 6, 7, 7])
  t.same(Array.from(text.upper), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  t.same(Array.from(text.classes), [LETTER, LETTER, LETTER, LETTER, SPACE, LETTER, EMOJI, EMOJI, LETTER, LETTER])
})

t.test('characters are classified for the tokeniser', async (t) => {
  const text = normalizeText("a1 #-,東'$")
  t.same(Array.from(text.classes), [LETTER, DIGIT, SPACE, HASH, JOINER, OTHER, NO_SPACE, 5, 4])
})

t.test('a text that grows a lot under NFKC', async (t) => {
  const text = normalizeText('\ufdfa'.repeat(10))
  t.equal(text.length, 180)
  t.equal(text.sourceEnd[179], 10)
})

t.test('the plain reading differs only when leetspeak was folded', async (t) => {
  const text = normalizeText('c@t 2024')
  const folded = readText(text, true)
  const plain = readText(text, false)
  t.equal(folded.text, 'cat 2024')
  t.ok(folded.changed)
  t.equal(plain.text, 'c@t 2024')
  t.notOk(plain.changed)
  t.equal(plain.classes[1], OTHER)
  t.notOk(readText(normalizeText('cat 2024 wow!'), true).changed)
})

t.test('fold caches stay bounded', async (t) => {
  // more distinct characters (and clusters) than the caches hold
  let distinct = ''
  for (let codePoint = 0x20000; codePoint < 0x20000 + 50_100; codePoint++) distinct += String.fromCodePoint(codePoint) + '\u0301'
  const text = normalizeText(distinct)
  t.equal(text.length, 50_100 * 3)
  t.equal(foldText('\u{20000}\u0301'), '\u{20000}\u0301')
})

t.test('plain text after a character that expands a lot', async (t) => {
  const text = normalizeText('\ufdfa' + 'a'.repeat(20))
  t.equal(text.length, 38)
  t.equal(text.text, normalizeText('\ufdfa').text + 'a'.repeat(20))
  t.equal(text.sourceStart[37], 20)
})

t.test('leetspeak next to letters beyond ASCII', async (t) => {
  t.equal(readText(normalizeText('ж3ж caf3'), true).text, 'жeж cafe')
  t.equal(foldText('ÜB3R'), 'uber')
})

t.test('foldText on long texts', async (t) => {
  t.equal(foldText('Sooooo '.repeat(100)), 'soo '.repeat(100))
})

t.test('an ASCII character folds to its lower case, one unit', async (t) => {
  const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code))
  t.same(
    ascii.map((character) => normalizeText(character).text),
    ascii.map((character) => character.toLowerCase())
  )
  t.ok(ascii.every((character) => normalizeText(character).length === 1))
})
