import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import t from 'tap'
import { loadModel, readManifest } from '../src/classifiers/manifest.js'
import { ImageThreads } from '../src/image/image-threads.js'
import { lowerThreadPriority } from '../src/thread-priority.js'

const linux = existsSync('/proc/thread-self')

/** The nice value of every thread of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  })
}

t.test('lowerThreadPriority: on Linux the calling thread only; a refused value changes nothing', { skip: !linux && 'Linux only' }, async (t) => {
  const before = getPriority()
  t.equal(lowerThreadPriority(0), true, '0 steps: the thread keeps its priority')
  t.equal(getPriority(), before)
  t.equal(lowerThreadPriority(Number.NaN), false)
})

t.test('the image threads run below the event loop', { skip: !linux && 'Linux only' }, async (t) => {
  const base = getPriority()
  const expected = Math.min(19, base + 3)
  t.notOk(threadNices().includes(expected), 'no thread there yet')
  const model = await loadModel('models', (await readManifest('models')).models.find((entry) => entry.kind === 'image')!)
  const threads = await ImageThreads.open({ model, threads: 1, nice: 3, prepare: {}, batch: { maxBatch: 1, maxWaitMs: 0 } })
  t.teardown(() => threads.close())
  // onnxruntime's own threads, started by the image thread, inherit its priority.
  const lowered = threadNices().filter((nice) => nice === expected).length
  t.ok(lowered >= 1, 'the image thread')
  t.equal(getPriority(), base, 'the event loop keeps its priority')
})
