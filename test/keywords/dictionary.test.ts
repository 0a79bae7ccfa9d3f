import t from 'tap'
import { FNV_OFFSET_BASIS, KeyDictionary, hashOfString, hashStep } from '../../src/keywords/dictionary.js'

const unitsOf = (text: string): Uint16Array => Uint16Array.from(text, (character) => character.charCodeAt(0))
const hashOfUnits = (dictionary: KeyDictionary, units: Uint16Array, end = units.length): number =>
  units.subarray(0, end).reduce(hashStep, dictionary.hashStart)

t.test('a key has one id, found from its string or its units', async (t) => {
  const dictionary = new KeyDictionary()
  const cat = dictionary.idOf('cat')
  t.equal(dictionary.idOf('cat'), cat)
  t.not(dictionary.idOf('dog'), cat)
  const units = unitsOf('cats')
  t.equal(dictionary.idOfUnits(hashOfUnits(dictionary, units, 3), units, 0, 3), cat)
  t.equal(dictionary.idOfUnits(hashOfUnits(dictionary, units), units, 0, 4), dictionary.idOf('cats'))
  const puppy = dictionary.idOf('puppy')
  const puppies = unitsOf('puppies')
  t.equal(dictionary.idOfUnits(hashStep(hashOfUnits(dictionary, puppies, 4), 0x79), puppies, 0, 4, 0x79), puppy)
  t.equal(dictionary.size, 4)
})

t.test('keys whose hashes collide keep their own ids', async (t) => {
  // these two share a hash from FNV's own start
  t.equal(hashOfString('glbvs', FNV_OFFSET_BASIS), hashOfString('yacxa', FNV_OFFSET_BASIS))
  const dictionary = new KeyDictionary(100, FNV_OFFSET_BASIS)
  const first = dictionary.idOf('glbvs')
  const second = dictionary.idOf('yacxa')
  t.not(first, second)
  t.equal(dictionary.idOf('glbvs'), first)
  t.equal(dictionary.idOf('yacxa'), second)
  const units = unitsOf('yacxa')
  t.equal(dictionary.idOfUnits(hashOfUnits(dictionary, units), units, 0, 5), second)
})

t.test('hashes start where the dictionary says, random unless given', async (t) => {
  t.not(new KeyDictionary().hashStart, new KeyDictionary().hashStart)
  t.not(hashOfString('glbvs', FNV_OFFSET_BASIS + 1), hashOfString('yacxa', FNV_OFFSET_BASIS + 1), 'a collision under one start is none under another')
})

t.test('the dictionary grows and keeps its ids', async (t) => {
  const dictionary = new KeyDictionary()
  const ids = Array.from({ length: 20_000 }, (_, index) => dictionary.idOf(`key${index}`))
  t.same(ids, Array.from({ length: 20_000 }, (_, index) => index))
  t.ok(ids.every((id, index) => dictionary.idOf(`key${index}`) === id))
})

t.test('a full dictionary starts afresh before the next analysis, in a new generation', async (t) => {
  const dictionary = new KeyDictionary(3)
  const generation = dictionary.startAnalysis()
  for (const key of ['a', 'b']) dictionary.idOf(key)
  t.equal(dictionary.startAnalysis(), generation, 'not full yet')
  dictionary.idOf('c')
  t.equal(dictionary.startAnalysis(), generation + 1)
  t.equal(dictionary.size, 0)
  t.equal(dictionary.idOf('c'), 0)
  dictionary.configure(100)
  t.equal(dictionary.generation, generation + 2)
  t.equal(dictionary.size, 0)
})
