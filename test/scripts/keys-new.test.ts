import { execFile } from 'node:child_process'
import t from 'tap'
import { parseKeysFile } from '../../src/auth/keys.js'
import { typescriptNodeArgs } from '../helpers/node-args.js'

function keysNew(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...typescriptNodeArgs(), 'scripts/keys-new.ts', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr })
    })
  })
}

t.test('prints a new secret and the keys file entry that accepts it', async (t) => {
  const { code, stdout } = await keysNew('--id', 'recommender', '--scopes', 'score, rules:read,score')
  t.equal(code, 0)
  const [, secret] = /^secret: (fg_[A-Za-z0-9_-]{43})$/m.exec(stdout)!
  const [, entry] = /^entry: {2}(\{.*\})$/m.exec(stdout)!
  const parsed = JSON.parse(entry!)
  t.same(parsed.scopes, ['score', 'rules:read'])
  const key = parseKeysFile(JSON.stringify({ keys: [parsed] })).authenticate(secret!)
  t.equal(key?.id, 'recommender')
  t.same([...key!.scopes], ['score', 'rules:read'])

  const again = await keysNew('--id', 'recommender', '--scopes', 'score')
  t.notMatch(again.stdout, secret!, 'every key is new')
})

t.test('bad arguments: exit 2 with what is wrong and the usage', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--scopes', 'score'], /--id: required/],
    [['--id', 'has space', '--scopes', 'score'], /--id: letters, digits/],
    [['--id', 'a'], /--scopes: at least one scope/],
    [['--id', 'a', '--scopes', 'score,everything'], /--scopes: unknown scope everything/],
    [['--id', 'a', '--scopes', 'score', '--secret', 'x'], /Unknown option '--secret'/]
  ]
  const results = await Promise.all(cases.map(([args]) => keysNew(...args)))
  for (const [i, [args, message]] of cases.entries()) {
    const { code, stdout, stderr } = results[i]!
    t.equal(code, 2, args.join(' '))
    t.match(stderr, message)
    t.match(stderr, /usage: npm run keys:new -- --id NAME --scopes/)
    t.equal(stdout, '')
  }
})
