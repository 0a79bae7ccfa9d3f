import { randomBytes } from 'node:crypto'

/** What a match against a bank entry does to the item, for everyone. */
export const HASH_ACTIONS = ['hide', 'blur'] as const
export type HashAction = (typeof HASH_ACTIONS)[number]

/** A named set of PDQ hashes of content already judged. Only enabled banks are matched. */
export interface Bank {
  name: string
  enabled: boolean
  /** ISO 8601. */
  createdAt: string
  description?: string
}

export interface BankSummary extends Bank {
  /** Number of entries in the bank. */
  entries: number
}

export interface BankEntry {
  /** Assigned by the server; ids sort in the order entries were added. */
  id: string
  /** 64 lowercase hex digits (PDQ's reference format). */
  hash: string
  /** The caller's id for the content the hash was made from. */
  contentId?: string
  action: HashAction
  /** ISO 8601. */
  addedAt: string
}

/** One page of a bank's entries, in id order; `next` is the `after` of the next page, null on the last. */
export interface EntryPage {
  entries: BankEntry[]
  next: string | null
}

/** A change to the banks, as every replica hears it. `version` counts every change to all banks. */
export type BankChange =
  | { version: number; op: 'create'; bank: Bank }
  | { version: number; op: 'update'; bank: Bank }
  | { version: number; op: 'delete'; bank: string }
  | { version: number; op: 'add'; bank: string; entries: BankEntry[] }
  | { version: number; op: 'remove'; bank: string; entryId: string }

/** Orders banks by name, in code point order. */
export function byName(a: { name: string }, b: { name: string }): number {
  return Number(a.name > b.name) - Number(a.name < b.name)
}

/** Parses a change notification; undefined when it is not one (the listener then resyncs). */
export function parseBankChange(message: string): BankChange | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(message)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { v, ...rest } = parsed as { v?: unknown; op?: unknown }
  if (typeof v !== 'number' || typeof rest.op !== 'string') return undefined
  return { ...rest, version: v } as BankChange
}

let lastIdTime = 0
let idSequence = 0

/**
 * A new entry id: `e`, the time in base 36, a sequence number and random digits. Ids made by one process
 * are strictly increasing, so listing a bank in id order lists it (nearly) in the order it was filled.
 */
export function newEntryId(now = Date.now()): string {
  if (now > lastIdTime) {
    lastIdTime = now
    idSequence = 0
  } else {
    idSequence++
  }
  return `e${lastIdTime.toString(36).padStart(9, '0')}${idSequence.toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`
}
