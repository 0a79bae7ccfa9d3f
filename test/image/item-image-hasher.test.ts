import t from 'tap'
import { hashImage } from '../../src/image/image-hash.js'
import { ItemImageHasher } from '../../src/image/item-image-hasher.js'
import { hashToHex } from '../../src/pdq/pdq.js'
import { noise } from '../helpers/images.js'

t.test('hashes items’ image.data once per image; nothing for URL images, no image or bytes that are not one', async (t) => {
  const hasher = new ItemImageHasher({ maxInputPixels: 1_000_000, variants: false })
  const png = await noise(60, 40, 1).png().toBuffer()
  const data = png.toString('base64')
  const [first, second, url, none, garbage, notBase64] = await hasher.hashes([
    { id: 'a', image: { data } },
    { id: 'b', image: { data } },
    { id: 'c', image: { url: 'https://cdn.example/a.png' } },
    { id: 'd' },
    { id: 'e', image: { data: Buffer.from('not an image').toString('base64') } },
    { id: 'f', image: { data: '%%%' } }
  ])
  t.equal(hashToHex(first!.hash), hashToHex((await hashImage(png)).hash))
  t.equal(second, first, 'one decode for both items')
  t.same([url, none, garbage, notBase64], [undefined, undefined, undefined, undefined])
  t.equal((await hasher.hashes([{ id: 'again', image: { data } }]))[0], first, 'then from its cache')
})

t.test('dihedral variants when asked for', async (t) => {
  const hasher = new ItemImageHasher({ maxInputPixels: 1_000_000, variants: true })
  const [hash] = await hasher.hashes([{ id: 'a', image: { data: (await noise(30, 30, 2).png().toBuffer()).toString('base64') } }])
  t.equal(hash?.variants?.length, 8)
})
