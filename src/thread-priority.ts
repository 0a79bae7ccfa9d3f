import { readdirSync, readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'

/**
 * Lowers the scheduling priority of the calling thread only, by `steps` nice values below what it has
 * (what the process has, usually; at most 19), so that image work on a busy machine yields the CPU to
 * the event loop answering requests within their budget; on an idle machine it runs as fast as
 * before. Linux only (a thread is a task with its own id there); elsewhere, or when refused, nothing
 * changes. The JavaScript source of the model's worker thread does the same (model-session.ts).
 */
export function lowerThreadPriority(steps: number): boolean {
  try {
    const tid = ownThreadId()
    setPriority(tid, Math.min(19, getPriority(tid) + steps))
    return true
  } catch {
    return false
  }
}

/**
 * Lowers every other thread of the process to at least `steps` nice values below the calling one (the
 * event loop): libuv's pool (image decoding, text model runs), V8's helpers, the image threads. Threads
 * they start later inherit their priority. Under CPU contention the event loop then answers requests
 * first, and background work waits; on an idle machine nothing changes. Linux only; elsewhere, or when
 * refused, nothing changes. Returns how many threads were lowered. `tasksDir` lists the process's threads.
 */
export function lowerOtherThreadsPriority(steps: number, tasksDir = '/proc/self/task'): number {
  let own: number
  let tids: string[]
  try {
    own = ownThreadId()
    tids = readdirSync(tasksDir)
  } catch {
    return 0 // not Linux
  }
  const target = Math.min(19, getPriority(own) + steps)
  let lowered = 0
  for (const entry of tids) {
    const tid = Number(entry)
    if (tid === own) continue
    try {
      if (getPriority(tid) >= target) continue
      setPriority(tid, target)
      lowered++
    } catch {
      // a thread that ended meanwhile, or a value refused
    }
  }
  return lowered
}

/** The calling thread's id (`<pid>/task/<tid>`): the id setpriority(2) takes for one thread. Throws off Linux. */
function ownThreadId(): number {
  return Number(readlinkSync('/proc/thread-self').split('/').pop())
}
