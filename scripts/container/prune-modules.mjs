// Removes from a production node_modules what the container never loads: onnxruntime-node's native
// binaries for other platforms and architectures (about 255 MB of its 290 MB), type declarations and
// source maps. Run inside the image's build, where process.platform and process.arch are the target's.
//
// Usage: node prune-modules.mjs <node_modules dir>
import { lstatSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'

const modules = process.argv[2]
if (!modules) {
  process.stderr.write('usage: node prune-modules.mjs <node_modules dir>\n')
  process.exit(2)
}

const DROPPED_SUFFIXES = ['.d.ts', '.d.mts', '.d.cts', '.map']
let removedBytes = 0

function sizeOf(path) {
  const stat = lstatSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0)
}

function remove(path) {
  removedBytes += sizeOf(path)
  rmSync(path, { recursive: true, force: true })
}

// onnxruntime-node ships bin/napi-v<N>/<platform>/<arch>/ for every platform in one package.
const onnxBin = join(modules, 'onnxruntime-node', 'bin')
for (const napi of readdirSync(onnxBin)) {
  for (const platform of readdirSync(join(onnxBin, napi))) {
    const platformDir = join(onnxBin, napi, platform)
    if (platform !== process.platform) {
      remove(platformDir)
      continue
    }
    for (const arch of readdirSync(platformDir)) {
      if (arch !== process.arch) remove(join(platformDir, arch))
    }
  }
}

function pruneFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) pruneFiles(path)
    else if (entry.isFile() && DROPPED_SUFFIXES.some((suffix) => entry.name.endsWith(suffix))) remove(path)
  }
}
pruneFiles(modules)

const kept = readdirSync(onnxBin).filter((napi) => {
  try {
    return lstatSync(join(onnxBin, napi, process.platform, process.arch, 'onnxruntime_binding.node')).isFile()
  } catch {
    return false
  }
})
if (kept.length === 0) {
  process.stderr.write(`prune-modules: no onnxruntime-node binary for ${process.platform}-${process.arch}\n`)
  process.exit(1)
}

process.stdout.write(`prune-modules: removed ${(removedBytes / 1024 / 1024).toFixed(1)} MB\n`)
