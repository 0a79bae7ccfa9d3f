import os from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The longest the event loop was held while `action` ran, in ms (perf_hooks' event-loop delay histogram at
 * its finest resolution). It keeps sampling a little after the action, so that a stall at its very end counts.
 */
export async function maxLoopDelayDuring<T>(action: () => Promise<T>): Promise<{ result: T; maxDelayMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  try {
    const result = await action()
    await sleep(20)
    return { result, maxDelayMs: histogram.max / 1e6 }
  } finally {
    histogram.disable()
  }
}

/** The target for any single request's hold on the event loop, on a machine not overloaded (printed beside each measurement). */
export const LOOP_DELAY_BOUND_MS = 100

/**
 * The least a test asserts, however idle the machine looks: the load average lags a burst of parallel test files by
 * seconds, and the scheduler of a 2-core machine running several of them gives a request's stretch of work to
 * another process now and then (the least of a few attempts mostly avoids that). The stalls this guards against
 * held the loop for seconds.
 */
export const LOOP_DELAY_FLOOR_MS = 150

/**
 * The bound a test asserts: the target, stretched by the runnable threads per core when there are more than one (a
 * stretch of work then waits for the CPU about that many times as long: 376-719 ms were seen at load 29 on 2 cores),
 * and never under LOOP_DELAY_FLOOR_MS.
 */
export function loopDelayBoundMs(): number {
  const perCore = os.loadavg()[0]! / os.availableParallelism()
  return Math.max(LOOP_DELAY_FLOOR_MS, LOOP_DELAY_BOUND_MS * Math.max(1, perCore))
}

/**
 * The smallest of `attempts` measurements of maxLoopDelayDuring(action): a stall the code causes shows in every
 * one, a moment the scheduler of a loaded machine took the CPU away shows in one.
 */
export async function leastMaxLoopDelay<T>(attempts: number, action: () => Promise<T>): Promise<{ results: T[]; maxDelayMs: number }> {
  const results: T[] = []
  let least = Infinity
  for (let attempt = 0; attempt < attempts; attempt++) {
    const { result, maxDelayMs } = await maxLoopDelayDuring(action)
    results.push(result)
    least = Math.min(least, maxDelayMs)
    if (least < loopDelayBoundMs()) break
  }
  return { results, maxDelayMs: least }
}
