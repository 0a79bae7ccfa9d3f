import t from 'tap'
import { pathToFileURL } from 'node:url'
import { PoolThread, closeEveryThread, threadsRunning } from '../src/thread-pool.js'

const entry = pathToFileURL(new URL('./fixtures/threads/probe-entry.ts', import.meta.url).pathname).href

type Answer = { id: number; answered: string }

function probe(work: { openMs?: number; openFails?: boolean; releaseHangs?: boolean } = {}, onStop: () => void = () => undefined) {
  return new PoolThread<Answer>({ entry, ...work } as { entry: string }, 'probe thread', onStop)
}

/** A request the probe answers after `ms`. */
function ask(thread: PoolThread<Answer>, ms: number): Promise<Answer> {
  return new Promise((resolve, reject) => thread.post({ ms }, { onReply: (reply) => (resolve(reply), true), reject }))
}

t.test('a thread asked to close answers what it holds first, then ends by itself', async (t) => {
  const thread = probe()
  await thread.ready
  const answer = ask(thread, 300)
  const closed = thread.close()
  t.equal(thread.close(), closed, 'closing twice is closing once')
  t.same(await answer, { id: 0, answered: 'work' }, 'the call in flight was answered')
  t.equal(await closed, 0, 'the thread ended by itself')
  t.equal(thread.load, 0)
})

t.test('a thread asked to close while its work opens ends once it is open, never in the middle', async (t) => {
  const thread = probe({ openMs: 500 })
  t.equal(await thread.close(), 0)
  await t.resolves(thread.ready, 'the opening completed')
})

t.test('a thread whose work fails to open while it is asked to close stops with that error', async (t) => {
  const thread = probe({ openMs: 300, openFails: true })
  const closed = thread.close()
  await t.rejects(thread.ready, /the work could not be opened/)
  t.equal(await closed, 1)
})

t.test('a thread that has not ended within the grace period is stopped', async (t) => {
  let stopped = 0
  const thread = probe({ releaseHangs: true }, () => stopped++)
  await thread.ready
  const answer = ask(thread, 5000)
  t.equal(await thread.close(200), 1, 'stopped from outside')
  await t.rejects(answer, /probe thread stopped \(exit code 1\)/, 'what it still held rejects')
  t.equal(stopped, 1)
})

t.test('closeEveryThread closes every thread, also one started while it waits', async (t) => {
  let late: PoolThread<Answer> | undefined
  let lateStopped = false
  const first = probe({ openMs: 300 }, () => (late = probe({ openMs: 300 }, () => (lateStopped = true))))
  const second = probe()
  t.equal(threadsRunning(), 2)
  await closeEveryThread(60_000)
  t.equal(threadsRunning(), 0, 'every thread ended')
  t.ok(late, 'a thread started while closing')
  t.ok(lateStopped, 'was closed too')
  t.equal(await first.close(), 0)
  t.equal(await second.close(), 0)
  t.equal(await late!.close(), 0)
})

t.test('closeEveryThread waits no longer than its cap', async (t) => {
  const slow = probe({ openMs: 3000 })
  const started = Date.now()
  await closeEveryThread(100)
  t.ok(Date.now() - started < 2000, `returned after ${Date.now() - started} ms`)
  t.equal(await slow.close(), 0, 'the thread itself still ends once open')
  await closeEveryThread(100)
})
