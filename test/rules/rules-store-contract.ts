import { RulesService } from '../../src/rules/rules-service.js'
import type { RulesStore } from '../../src/rules/rules-store.js'
import { RulesDocumentInputSchema, defaultRules } from '../../src/rules/schema.js'
import { FeedguardError } from '../../src/errors.js'

type Tap = import('tap').Test

const limits = { maxKeywordRules: 200, maxAuthorRules: 1000, maxKeywordLength: 100 }

/**
 * The behaviour every RulesStore must have. `makeStore` returns a fresh, empty store (and a second
 * view of the same data, as another replica would see it).
 */
export function rulesStoreContract(t: Tap, makeStore: (t: Tap) => Promise<{ store: RulesStore; replica: RulesStore }>) {
  t.test('a user without rules gets the defaults at version 0', async (t) => {
    const { store } = await makeStore(t)
    const doc = await store.get('nobody')
    t.same(doc, {
      version: 0,
      sensitivity: 'standard',
      ageBand: 'adult',
      restrictedMode: false,
      categories: {},
      keywords: [],
      authors: [],
      learned: []
    })
  })

  t.test('replace stores the document with a new version and reads it back exactly', async (t) => {
    const { store } = await makeStore(t)
    const service = new RulesService(store, limits)
    const input = RulesDocumentInputSchema.parse({
      sensitivity: 'strict',
      categories: { profanity: 'allow' },
      keywords: [{ id: 'k1', value: 'spoiler', surfaces: ['for_you'] }],
      authors: [{ id: 'a9' }]
    })
    const saved = await service.replace('u1', input)
    t.equal(saved.version, 1)
    t.same(await store.get('u1'), saved)
    t.equal(saved.keywords[0]!.id, 'k1')
    t.same(saved.keywords[0]!.targets, ['content', 'hashtags'])
    const again = await service.replace('u1', input)
    t.equal(again.version, 2, 'every change increases the version')
  })

  t.test('a stale expected version is a conflict and changes nothing', async (t) => {
    const { store } = await makeStore(t)
    const service = new RulesService(store, limits)
    await service.replace('u2', RulesDocumentInputSchema.parse({ sensitivity: 'relaxed' }))
    await t.rejects(service.replace('u2', RulesDocumentInputSchema.parse({ sensitivity: 'strict' }), 0), {
      code: 'FG_RULES_CONFLICT',
      statusCode: 409
    })
    t.equal((await store.get('u2')).sensitivity, 'relaxed')
    const updated = await service.replace('u2', RulesDocumentInputSchema.parse({ sensitivity: 'strict' }), 1)
    t.equal(updated.version, 2)
  })

  t.test('a change that throws stores nothing', async (t) => {
    const { store } = await makeStore(t)
    const service = new RulesService(store, { ...limits, maxKeywordRules: 2 })
    await service.addKeyword('u3', { value: 'one', mode: 'word', targets: ['content'], action: 'hide', exceptFollowing: false })
    await service.addKeyword('u3', { value: 'two', mode: 'word', targets: ['content'], action: 'hide', exceptFollowing: false })
    const err = await service
      .addKeyword('u3', { value: 'three', mode: 'word', targets: ['content'], action: 'hide', exceptFollowing: false })
      .catch((e: unknown) => e)
    t.ok(err instanceof FeedguardError)
    t.match(err, { code: 'FG_LIMIT_EXCEEDED', statusCode: 400 })
    const doc = await store.get('u3')
    t.equal(doc.version, 2)
    t.same(doc.keywords.map((k) => k.value), ['one', 'two'])
  })

  t.test('concurrent keyword additions lose nothing', async (t) => {
    const { store, replica } = await makeStore(t)
    const a = new RulesService(store, limits)
    const b = new RulesService(replica, limits)
    const values = Array.from({ length: 40 }, (_, i) => `word${i}`)
    const added = await Promise.all(
      values.map((value, i) =>
        (i % 2 ? a : b).addKeyword('u4', { value, mode: 'word', targets: ['content'], action: 'hide', exceptFollowing: false })
      )
    )
    const doc = await store.get('u4')
    t.equal(doc.version, values.length)
    t.same(doc.keywords.map((k) => k.value).sort(), [...values].sort())
    t.same(new Set(added.map((r) => r.id)).size, values.length, 'every rule got its own id')
  })

  t.test('removing rules, and a rule that is absent', async (t) => {
    const { store } = await makeStore(t)
    const service = new RulesService(store, limits)
    const rule = await service.addKeyword('u5', { value: 'cat', mode: 'word', targets: ['content'], action: 'blur', exceptFollowing: false })
    await service.addAuthor('u5', { id: 'a1', action: 'hide' })
    await service.removeKeyword('u5', rule.id)
    await service.removeAuthor('u5', 'a1')
    const doc = await store.get('u5')
    t.same(doc.keywords, [])
    t.same(doc.authors, [])
    await t.rejects(service.removeKeyword('u5', rule.id), { code: 'FG_NOT_FOUND', statusCode: 404 })
    await t.rejects(service.removeAuthor('u5', 'a1'), { code: 'FG_NOT_FOUND' })
    t.equal((await store.get('u5')).version, doc.version, 'a failed removal is not a change')
  })

  t.test('delete removes everything, says whether there was anything, and keeps the version', async (t) => {
    const { store } = await makeStore(t)
    const service = new RulesService(store, limits)
    await service.addAuthor('u6', { id: 'a1', action: 'hide' })
    t.equal(await store.delete('u6'), true)
    t.same(await store.get('u6'), { ...defaultRules(), version: 2 }, 'defaults at the next version')
    t.equal(await store.delete('u6'), false, 'a tombstone is nothing to delete')
    t.equal((await store.get('u6')).version, 2, 'deleting a tombstone changes nothing')
    t.equal(await store.delete('never-saved'), false)
    t.equal((await store.get('never-saved')).version, 0)
  })

  t.test('versions only go forward: no If-Match from before a delete is accepted again', async (t) => {
    const { store, replica } = await makeStore(t)
    const service = new RulesService(store, limits)
    const other = new RulesService(replica, limits)
    t.equal((await service.replace('u8', RulesDocumentInputSchema.parse({ sensitivity: 'strict' }), 0)).version, 1)
    t.equal(await store.delete('u8'), true)
    for (const stale of [0, 1]) {
      await t.rejects(other.replace('u8', RulesDocumentInputSchema.parse({ sensitivity: 'relaxed' }), stale), {
        code: 'FG_RULES_CONFLICT'
      })
    }
    const after = await other.replace('u8', RulesDocumentInputSchema.parse({ sensitivity: 'relaxed' }), 2)
    t.equal(after.version, 3, 'the version read after the delete is the one that matches')
    t.equal(await store.delete('u8'), true, 'a document written over a tombstone is live again')
    t.equal((await replica.get('u8')).version, 4)
  })

  t.test('changes are announced to every replica', async (t) => {
    const { store, replica } = await makeStore(t)
    const service = new RulesService(store, limits)
    const seen: string[] = []
    const heard = new Promise<void>((resolve) => {
      replica.onChange((userId) => {
        seen.push(userId)
        if (seen.length === 2) resolve()
      })
    })
    const started = Date.now()
    await service.addAuthor('u7', { id: 'a1', action: 'hide' })
    await store.delete('u7')
    await heard
    t.same(seen, ['u7', 'u7'])
    t.ok(Date.now() - started < 1000, 'within a second')
  })

  t.test('ping answers', async (t) => {
    const { store } = await makeStore(t)
    await t.resolves(store.ping())
  })
}
