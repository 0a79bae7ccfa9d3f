import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import t from 'tap'
import { ImageClassifier } from '../../src/image/image-classifier.js'
import { PreparePool } from '../../src/image/prepare-pool.js'
import { lowerThreadPriority } from '../../src/image/thread-priority.js'
import { gradient, modelPath } from './helpers.js'

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

t.test('the image threads run below the event loop: preparation threads and the model’s worker', { skip: !linux && 'Linux only' }, async (t) => {
  const base = getPriority()
  const expected = Math.min(19, base + 3)
  t.notOk(threadNices().includes(expected), 'no thread there yet')
  const pool = new PreparePool({ threads: 1, nice: 3 })
  t.teardown(() => pool.close())
  await pool.prepare(await gradient(20, 20).png().toBuffer())
  t.equal(threadNices().filter((nice) => nice === expected).length, 1, 'the preparation thread')
  const model = await ImageClassifier.create({ model: modelPath, threadNice: 3 })
  t.teardown(() => model.release())
  t.ok(threadNices().filter((nice) => nice === expected).length >= 2, 'and the model’s worker thread')
  t.equal(getPriority(), base, 'the event loop keeps its priority')
})
