// npm's `prepare` and `prestart` hooks. Plain JavaScript: it runs where TypeScript and tsx are not
// installed (a production install, the container image).
//
//   prestart: build when the compiler is installed (a clone: dist/ matches the sources); without it,
//             start what dist/ holds (the image, built in its build stage); neither: say what to do.
//   prepare:  build when the compiler is installed; a production install (`npm ci --omit=dev`) has
//             nothing to build with and nothing to build for.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'

const hook = process.argv[2]
const root = process.cwd()
const hasCompiler = existsSync(join(root, 'node_modules', 'typescript', 'package.json'))
const entry = join('dist', 'src', 'server.js')

function say(line) {
  process.stderr.write(`${line}\n`)
}

if (hook !== 'prepare' && hook !== 'prestart') {
  say('usage: node scripts/build-if-needed.mjs prepare|prestart')
  process.exit(2)
}

if (hasCompiler) {
  // npm sets npm_execpath when it runs a script: build with the same npm.
  const npm = process.env.npm_execpath
  const { status, error } = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
  if (error) say(`build-if-needed: could not run the build: ${error.message}`)
  process.exit(status ?? 1)
}

if (hook === 'prepare') {
  say('build-if-needed: TypeScript is not installed (production install): not building')
} else if (existsSync(join(root, entry))) {
  say(`build-if-needed: TypeScript is not installed: starting the prebuilt ${entry}`)
} else {
  say(`build-if-needed: ${entry} is missing and TypeScript is not installed: run \`npm ci\` (with dev dependencies) first`)
  process.exit(1)
}
