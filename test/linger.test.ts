/**
 * test/helpers/linger.ts, the check every test file runs under: a test process that stays alive after its
 * tests says what holds it and fails, whether or not its root test could end; one that exits by itself is left
 * alone, also when it waits a while before or between its tests. Run on small test files written here.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import t from 'tap'
import { typescriptNodeArgs } from './helpers/node-args.js'

const dir = mkdtempSync(join(tmpdir(), 'fg-linger-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** A test file of `lines` after tap's import, in the temporary folder. */
function writeTestFile(name: string, lines: readonly string[]): string {
  const file = join(dir, name)
  writeFileSync(file, [`import t from ${JSON.stringify(import.meta.resolve('tap'))}`, ...lines].join('\n'))
  return file
}

function testFile(name: string, closesServer: boolean): string {
  return writeTestFile(name, [
    `import net from 'node:net'`,
    `const server = net.createServer().listen(0, '127.0.0.1')`,
    `t.test('passes', async (t) => { t.pass('ok') })`,
    `t.teardown(() => { ${closesServer ? 'server.close()' : ''} })`
  ])
}

function run(file: string): Promise<{ code: number; stderr: string; ms: number }> {
  const started = performance.now()
  return new Promise((done) => {
    execFile(process.execPath, [...typescriptNodeArgs(), `--import=${resolve('test/helpers/linger.ts')}`, file], (err, _stdout, stderr) => {
      done({ code: err ? Number(err.code) : 0, stderr, ms: performance.now() - started })
    })
  })
}

t.test('a test file that leaves a server listening fails 10 s after its tests, naming the server', async (t) => {
  const { code, stderr, ms } = await run(testFile('lingers.test.mjs', false))
  t.equal(code, 1)
  t.match(stderr, /lingers\.test\.mjs is still running 10 s after its tests ended; what keeps it alive:/)
  t.match(stderr, /resources: .*TCPServerWrap/)
  t.match(stderr, /model threads not ended: 0\n/)
  t.match(stderr, /Server \{"address":"127\.0\.0\.1","family":"IPv4","port":\d+\}/)
  t.ok(ms < 60_000, 'well before tap would have timed it out')
})

t.test('a test file whose root test never ends, held open by a timer, fails 10 s after its last test', async (t) => {
  // no teardown on the root: tap ends it only when nothing is left to keep the process alive
  const file = writeTestFile('timer.test.mjs', [
    `t.test('first', async (t) => { t.pass('ok') })`,
    `await new Promise((resolve) => setTimeout(resolve, 200))`,
    `t.test('second', async (t) => { setInterval(() => {}, 1000); t.pass('ok') })`
  ])
  const { code, stderr, ms } = await run(file)
  t.equal(code, 1)
  t.match(stderr, /timer\.test\.mjs is still running 10 s after its tests ended; what keeps it alive:\n {2}resources: .*Timeout/)
  t.ok(ms < 60_000, 'well before tap would have timed it out')
})

t.test('a test file that waits between its tests, and one that closes what it opened, exit 0 and say nothing', async (t) => {
  const file = writeTestFile('waits.test.mjs', [
    `await new Promise((resolve) => setTimeout(resolve, 11_000))`,
    `t.test('first', async (t) => { t.pass('ok') })`,
    `await new Promise((resolve) => setTimeout(resolve, 300))`,
    `t.test('second', async (t) => { t.pass('ok') })`
  ])
  const waits = await run(file)
  t.equal(waits.code, 0)
  t.notMatch(waits.stderr, /still running/)

  const { code, stderr } = await run(testFile('exits.test.mjs', true))
  t.equal(code, 0)
  t.notMatch(stderr, /still running/)
})
