import t from 'tap'
import { BankIndex } from '../../src/banks/bank-index.js'
import { MemoryBankStore } from '../../src/banks/memory-bank-store.js'
import { BankScreen } from '../../src/banks/bank-screen.js'
import type { FeedItem } from '../../src/engine/types.js'
import { hashImage, type ImageHash } from '../../src/image/image-hash.js'
import { ItemImageHasher } from '../../src/image/item-image-hasher.js'
import { hammingDistance, hashFromHex } from '../../src/pdq/pdq.js'
import { editedPicture, pictureAsPng, pictureHash, rotatedPicture } from '../helpers/pictures.js'

type Tap = import('tap').Test

const silent = { info: () => {}, warn: () => {} }

async function screenWith(t: Tap, options: { dihedral?: boolean; maxInputPixels?: number; seeds?: number[] } = {}) {
  const store = new MemoryBankStore()
  const index = new BankIndex({ store, maxDistance: 31, minQuality: 50, dihedral: options.dihedral ?? false, log: silent })
  t.teardown(() => index.close())
  await index.start()
  await store.createBank({ name: 'known', enabled: true, createdAt: 'now' })
  const seeds = options.seeds ?? [1]
  if (seeds.length > 0) {
    await store.addEntries(
      'known',
      seeds.map((seed) => ({ id: `e${seed}`, hash: pictureHash(seed), contentId: `c${seed}`, action: 'hide' as const, addedAt: 'now' }))
    )
  }
  const screen = new BankScreen({ index })
  const hasher = new ItemImageHasher({ variants: options.dihedral ?? false, maxInputPixels: options.maxInputPixels ?? 1_000_000, cacheSize: 2 })
  return { screen, index, store, hasher, match: (items: FeedItem[]) => matchData(screen, hasher, items) }
}

/** The scoring path without an image model: items' `image.data` hashed by the item image hasher, matched by the screen. */
async function matchData(screen: BankScreen, hasher: ItemImageHasher, items: FeedItem[]) {
  return screen.active ? screen.reasonsById(items, await hasher.hashes(items)) : undefined
}

const hashOf = (bytes: Promise<Buffer>): Promise<ImageHash> => bytes.then((b) => hashImage(b))

const data = async (image: Promise<Buffer>) => (await image).toString('base64')

t.test('a picture hashes to what the bank holds for it, with its 8 variants when dihedral matching is on', async (t) => {
  const plain = await hashOf(pictureAsPng(1))
  t.equal(hammingDistance(plain.hash, hashFromHex(pictureHash(1))), 0)
  t.ok(plain.quality >= 50)
  t.notOk('variants' in plain)
  const dihedral = await hashImage(await pictureAsPng(1), { variants: true })
  t.same(dihedral.hash, plain.hash)
  t.equal(dihedral.variants?.length, 8)
})

t.test('reasonsFor: per image, its hash reasons, without I/O', async (t) => {
  const { screen } = await screenWith(t)
  const image = await hashOf(editedPicture(1))
  const [first, second, third] = screen.reasonsFor([image, undefined, await hashOf(pictureAsPng(4))])
  t.match(first, [{ type: 'hash', action: 'hide', bank: 'known', entryId: 'e1', contentId: 'c1' }])
  t.ok(first![0]!.distance > 0 && first![0]!.distance <= 31, `distance ${first![0]!.distance}`)
  t.same(second, [])
  t.same(third, [])
})

t.test('reasonsById: the matching items\' reasons by id, nothing when none matches', async (t) => {
  const { screen } = await screenWith(t)
  const banked = await hashOf(pictureAsPng(1))
  const other = await hashOf(pictureAsPng(4))
  const matches = screen.reasonsById([{ id: 'a' }, { id: 'b' }, { id: 'c' }], [other, banked, undefined])
  t.same([...matches!.keys()], ['b'])
  t.match(matches!.get('b'), [{ type: 'hash', bank: 'known', distance: 0, entryId: 'e1' }])
  t.equal(screen.reasonsById([{ id: 'a' }], [other]), undefined)
  const empty = await screenWith(t, { seeds: [] })
  t.equal(empty.screen.reasonsById([{ id: 'b' }], [banked]), undefined)
})

t.test('screen hashes image.data items and answers the matches by item id', async (t) => {
  const { match } = await screenWith(t)
  const banked = await data(pictureAsPng(1))
  const edited = await data(editedPicture(1))
  const matches = await match([
    { id: 'same', image: { data: banked } },
    { id: 'edited', image: { data: edited } },
    { id: 'again', image: { data: banked } },
    { id: 'other', image: { data: await data(pictureAsPng(4)) } },
    { id: 'url', image: { url: 'https://cdn.example/x.jpg' } },
    { id: 'text', text: 'no image' },
    { id: 'broken', image: { data: Buffer.from('not an image').toString('base64') } }
  ])
  t.same([...matches!.keys()], ['same', 'edited', 'again'])
  t.match(matches!.get('same'), [{ bank: 'known', distance: 0, entryId: 'e1' }])
  t.equal(await match([{ id: 'other', image: { data: await data(pictureAsPng(4)) } }]), undefined, 'no match')
  const cachedAgain = await match([{ id: 'broken-again', image: { data: Buffer.from('not an image').toString('base64') } }])
  t.equal(cachedAgain, undefined, 'an undecodable image stays unmatched')
})

t.test('with nothing banked, images are not even decoded', async (t) => {
  const { screen, match } = await screenWith(t, { seeds: [] })
  t.notOk(screen.active)
  t.equal(await match([{ id: 'x', image: { data: await data(pictureAsPng(1)) } }]), undefined)
})

t.test('rotated copies match only with dihedral matching on', async (t) => {
  const rotated = await data(rotatedPicture(1))
  const off = await screenWith(t)
  t.equal(await off.match([{ id: 'r', image: { data: rotated } }]), undefined)
  const on = await screenWith(t, { dihedral: true })
  t.match((await on.match([{ id: 'r', image: { data: rotated } }]))?.get('r'), [{ bank: 'known', entryId: 'e1' }])
})

t.test('a hasher made without a cache size uses the default one', async (t) => {
  const { screen } = await screenWith(t)
  const hasher = new ItemImageHasher({ variants: false, maxInputPixels: 1_000_000 })
  t.ok(await matchData(screen, hasher, [{ id: 'v', image: { data: await data(pictureAsPng(1)) } }]))
})

t.test('images over the pixel limit are not hashed', async (t) => {
  const { match } = await screenWith(t, { maxInputPixels: 1000 })
  t.equal(await match([{ id: 'big', image: { data: await data(pictureAsPng(1)) } }]), undefined)
})
