import t from 'tap'
import { allows, bearerSecret, KeyRing, KeysFileError, parseKeysFile, sha256Hex } from '../../src/auth/keys.js'

const digest = sha256Hex('s3cret')

t.test('a key is found by its secret, and only by it', async (t) => {
  const ring = parseKeysFile(JSON.stringify({ keys: [{ id: 'recommender', sha256: digest.toUpperCase(), scopes: ['score'] }] }))
  t.equal(ring.size, 1)
  t.equal(ring.authenticate('s3cret')?.id, 'recommender')
  t.equal(ring.authenticate('s3cret '), undefined)
  t.equal(ring.authenticate(digest), undefined, 'the digest itself is no secret')
  t.equal(new KeyRing([]).authenticate(''), undefined)
})

t.test('a scope is allowed when the key has it, or has admin', async (t) => {
  const ring = new KeyRing([
    { id: 'a', sha256: sha256Hex('a'), scopes: ['score', 'rules:read'] },
    { id: 'root', sha256: sha256Hex('root'), scopes: ['admin'] }
  ])
  const a = ring.authenticate('a')!
  t.ok(allows(a, 'score'))
  t.ok(allows(a, 'rules:read'))
  t.notOk(allows(a, 'rules:write'))
  t.notOk(allows(a, 'admin'))
  const root = ring.authenticate('root')!
  for (const scope of ['score', 'banks', 'insights', 'moderate'] as const) t.ok(allows(root, scope))
})

t.test('a bad keys file is refused with what is wrong', async (t) => {
  const refused = (text: string) => {
    try {
      parseKeysFile(text)
    } catch (err) {
      t.ok(err instanceof KeysFileError)
      return (err as Error).message
    }
    throw new Error('accepted')
  }
  t.match(refused('{"keys": ['), /^not JSON/)
  t.match(refused('[]'), /\(root\)/)
  t.match(refused(JSON.stringify({ keys: [{ id: 'a', sha256: 'abc', scopes: ['score'] }] })), /keys\.0\.sha256/)
  t.match(refused(JSON.stringify({ keys: [{ id: 'a', sha256: digest, scopes: ['everything'] }] })), /keys\.0\.scopes\.0/)
  t.match(refused(JSON.stringify({ keys: [{ id: 'a', sha256: digest, scopes: [] }] })), /keys\.0\.scopes/)
  t.match(refused(JSON.stringify({ keys: [{ id: 'a b', sha256: digest, scopes: ['score'] }] })), /keys\.0\.id/)
  t.match(refused(JSON.stringify({ keys: [{ id: 'a', sha256: digest, scopes: ['score'], secret: 'x' }] })), /keys\.0/)
  t.match(
    refused(JSON.stringify({ keys: [{ id: 'a', sha256: digest, scopes: ['score'] }, { id: 'a', sha256: sha256Hex('b'), scopes: ['score'] }] })),
    /keys\.1\.id: duplicate key id a/
  )
  const shared = refused(JSON.stringify({ keys: [{ id: 'a', sha256: digest, scopes: ['score'] }, { id: 'b', sha256: digest.toUpperCase(), scopes: ['score'] }] }))
  t.match(shared, /keys\.1\.sha256: duplicate digest/)
  t.notMatch(shared, digest, 'digests are not quoted')
})

t.test('the secret of a bearer header', async (t) => {
  t.equal(bearerSecret('Bearer abc.DEF_1-2~'), 'abc.DEF_1-2~')
  t.equal(bearerSecret('bearer  abc '), 'abc')
  t.equal(bearerSecret(undefined), undefined)
  t.equal(bearerSecret('Basic dXNlcjpwYXNz'), undefined)
  t.equal(bearerSecret('Bearer '), undefined)
  t.equal(bearerSecret('Bearer a b'), undefined)
})
