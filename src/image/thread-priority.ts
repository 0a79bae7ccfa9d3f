import { readlinkSync } from 'node:fs'
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
    // `<pid>/task/<tid>`: the id setpriority(2) takes for one thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    setPriority(tid, Math.min(19, getPriority(tid) + steps))
    return true
  } catch {
    return false
  }
}
