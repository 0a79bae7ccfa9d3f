import t from 'tap'
import { JobQueue } from '../../src/image/job-queue.js'

/** A job that finishes when the test says so. */
function gated<T>(value: T) {
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  let runs = 0
  return {
    run: async () => {
      runs++
      await gate
      return value
    },
    open: () => open(),
    get runs() {
      return runs
    }
  }
}

t.test('runs up to `concurrency` jobs, queues the rest in order, and shares a job among submissions of one key', async (t) => {
  const queue = new JobQueue<string>({ concurrency: 1, maxQueued: 2, maxQueuedBytes: 100 })
  const a = gated('A')
  const b = gated('B')
  const first = queue.submit('a', 10, a.run)!
  const second = queue.submit('b', 10, b.run)!
  t.equal(queue.submit('a', 10, gated('other').run), first, 'the same key shares the running job')
  t.equal(queue.submit('b', 10, gated('other').run), second, 'and the waiting one')
  t.match(queue.stats(), { running: 1, queued: 1, queuedBytes: 10, accepted: 2, deduplicated: 2, dropped: 0, finished: 0 })
  t.equal(b.runs, 0, 'the second waits for a slot')
  a.open()
  t.equal(await first, 'A')
  b.open()
  t.equal(await second, 'B')
  t.equal(b.runs, 1)
  t.match(queue.stats(), { running: 0, queued: 0, queuedBytes: 0, finished: 2 })
  const again = gated('A2')
  again.open()
  t.equal(await queue.submit('a', 1, again.run), 'A2', 'a finished key runs again')
})

t.test('a full queue drops work and counts it: by number of jobs, and by the bytes they hold', async (t) => {
  const queue = new JobQueue<number>({ concurrency: 1, maxQueued: 2, maxQueuedBytes: 50 })
  const running = gated(0)
  queue.submit('run', 1000, running.run)
  const q1 = queue.submit('q1', 30, gated(1).run)
  t.ok(q1, 'a job larger than the byte bound may still run or wait when it fits')
  t.equal(queue.submit('q2', 30, gated(2).run), undefined, 'over the byte bound')
  const q3 = queue.submit('q3', 20, gated(3).run)
  t.ok(q3)
  for (const dropped of [q1, q3]) dropped?.catch(() => undefined)
  t.equal(queue.submit('q4', 1, gated(4).run), undefined, 'over the job bound')
  t.match(queue.stats(), { running: 1, queued: 2, queuedBytes: 50, accepted: 3, dropped: 2 })
  running.open()
  await queue.close()
  await t.rejects(q1!, /closed/)
})

t.test('a failing job rejects its result and frees its slot', async (t) => {
  const queue = new JobQueue<number>({ concurrency: 1, maxQueued: 1, maxQueuedBytes: 10 })
  const failing = queue.submit('x', 1, async () => {
    throw new Error('broken')
  })!
  const next = queue.submit('y', 1, async () => 7)!
  await t.rejects(failing, /broken/)
  t.equal(await next, 7)
  t.match(queue.stats(), { running: 0, finished: 2 })
})

t.test('close: waiting jobs are dropped (their results reject), running ones complete, new ones are refused', async (t) => {
  const queue = new JobQueue<string>({ concurrency: 1, maxQueued: 5, maxQueuedBytes: 100 })
  const running = gated('done')
  const first = queue.submit('a', 1, running.run)!
  const waiting = queue.submit('b', 1, gated('never').run)!
  const closed = queue.close()
  await t.rejects(waiting, /the image queue is closed/)
  t.equal(queue.submit('c', 1, gated('late').run), undefined)
  t.equal(queue.submit('a', 1, gated('shared').run), first, 'a running job is still shared')
  running.open()
  await closed
  t.equal(await first, 'done')
  t.match(queue.stats(), { running: 0, queued: 0, queuedBytes: 0 })
})
