/**
 * The process-wide dictionary of word keys. Every key a text or a keyword is looked up by gets a small integer
 * id, so that a field's analysis (shared by every user) holds integers and a user's matcher compares integers.
 *
 * Text keys are found straight from a reading's UTF-16 units: the usual word is already known, and finding it
 * that way costs no string. The dictionary is bounded: once it holds `maxKeys` keys it starts afresh at the next
 * analysis, and its generation changes, which tells analyses and matchers holding older ids to rebuild them.
 */
import { randomBytes } from 'node:crypto'
import { unitsToString } from './normalize.js'

const DEFAULT_MAX_KEYS = 500_000
const INITIAL_SLOTS = 1 << 12
/** FNV-1a over UTF-16 units, from a start of the dictionary's (FNV's own offset basis, or a random one). */
export const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193

export function hashStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, FNV_PRIME)
}

export function hashOfString(key: string, start: number): number {
  let hash = start
  for (let index = 0; index < key.length; index++) hash = hashStep(hash, key.charCodeAt(index))
  return hash
}

function sameUnits(key: string, units: Uint16Array, start: number, end: number, suffix: number): boolean {
  const length = end - start
  let same = key.length === (suffix === -1 ? length : length + 1)
  for (let index = 0; same && index < length; index++) same = key.charCodeAt(index) === units[start + index]
  return same && (suffix === -1 || key.charCodeAt(length) === suffix)
}

export class KeyDictionary {
  /** Changes whenever ids are given anew: ids from another generation mean nothing. */
  generation = 0
  private keys: string[] = []
  private hashes = new Int32Array(INITIAL_SLOTS / 2)
  /** open addressing: id + 1, 0 for an empty slot */
  private slots = new Int32Array(INITIAL_SLOTS)

  /**
   * Where hashes start, random by default: words crafted to share a hash under FNV's own start (and make
   * lookups slow) share none under another.
   */
  readonly hashStart: number

  constructor(
    private maxKeys = DEFAULT_MAX_KEYS,
    hashStart?: number
  ) {
    this.hashStart = hashStart ?? randomBytes(4).readInt32LE()
  }

  get size(): number {
    return this.keys.length
  }

  /** Clears the dictionary when it is full: call it before an analysis, whose ids must all be of one generation. */
  startAnalysis(): number {
    if (this.keys.length >= this.maxKeys) this.clear()
    return this.generation
  }

  configure(maxKeys: number): void {
    this.maxKeys = maxKeys
    this.clear()
  }

  clear(): void {
    this.keys = []
    this.hashes = new Int32Array(INITIAL_SLOTS / 2)
    this.slots = new Int32Array(INITIAL_SLOTS)
    this.generation++
  }

  idOf(key: string): number {
    const hash = hashOfString(key, this.hashStart)
    const mask = this.slots.length - 1
    let slot = hash & mask
    let id = this.slots[slot]! - 1
    while (id >= 0 && !(this.hashes[id] === hash && this.keys[id] === key)) {
      slot = (slot + 1) & mask
      id = this.slots[slot]! - 1
    }
    return id >= 0 ? id : this.add(key, hash, slot)
  }

  /**
   * The id of units[start, end) followed by `suffix` (a unit, or -1 for none), whose hash the caller computed
   * with hashStep from hashStart, suffix included.
   */
  idOfUnits(hash: number, units: Uint16Array, start: number, end: number, suffix = -1): number {
    const mask = this.slots.length - 1
    let slot = hash & mask
    let id = this.slots[slot]! - 1
    while (id >= 0 && !(this.hashes[id] === hash && sameUnits(this.keys[id]!, units, start, end, suffix))) {
      slot = (slot + 1) & mask
      id = this.slots[slot]! - 1
    }
    if (id >= 0) return id
    // a string of its own, not a slice keeping a whole text alive
    const key = unitsToString(units.subarray(start), end - start)
    return this.add(suffix === -1 ? key : key + String.fromCharCode(suffix), hash, slot)
  }

  private add(key: string, hash: number, slot: number): number {
    const id = this.keys.length
    this.keys.push(key)
    if (id >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2)
      hashes.set(this.hashes)
      this.hashes = hashes
    }
    this.hashes[id] = hash
    this.slots[slot] = id + 1
    // at most half full, so that a miss ends on an empty slot after a step or two
    if (this.keys.length * 2 > this.slots.length) this.grow()
    return id
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (let id = 0; id < this.keys.length; id++) {
      let slot = this.hashes[id]! & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = id + 1
    }
    this.slots = slots
  }
}

/** One dictionary for the process: analyses are shared between users, so their ids must be too. */
export const wordKeys = new KeyDictionary()
