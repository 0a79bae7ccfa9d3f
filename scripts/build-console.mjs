// Builds the console (console/) into dist/console: one bundle (Preact, Chart.js) and the static files,
// so the service serves it without any CDN. Plain JavaScript: `npm run build` runs it after tsc.
import { copyFile, mkdir } from 'node:fs/promises'
import { build } from 'esbuild'

const out = 'dist/console'
await mkdir(out, { recursive: true })
await build({
  entryPoints: ['console/src/main.tsx'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: `${out}/app.js`,
  logLevel: 'warning'
})
await Promise.all(['index.html', 'style.css'].map((file) => copyFile(`console/${file}`, `${out}/${file}`)))
