import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { getPriority } from 'node:os'
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { lowerOtherThreadsPriority } from '../src/thread-priority.js'

const linux = existsSync('/proc/thread-self')

/** The nice value of each thread of this process but the calling one (field 19 of its stat). */
function otherThreadNices(): number[] {
  const own = readlinkSync('/proc/thread-self').split('/').pop()
  return readdirSync('/proc/self/task')
    .filter((tid) => tid !== own)
    .map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
    })
}

t.test('every thread but the event loop goes below it, once; the event loop keeps its priority', { skip: !linux && 'Linux only' }, async (t) => {
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true })
  t.teardown(() => worker.terminate())
  await new Promise((resolve) => worker.once('online', resolve))
  const base = getPriority()
  const target = Math.min(19, base + 4)
  t.ok(otherThreadNices().some((nice) => nice < target), 'threads at the event loop’s priority before')
  t.ok(lowerOtherThreadsPriority(4) > 0)
  t.ok(otherThreadNices().every((nice) => nice >= target), 'every other thread lowered')
  t.equal(getPriority(), base, 'the event loop keeps its priority')
  t.equal(lowerOtherThreadsPriority(4), 0, 'threads already that low are left as they are')
  t.equal(lowerOtherThreadsPriority(2), 0, 'and never raised')
  t.equal(lowerOtherThreadsPriority(Number.NaN), 0, 'a refused value changes nothing')
  t.equal(lowerOtherThreadsPriority(4, '/nonexistent/task'), 0, 'without a thread list (not Linux), nothing changes')
})
