import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { Coalesced } from '../../src/redis/channel-subscription.js'

t.test('a burst of signals runs the action once, after the last one has settled', async (t) => {
  const runs: number[] = []
  const coalesced = new Coalesced(() => runs.push(Date.now()), 50, 1000)
  let last = 0
  for (let i = 0; i < 100; i++) {
    coalesced.signal()
    last = Date.now()
    if (i % 10 === 0) await sleep(5)
  }
  t.equal(runs.length, 0, 'nothing while the burst goes on')
  await sleep(200)
  t.equal(runs.length, 1, 'one run for a hundred signals')
  t.ok(runs[0]! >= last + 45, 'after the last signal')

  // a later signal is a burst of its own
  coalesced.signal()
  await sleep(200)
  t.equal(runs.length, 2)
})

t.test('a burst that never settles still runs the action every maxWaitMs, and once after its last signal', async (t) => {
  const runs: number[] = []
  const coalesced = new Coalesced(() => runs.push(Date.now()), 100, 300)
  const started = Date.now()
  while (Date.now() - started < 1000) {
    coalesced.signal()
    await sleep(20)
  }
  const lastSignal = Date.now()
  const during = runs.length
  t.ok(during >= 2 && during <= 4, `${during} runs in a second of signals every 20 ms`)
  await sleep(300)
  t.equal(runs.length, during + 1, 'the last signal is followed by a run')
  t.ok(runs.at(-1)! >= lastSignal, 'after the last signal')
})

t.test('cancel drops a pending run', async (t) => {
  let runs = 0
  const coalesced = new Coalesced(() => runs++, 20, 100)
  coalesced.signal()
  coalesced.cancel()
  await sleep(100)
  t.equal(runs, 0)
})
