import t from 'tap'
import { BankIndex } from '../../src/banks/bank-index.js'
import { BankService, type BankServiceOptions } from '../../src/banks/bank-service.js'
import { MemoryBankStore } from '../../src/banks/memory-bank-store.js'
import { flatPng, pictureAsPng, pictureHash } from '../helpers/pictures.js'

type Tap = import('tap').Test

async function setup(t: Tap, options: Partial<BankServiceOptions> = {}) {
  const store = new MemoryBankStore()
  const index = new BankIndex({ store, maxDistance: 31, minQuality: 50, dihedral: false, log: { info: () => {}, warn: () => {} } })
  t.teardown(() => index.close())
  await index.start()
  const service = new BankService({ store, index, maxInputPixels: 1_000_000, minQuality: 50, now: () => Date.parse('2026-11-27T12:00:00Z'), ...options })
  await service.create({ name: 'known' })
  return { service, index, store }
}

t.test('a bank is created enabled with its time; entries are stored with their hash in lowercase', async (t) => {
  const { service, index } = await setup(t)
  t.same(await service.get('known'), { name: 'known', enabled: true, createdAt: '2026-11-27T12:00:00.000Z', entries: 0 })
  const [added] = await service.addEntries('known', [{ hash: 'AB'.repeat(32), contentId: 'c1' }])
  t.match(added, { id: /^e[0-9a-z]{25}$/, hash: 'ab'.repeat(32), contentId: 'c1', action: 'hide', addedAt: '2026-11-27T12:00:00.000Z' })
  t.equal(index.size, 1, 'this replica matches it as soon as the write answers')
})

t.test('times are the clock\'s unless told otherwise', async (t) => {
  const { store, index } = await setup(t)
  const service = new BankService({ store, index, maxInputPixels: 1000, minQuality: 50 })
  const before = Date.now()
  const { createdAt } = await service.create({ name: 'now' })
  t.ok(Date.parse(createdAt) >= before - 1 && Date.parse(createdAt) <= Date.now())
})

t.test('images are decoded and hashed; a problem names the entry and stores nothing', async (t) => {
  const { service, store } = await setup(t)
  const png = (await pictureAsPng(1)).toString('base64')
  const [added] = await service.addEntries('known', [{ image: { data: png }, action: 'blur' }])
  t.equal(added!.hash, pictureHash(1))
  t.equal(added!.action, 'blur')

  const where = (i: number) => `body.entries.${i}`
  const notAnImage = Buffer.from('plain text').toString('base64')
  await t.rejects(service.addEntries('known', [{ hash: '0'.repeat(64) }, { image: { data: notAnImage } }], where), {
    code: 'FG_IMAGE_INVALID',
    statusCode: 400,
    message: /^body\.entries\.1\.image: not a decodable image/,
    details: [{ path: 'body.entries.1.image' }]
  })
  await t.rejects(service.addEntries('known', [{ image: { data: (await flatPng()).toString('base64') } }]), {
    code: 'FG_IMAGE_LOW_QUALITY',
    message: /^entries\.0\.image: image PDQ quality is 0, below 50/
  })
  t.equal((await store.getBank('known')).entries, 1, 'nothing of the refused requests was stored')

  const small = await setup(t, { maxInputPixels: 1000 })
  await t.rejects(small.service.addEntries('known', [{ image: { data: png } }]), {
    code: 'FG_IMAGE_TOO_LARGE',
    message: /image has more than 1000 pixels/
  })
})

t.test('image urls go through the fetcher given, or are refused', async (t) => {
  const { service } = await setup(t)
  await t.rejects(service.addEntries('known', [{ image: { url: 'https://cdn.example/a.png' } }]), {
    code: 'FG_VALIDATION',
    statusCode: 400,
    message: 'entries.0.image.url: url images are not supported here yet',
    details: [{ path: 'entries.0.image.url', message: 'url images are not supported here yet' }]
  })
  const fetched: string[] = []
  const png = await pictureAsPng(1)
  const withFetcher = await setup(t, {
    fetchImage: async (url) => {
      fetched.push(url)
      if (url.includes('missing')) throw new Error('the image host answered 404')
      return png
    }
  })
  const [added] = await withFetcher.service.addEntries('known', [{ image: { url: 'https://cdn.example/a.png' } }])
  t.equal(added!.hash, pictureHash(1))
  await t.rejects(withFetcher.service.addEntries('known', [{ image: { url: 'https://cdn.example/missing.png' } }]), {
    code: 'FG_IMAGE_FETCH_FAILED',
    statusCode: 400,
    message: 'entries.0.image: image could not be fetched: the image host answered 404'
  })
  t.same(fetched, ['https://cdn.example/a.png', 'https://cdn.example/missing.png'])
})

t.test('a missing bank is reported before any image is decoded', async (t) => {
  const { service } = await setup(t, {
    fetchImage: async () => {
      throw new Error('must not be called')
    }
  })
  await t.rejects(service.addEntries('nope', [{ image: { url: 'https://cdn.example/a.png' } }]), { code: 'FG_BANK_NOT_FOUND' })
})

t.test('update, delete and entry removal wait for this replica to apply them', async (t) => {
  const { service, index } = await setup(t)
  const [added] = await service.addEntries('known', [{ hash: pictureHash(1) }])
  t.match(await service.update('known', { enabled: false, description: 'paused' }), { enabled: false, description: 'paused', entries: 1 })
  t.equal(index.size, 0)
  await service.update('known', { enabled: true })
  t.equal(index.size, 1)
  t.same((await service.listEntries('known', { limit: 10 })).entries.map((e) => e.id), [added!.id])
  await service.removeEntry('known', added!.id)
  t.equal(index.size, 0)
  await service.create({ name: 'other', description: 'second', enabled: false })
  t.same(
    (await service.list()).map((bank) => [bank.name, bank.enabled, bank.description]),
    [
      ['known', true, 'paused'],
      ['other', false, 'second']
    ]
  )
  await service.delete('other')
  t.equal((await service.list()).length, 1)
})
