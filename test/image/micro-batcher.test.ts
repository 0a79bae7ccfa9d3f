import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { MicroBatcher } from '../../src/image/micro-batcher.js'

/** A batch function that records its batches and answers when released (or at once). */
function recorder(autoRelease = true) {
  const batches: number[][] = []
  const gates: Array<() => void> = []
  const run = async (inputs: number[]) => {
    batches.push(inputs)
    if (!autoRelease) await new Promise<void>((resolve) => gates.push(resolve))
    return inputs.map((n) => n * 10)
  }
  return { batches, run, release: () => gates.shift()?.() }
}

t.test('a full batch goes at once; a partial one after maxWaitMs', async (t) => {
  const { batches, run } = recorder()
  const batcher = new MicroBatcher(run, { maxBatch: 3, maxWaitMs: 30 })
  t.same(await Promise.all([1, 2, 3].map((n) => batcher.submit(n))), [10, 20, 30])
  t.same(batches, [[1, 2, 3]])
  const started = performance.now()
  t.same(await Promise.all([4, 5].map((n) => batcher.submit(n))), [40, 50])
  t.ok(performance.now() - started >= 25, 'the partial batch waited for more inputs')
  t.same(batches, [[1, 2, 3], [4, 5]])
  t.same(batcher.stats(), { batches: 2, inputs: 5, largestBatch: 3, waiting: 0 })
})

t.test('while a batch runs, inputs gather and go as soon as it is done, maxBatch at a time', async (t) => {
  const { batches, run, release } = recorder(false)
  const batcher = new MicroBatcher(run, { maxBatch: 2, maxWaitMs: 0 })
  const first = batcher.submit(1)
  await sleep(5)
  t.same(batches, [[1]])
  const rest = [2, 3, 4].map((n) => batcher.submit(n))
  t.equal(batcher.stats().waiting, 3)
  release()
  t.equal(await first, 10)
  await sleep(1)
  t.same(batches, [[1], [2, 3]])
  release()
  await sleep(1)
  release()
  t.same(await Promise.all(rest), [20, 30, 40])
  t.same(batches, [[1], [2, 3], [4]])
})

t.test('a failed batch rejects its inputs only; a short answer rejects the inputs it left out', async (t) => {
  let calls = 0
  const batcher = new MicroBatcher(
    async (inputs: number[]) => {
      calls++
      if (calls === 1) throw new Error('session lost')
      return inputs.slice(1)
    },
    { maxBatch: 2, maxWaitMs: 0 }
  )
  await t.rejects(batcher.submit(1), /session lost/)
  const [a, b] = [batcher.submit(7), batcher.submit(8)]
  t.equal(await a, 8)
  await t.rejects(b!, /answered 1 outputs for 2 inputs/)
})

t.test('close: waiting inputs reject, a running batch completes, later inputs are refused', async (t) => {
  const { run, release } = recorder(false)
  const batcher = new MicroBatcher(run, { maxBatch: 1, maxWaitMs: 0 })
  const running = batcher.submit(1)
  const waiting = batcher.submit(2)
  batcher.close()
  await t.rejects(waiting, /batching is closed/)
  release()
  t.equal(await running, 10)
  await t.rejects(batcher.submit(3), /batching is closed/)
  const idle = new MicroBatcher(run, { maxBatch: 5, maxWaitMs: 10_000 })
  const timed = idle.submit(1)
  idle.close()
  await t.rejects(timed, /batching is closed/, 'a waiting timer does not keep it alive')
})
