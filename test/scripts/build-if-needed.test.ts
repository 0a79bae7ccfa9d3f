import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'

const SCRIPT = fileURLToPath(new URL('../../scripts/build-if-needed.mjs', import.meta.url))

/** A project as npm sees it: its `build` script leaves a marker (or fails), its hooks run the script under test. */
function project(t: Test, { compiler, dist, build = 'built' }: { compiler: boolean; dist: boolean; build?: 'built' | 'fails' }) {
  const dir = t.testdir({})
  const buildScript = build === 'built' ? `node -e "require('node:fs').writeFileSync('built', '')"` : 'node -e "process.exit(3)"'
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'p',
      version: '1.0.0',
      private: true,
      scripts: { build: buildScript, prestart: `node ${JSON.stringify(SCRIPT)} prestart`, start: 'node -e ""' }
    })
  )
  if (compiler) {
    mkdirSync(join(dir, 'node_modules', 'typescript'), { recursive: true })
    writeFileSync(join(dir, 'node_modules', 'typescript', 'package.json'), '{"name":"typescript"}')
  }
  if (dist) {
    mkdirSync(join(dir, 'dist', 'src'), { recursive: true })
    writeFileSync(join(dir, 'dist', 'src', 'server.js'), '')
  }
  return dir
}

/** Runs the script as a hook would, without npm's variables unless given. */
function run(dir: string, hook: string, env: Record<string, string | undefined> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')))
  return spawnSync(process.execPath, [SCRIPT, hook], { cwd: dir, encoding: 'utf8', env: { ...base, ...env } })
}

t.test('npm start in a clone (compiler installed) builds first, with the npm that runs it', (t) => {
  const dir = project(t, { compiler: true, dist: true })
  const npm = spawnSync('npm', ['start'], { cwd: dir, encoding: 'utf8' })
  t.equal(npm.status, 0, npm.stderr)
  t.ok(existsSync(join(dir, 'built')))
  t.end()
})

t.test('outside npm, the build runs with the npm on the PATH', (t) => {
  const dir = project(t, { compiler: true, dist: false })
  t.equal(run(dir, 'prepare').status, 0)
  t.ok(existsSync(join(dir, 'built')))
  t.end()
})

t.test('a failed build fails the hook with its status', (t) => {
  const dir = project(t, { compiler: true, dist: true, build: 'fails' })
  t.equal(run(dir, 'prestart').status, 3)
  t.end()
})

t.test('no npm to build with: a clear message and a failure', (t) => {
  const dir = project(t, { compiler: true, dist: true })
  const result = run(dir, 'prestart', { PATH: '' })
  t.equal(result.status, 1)
  t.match(result.stderr, /could not run the build/)
  t.end()
})

t.test('the image (no compiler, dist/ present): prestart starts what dist/ holds, builds nothing', (t) => {
  const dir = project(t, { compiler: false, dist: true })
  const result = run(dir, 'prestart')
  t.equal(result.status, 0)
  t.match(result.stderr, /starting the prebuilt dist\/src\/server\.js/)
  t.notOk(existsSync(join(dir, 'built')))
  t.end()
})

t.test('no compiler and no dist/: prestart says to install the dev dependencies', (t) => {
  const result = run(project(t, { compiler: false, dist: false }), 'prestart')
  t.equal(result.status, 1)
  t.match(result.stderr, /dist\/src\/server\.js is missing and TypeScript is not installed: run `npm ci`/)
  t.end()
})

t.test('a production install (npm ci --omit=dev): prepare has nothing to build', (t) => {
  const dir = project(t, { compiler: false, dist: false })
  const result = run(dir, 'prepare')
  t.equal(result.status, 0)
  t.match(result.stderr, /not building/)
  t.notOk(existsSync(join(dir, 'built')))
  t.end()
})

t.test('an unknown hook is a usage error', (t) => {
  const result = run(project(t, { compiler: false, dist: false }), 'install')
  t.equal(result.status, 2)
  t.match(result.stderr, /usage/)
  t.end()
})
