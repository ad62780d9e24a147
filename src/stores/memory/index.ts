// The in-process store (simplesessions/stores/memory): sessions in one Map, for development,
// tests and single-process servers. It follows the contract in ../types.ts; its own rules (the
// reasons and the measurements behind them: docs/decisions/memory-store.md):
//
// - Bounded: at most `maxSessions` sessions and about `maxBytes` bytes (defaults 100 000 and
//   64 MiB; Infinity lifts a limit). A write past either evicts the least recently used other
//   sessions: an evicted session reads as missing, like an expired one, never as an error. A
//   session larger than maxBytes on its own is refused with 'TOO_LARGE', writing and evicting
//   nothing. "Used": created, loaded, read with getMulti, committed or touched.
// - Compact: a session is one Map entry of two one-byte strings, its key (./keys.ts) and its
//   packed value (./record.ts). Bytes are counted, not measured: SESSION_OVERHEAD plus the key's
//   and the packed value's length (field names and the owner metadata are not counted).
// - Expiry: an expired session is removed when a call finds it, and by sweep(), which a timer
//   runs every `sweepInterval` ms (0: none). The timer is unref'd and holds the store weakly, so it
//   never keeps a process or a dropped store alive. The clock (`now`) is injectable.
// - Atomic: every method runs synchronously to completion inside its promise; regenerate checks
//   both IDs and swaps the entries in one such section. After close(), calls reject
//   'STORE_UNAVAILABLE'.
// - Owners: owner, handle and persist are kept beside the packed value, only for sessions that
//   have any; the owner index is updated in the same sections, so it is exact, and holds at most
//   `maxSessionsPerOwner` (default 1000) sessions an owner: one more evicts the owner's oldest.

import { SessionError, configError } from '../../errors.js'
import { checkCreateMeta, checkId, checkMeta, checkName, checkOptions, checkValue, checkTime, timerOption } from '../checks.js'
import type { CommitBatch, DestroyFilter, FieldValues, OwnedSession, RegenerateResult, SessionMeta, SessionRecord, Store } from '../types.js'
import { keyBytes, keyOf } from './keys.js'
import { NameTable, at, begin, bytesOf, expiresOf, finish, putBlock, putTime, readS, readU } from './record.js'

/**
 * Options of a {@link MemoryStore}; every one has a default.
 *
 * @example
 * import { MemoryStore, type MemoryStoreOptions } from 'simplesessions/stores/memory'
 *
 * const options: MemoryStoreOptions = { maxSessions: 10_000, maxBytes: 16 * 1024 * 1024, sweepInterval: 0 }
 * const store = new MemoryStore(options)
 */
export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used are evicted beyond it. Default 100 000. */
  maxSessions?: number
  /** Most bytes kept, as counted (see SESSION_OVERHEAD). Default 64 MiB. */
  maxBytes?: number
  /** Milliseconds between sweeps of expired sessions; 0 for no timer. Default 60 000. */
  sweepInterval?: number
  /** The clock expiry is checked against, in ms since the epoch. Default Date.now. */
  now?: () => number
  /** Most sessions of one owner; a new one beyond it evicts the owner's oldest. Default 1000. */
  maxSessionsPerOwner?: number
}

/** A session's metadata beyond its two times; only sessions that have some get an entry. */
interface Extra {
  owner?: string
  handle?: string
  persist?: boolean
}

/**
 * Counted per session on top of its key's and its packed value's length: about what the Map
 * slot and the two string headers take (measured on Node 20; docs/decisions/memory-store.md).
 *
 * @example
 * import { MemoryStore, SESSION_OVERHEAD } from 'simplesessions/stores/memory'
 *
 * // Room for 100 000 sessions of about 500 bytes each, as counted.
 * const store = new MemoryStore({ maxSessions: 100_000, maxBytes: 100_000 * (SESSION_OVERHEAD + 500) })
 */
export const SESSION_OVERHEAD = 80

/** Counted bytes of one session. */
const sizeOf = (key: string, packed: string): number => SESSION_OVERHEAD + keyBytes(key) + packed.length

/**
 * The batch's expiry, metadata and deleted names; the set values are checked as they are packed.
 * (checkBatchMeta's two checks written out: one call less on every commit, measurable here.)
 */
function checkBatch(batch: CommitBatch): void {
  checkTime('expiresAt', batch?.expiresAt, true)
  checkMeta(batch.owner, batch.handle, batch.persist, true)
  if (batch.delete !== undefined) for (const name of batch.delete) checkName(name)
}

function limit(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (value === Infinity || (Number.isSafeInteger(value) && (value as number) >= 1)) return value as number
  throw configError(option, value, 'a positive integer, or Infinity for no limit')
}

function unref(timer: unknown): void {
  // Node's and Bun's timers are objects with unref(); a number (Deno, workerd, browsers) has none.
  if (typeof (timer as { unref?: unknown } | null | undefined)?.unref === 'function') {
    ;(timer as { unref(): void }).unref()
  } else if (typeof timer === 'number') {
    ;(globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(timer)
  }
}

/** How many of the latest moves to the back of the LRU order are remembered (see #use)... */
const RECENT = 64
/** ...in stores allowed at least this many sessions; smaller ones keep the order exact. */
const RECENT_MIN = 1024

/**
 * Sessions in process memory, bounded and LRU-evicted: for development, tests and
 * single-process servers (sessions are lost when the process ends). At most `maxSessions`
 * sessions and about `maxBytes` bytes; a write past either evicts the least recently used, which
 * then read as missing. Expired sessions are swept every `sweepInterval` ms by a timer that
 * never keeps the process alive.
 *
 * @example
 * import { Manager } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * const store = new MemoryStore({ maxSessions: 10_000 })
 * const manager = new Manager({ store, secrets: [process.env.SESSION_SECRET!] })
 */
export class MemoryStore implements Store {
  /** Most sessions kept (Infinity: no limit). */
  readonly maxSessions: number
  /** Most bytes kept, as counted (Infinity: no limit). */
  readonly maxBytes: number
  /** ms; 0 when there is no sweep timer. */
  readonly sweepInterval: number
  /** Most sessions of one owner. */
  readonly maxSessionsPerOwner: number
  readonly #now: () => number
  /** Key → the session's metadata beyond its times (see the module comment). */
  readonly #extra = new Map<string, Extra>()
  /** Owner → handle → key, in the order they were indexed (created, given the owner, regenerated): the first is the oldest. */
  readonly #owners = new Map<string, Map<string, string>>()
  /** Key (./keys.ts) → packed session (./record.ts); its order is the LRU order, the front the least recently used. */
  readonly #map = new Map<string, string>()
  /** Reads the LRU front; every entry it has passed was removed, so it is the front. */
  #cursor: MapIterator<string> | undefined
  /**
   * The key inserted last: the back of the LRU order while it is in the Map. Deleted, it stays
   * until the next insert; it can be used again only after #put, which sets this.
   */
  #last: string | undefined
  /** Changes to the Map since the cursor last moved… */
  #stale = 0
  /** …and how many sessions it held then. */
  #mark = 0
  #bytes = 0
  /** Keys moved to the back within the last RECENT moves (stores of at least RECENT_MIN only). */
  readonly #recent: Set<string> | undefined
  // Stryker disable next-line ArrayDeclaration: equivalent, a made-up first slot names no key in the set: the first move deletes it from the set, which does nothing, and overwrites it
  readonly #ring: (string | undefined)[] = []
  #ringAt = 0
  /** Interned field names (see NameTable). */
  readonly #names = new NameTable()
  #timer: ReturnType<typeof setInterval> | undefined
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    checkOptions(options)
    this.maxSessions = limit('maxSessions', options.maxSessions, 100_000)
    this.maxBytes = limit('maxBytes', options.maxBytes, 64 * 1024 * 1024)
    this.maxSessionsPerOwner = limit('maxSessionsPerOwner', options.maxSessionsPerOwner, 1000)
    const interval = timerOption('sweepInterval', options.sweepInterval, 60_000, 'for no timer')
    this.sweepInterval = interval
    this.#recent = this.maxSessions >= RECENT_MIN ? new Set() : undefined
    const now = options.now ?? Date.now
    if (typeof now !== 'function') throw configError('now', typeof now, 'a function returning milliseconds since the epoch')
    this.#now = now
    if (interval > 0) {
      const self = new WeakRef(this)
      const timer = setInterval(() => {
        const store = self.deref()
        if (store) store.sweep()
        else clearInterval(timer)
      }, interval)
      unref(timer)
      this.#timer = timer
    }
  }

  /** Sessions held, counting expired ones not yet removed. */
  get size(): number {
    return this.#map.size
  }

  /** Bytes held, as counted (see SESSION_OVERHEAD). */
  get bytes(): number {
    return this.#bytes
  }

  async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    this.#open()
    checkId(id)
    checkCreateMeta(meta)
    const now = this.#now()
    const key = keyOf(id)
    if (this.#live(key, now) !== undefined) return false
    const build = begin()
    putTime(meta.expiresAt)
    putTime(meta.createdAt)
    if (fields !== undefined) {
      for (const [name, value] of fields) {
        checkName(name)
        checkValue(name, value)
        this.#names.putField(name, value)
      }
    }
    const packed = finish(build)
    const size = sizeOf(key, packed)
    this.#fits(size)
    if (meta.expiresAt <= now) return true // created and at once expired: nothing to keep
    this.#put(key, packed)
    this.#bytes += size
    // (An owner comes with a handle: checkCreateMeta refuses one without.)
    if (meta.handle !== undefined || meta.persist !== undefined) {
      const extra: Extra = {}
      if (meta.owner !== undefined) extra.owner = meta.owner
      if (meta.handle !== undefined) extra.handle = meta.handle
      if (meta.persist !== undefined) extra.persist = meta.persist
      this.#setExtra(key, extra)
    }
    this.#evict()
    return true
  }

  async load(id: string): Promise<SessionRecord | null> {
    this.#open()
    checkId(id)
    const key = keyOf(id)
    const packed = this.#live(key, this.#now())
    if (packed === undefined) return null
    this.#use(key, packed)
    const expiresAt = readS(packed, 0)
    const createdAt = readS(packed, at)
    const fields = new Map<string, Uint8Array>()
    const n = packed.length
    let i = at
    while (i < n) {
      const name = this.#names.readName(packed, i)
      const len = readU(packed, at)
      i = at + len
      fields.set(name, bytesOf(packed, at, i))
    }
    return { meta: this.#meta(key, createdAt, expiresAt), fields }
  }

  async getMulti(id: string, names: readonly string[]): Promise<FieldValues | null> {
    this.#open()
    checkId(id)
    for (const name of names) checkName(name)
    const key = keyOf(id)
    const packed = this.#live(key, this.#now())
    if (packed === undefined) return null
    const values = new Array<Uint8Array | undefined>(names.length).fill(undefined)
    this.#use(key, packed)
    const expiresAt = readS(packed, 0)
    const createdAt = readS(packed, at)
    // One pass over the fields; each asked name takes the first match (names are unique).
    const n = packed.length
    let i = at
    let left = names.length
    while (
      i < n &&
      // Stryker disable next-line ConditionalExpression: equivalent, `left` only ends the scan early: every slot takes its value at its first match either way
      left !== 0
    ) {
      const name = this.#names.readName(packed, i)
      const len = readU(packed, at)
      const start = at
      i = start + len
      // Stryker disable next-line EqualityOperator: equivalent for <= only (names[names.length] is undefined, never a name); >=, which skips the loop, the getMulti tests kill
      for (let k = 0; k < names.length; k++) {
        if (
          names[k] === name &&
          // Stryker disable next-line ConditionalExpression: equivalent, a packed session's names are unique, so no slot matches twice
          values[k] === undefined
        ) {
          values[k] = bytesOf(packed, start, i)
          // Stryker disable next-line UpdateOperator: equivalent, `left` only ends the scan early, every slot takes its value at its first match either way
          left--
        }
      }
    }
    return { meta: this.#meta(key, createdAt, expiresAt), values }
  }

  async commit(id: string, batch: CommitBatch): Promise<boolean> {
    this.#open()
    checkId(id)
    checkBatch(batch)
    const now = this.#now()
    const key = keyOf(id)
    const old = this.#live(key, now)
    if (old === undefined) return false
    this.#replace(key, old, this.#applied(old, batch), now)
    if (this.#map.has(key)) this.#changeExtra(key, batch)
    return true
  }

  async regenerate(oldId: string, newId: string, batch: CommitBatch): Promise<RegenerateResult> {
    this.#open()
    checkId(oldId)
    checkId(newId)
    checkBatch(batch)
    const now = this.#now()
    const oldKey = keyOf(oldId)
    const newKey = keyOf(newId)
    const old = this.#live(oldKey, now)
    if (old === undefined) return 'gone'
    if (this.#live(newKey, now) !== undefined) return 'taken' // the old ID too: it was just found live
    const packed = this.#applied(old, batch)
    const size = sizeOf(newKey, packed)
    this.#fits(size)
    const extra = this.#extra.get(oldKey)
    this.#remove(oldKey, old)
    if (expiresOf(packed) <= now) return 'ok' // moved and at once expired: nothing to keep
    this.#put(newKey, packed)
    this.#bytes += size
    this.#setExtra(newKey, { ...extra }) // the same handle, at the new key (no extras: no entry)
    this.#changeExtra(newKey, batch)
    this.#evict()
    return 'ok'
  }

  /**
   * The owner's live sessions (see the module comment): O(the owner's sessions), at most
   * maxSessionsPerOwner. Not a use: the LRU order stays as it was.
   */
  async listSessions(owner: string): Promise<OwnedSession[]> {
    this.#open()
    checkMeta(owner, undefined, undefined, false)
    const now = this.#now()
    const index = this.#owners.get(owner)
    if (index === undefined) return []
    const out: OwnedSession[] = []
    for (const [handle, key] of [...index]) {
      const packed = this.#live(key, now)
      if (packed === undefined) continue
      const expiresAt = readS(packed, 0)
      out.push({ handle, createdAt: readS(packed, at), expiresAt })
    }
    return out
  }

  /** Ends the owner's sessions that `filter` selects, as destroy does; resolves to how many live ones it ended. */
  async destroySessions(owner: string, filter: DestroyFilter = {}): Promise<number> {
    this.#open()
    checkMeta(owner, undefined, undefined, false)
    const only = filter.only === undefined ? undefined : new Set(filter.only)
    const now = this.#now()
    let ended = 0
    for (const [handle, key] of [...(this.#owners.get(owner) ?? [])]) {
      if (handle === filter.except || (only !== undefined && !only.has(handle))) continue
      const packed = this.#map.get(key)!
      if (expiresOf(packed) > now) ended++
      this.#remove(key, packed)
    }
    return ended
  }

  /** A session's metadata as load returns it: the times, and its extras when it has any. */
  #meta(key: string, createdAt: number, expiresAt: number): SessionMeta {
    const extra = this.#extra.get(key)
    // Stryker disable next-line ConditionalExpression: equivalent for false only (spreading undefined adds nothing); true, which drops the extras, the metadata tests kill
    return extra === undefined ? { createdAt, expiresAt } : { createdAt, expiresAt, ...extra }
  }

  /** Applies a batch's metadata (owner, handle, persist) to the live session under `key`. */
  #changeExtra(key: string, batch: CommitBatch): void {
    const { owner, handle, persist } = batch
    if (owner === undefined && handle === undefined && persist === undefined) return
    const next: Extra = { ...this.#extra.get(key) }
    if (owner === null) delete next.owner
    else if (owner !== undefined) next.owner = owner
    if (handle !== undefined && next.handle === undefined) next.handle = handle
    if (persist !== undefined) next.persist = persist
    this.#setExtra(key, next)
  }

  /** Replaces the extras of `key` and its place in the owner index; the owner's oldest goes past the cap. */
  #setExtra(key: string, extra: Extra): void {
    this.#unindex(key)
    // Stryker disable next-line BlockStatement: equivalent, an empty entry reads as no extras everywhere; deleting it only frees it
    if (extra.owner === undefined && extra.handle === undefined && extra.persist === undefined) {
      this.#extra.delete(key)
      return
    }
    this.#extra.set(key, extra)
    if (extra.owner === undefined || extra.handle === undefined) return
    let index = this.#owners.get(extra.owner)
    if (index === undefined) this.#owners.set(extra.owner, (index = new Map()))
    index.set(extra.handle, key)
    if (index.size > this.maxSessionsPerOwner) {
      const oldest = index.values().next().value!
      this.#remove(oldest, this.#map.get(oldest)!)
    }
  }

  /** Takes `key` out of its owner's index, if it is in one. */
  #unindex(key: string): void {
    const extra = this.#extra.get(key)
    if (
      extra?.owner === undefined ||
      // Stryker disable next-line ConditionalExpression: equivalent, no index holds an undefined handle, so the lookup below returns too
      extra.handle === undefined
    )
      return
    const index = this.#owners.get(extra.owner)
    if (index?.get(extra.handle) !== key) return
    index.delete(extra.handle)
    if (index.size === 0) this.#owners.delete(extra.owner)
  }

  /** Drops the extras of a session that is gone (every removal but the LRU move comes here). */
  #forget(key: string): void {
    // Stryker disable next-line ConditionalExpression: equivalent for false only (a shortcut: with no extras at all there is nothing to unindex or delete); true, which keeps a removed session's extras, the owner-index tests kill
    if (this.#extra.size === 0) return
    this.#unindex(key)
    this.#extra.delete(key)
  }

  /** The packed session `old` after `batch`; throws (writing nothing) on a bad value. */
  #applied(old: string, batch: CommitBatch): string {
    const { set, delete: deletes, clear } = batch
    readS(old, 0)
    const createdEnd = at
    readS(old, createdEnd)
    const start = at
    let packed: string
    if (
      // Stryker disable next-line ConditionalExpression: equivalent for true only (a batch that changes no field packs the same string on the full path: this only skips decoding the fields); false, which drops every change, the commit tests kill
      clear ||
      ((deletes !== undefined && deletes.length) || (set !== undefined && set.size))
    ) {
      // What the session will hold: name → where its field starts in `old`, or its new value.
      // Checked in full before anything is written, so a bad value leaves the session as it was.
      const next = new Map<string, number | Uint8Array>()
      if (!clear) {
        const n = old.length
        let i = start
        while (i < n) {
          next.set(this.#names.readName(old, i), i)
          i = readU(old, at) + at
        }
      }
      if (deletes !== undefined) for (const name of deletes) next.delete(name)
      if (set !== undefined) {
        for (const [name, value] of set) {
          checkName(name)
          checkValue(name, value)
          next.set(name, value)
        }
      }
      const build = begin()
      putTime(batch.expiresAt)
      // createdAt and the kept fields are copied from `old`, a run of adjacent ones as one block.
      let runStart = createdEnd
      let runEnd = start
      for (const [name, field] of next) {
        if (typeof field === 'number') {
          this.#names.readName(old, field)
          const end = readU(old, at) + at
          // Stryker disable next-line ConditionalExpression: equivalent for true only (a run cut at every field copies the same bytes; joining adjacent fields only saves pieces); false, which joins fields a deleted one separated, the delete tests kill
          if (field !== runEnd) {
            putBlock(old, runStart, runEnd)
            runStart = field
          }
          runEnd = end
        } else {
          putBlock(old, runStart, runEnd)
          runStart = runEnd = 0
          this.#names.putField(name, field)
        }
      }
      putBlock(old, runStart, runEnd)
      packed = finish(build)
    } else {
      const build = begin()
      putTime(batch.expiresAt)
      putBlock(old, createdEnd, old.length)
      packed = finish(build)
    }
    return packed
  }

  async touch(id: string, expiresAt: number): Promise<boolean> {
    this.#open()
    checkId(id)
    checkTime('expiresAt', expiresAt, true)
    const now = this.#now()
    const key = keyOf(id)
    const old = this.#live(key, now)
    if (old === undefined) return false
    readS(old, 0)
    const build = begin()
    putTime(expiresAt)
    putBlock(old, at, old.length) // the fields as they are, without decoding them
    this.#replace(key, old, finish(build), now)
    return true
  }

  async destroy(id: string): Promise<void> {
    this.#open()
    checkId(id)
    const key = keyOf(id)
    const packed = this.#map.get(key)
    if (packed !== undefined) this.#remove(key, packed)
  }

  /** Removes every expired session now and returns how many it removed. The timer calls this. */
  sweep(): number {
    if (this.#closed) return 0 // without reading the clock
    const now = this.#now()
    let removed = 0
    for (const [key, packed] of this.#map) {
      if (expiresOf(packed) <= now) {
        this.#remove(key, packed)
        removed++
      }
    }
    return removed
  }

  /** Stops the sweep timer and drops every session. Idempotent. */
  close(): void {
    this.#closed = true
    clearInterval(this.#timer) // undefined, when there is no timer or it was cleared: nothing to do
    this.#timer = undefined
    this.#map.clear()
    this.#extra.clear()
    this.#owners.clear()
    this.#cursor = undefined
    this.#last = undefined
    this.#recent?.clear()
    this.#ring.length = 0
    this.#names.clear()
    this.#bytes = 0
  }

  #open(): void {
    if (this.#closed) throw new SessionError('STORE_UNAVAILABLE', 'the MemoryStore was closed')
  }

  /** The packed live session under `key`; an expired one is removed on the way. */
  #live(key: string, now: number): string | undefined {
    const packed = this.#map.get(key)
    if (packed === undefined) return undefined
    if (expiresOf(packed) <= now) {
      this.#remove(key, packed)
      return undefined
    }
    return packed
  }

  /** Replaces the live session `old` under `key` by `packed`, as a use (or removes it, when already expired). */
  #replace(key: string, old: string, packed: string, now: number): void {
    const size = sizeOf(key, packed)
    this.#fits(size)
    this.#bytes += size - sizeOf(key, old)
    if (expiresOf(packed) <= now) {
      this.#delete(key)
      this.#forget(key)
      this.#bytes -= size
    } else if (this.#bytes > this.maxBytes) {
      // An eviction is due: the session goes to the very back, even one #use would leave in
      // place, so the eviction starts with others; alone it fits, so it is never the one to go.
      this.#delete(key)
      this.#put(key, packed)
      this.#evict()
    } else {
      this.#use(key, packed)
    }
  }

  #fits(size: number): void {
    if (size > this.maxBytes) {
      // The ID is a bearer secret: it never goes into a message.
      throw new SessionError('TOO_LARGE', `a session of ${size} bytes does not fit in the MemoryStore (maxBytes ${this.maxBytes})`)
    }
  }

  // Eviction reads the front through an iterator kept from one eviction to the next: a fresh one
  // would walk over the holes that earlier evictions left at the front of V8's table (quadratic
  // in a flood). But an iterator also keeps alive every table the Map has outgrown since it last
  // moved, so it is made only when an eviction is due, and dropped once the Map has changed more
  // times than it held sessions at the last eviction: the walk over holes a fresh one pays is
  // amortized over those changes. Every change to the Map but eviction's goes through #put and
  // #delete, which count it.

  /** Inserts at the back of the Map's order. */
  #put(key: string, packed: string): void {
    this.#map.set(key, packed)
    this.#last = key
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,UpdateOperator: equivalent, the kept cursor and a fresh one read the same front (it passed only evicted entries); when to drop it only bounds the memory it keeps alive
    if (this.#cursor !== undefined && ++this.#stale > this.#mark) this.#cursor = undefined
  }

  #delete(key: string): void {
    this.#map.delete(key)
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,UpdateOperator: equivalent, the kept cursor and a fresh one read the same front (it passed only evicted entries); when to drop it only bounds the memory it keeps alive
    if (this.#cursor !== undefined && ++this.#stale > this.#mark) this.#cursor = undefined
  }

  /** Stores `packed` as the session under `key`, most recently used: at the back of the Map's order. */
  #use(key: string, packed: string): void {
    const recent = this.#recent
    if (key === this.#last || recent?.has(key)) {
      // Replaced in place, not moved to the back. A delete and re-insert of one key leaves a
      // hole in its bucket's chain each time, which V8 walks on every call until the table is
      // next rebuilt: a few sessions used over and over in a large store cost ~20-30 us a call
      // (measured, 100k sessions). So a session moved within the last RECENT moves stays put: it
      // is among the newest RECENT anyway, and in stores that small the order is exact.
      this.#map.set(key, packed)
      return
    }
    this.#delete(key)
    this.#put(key, packed)
    if (recent) {
      const ring = this.#ring
      // The move RECENT moves ago leaves the set (before the ring's first lap its slot is empty,
      // and deleting undefined does nothing).
      recent.delete(ring[this.#ringAt]!)
      ring[this.#ringAt] = key
      recent.add(key)
      // Stryker disable next-line ArithmeticOperator: equivalent, counting down from 0 walks 64 slots too (-1 to -63, then -0, which is 0)
      const next = this.#ringAt + 1
      this.#ringAt = next % RECENT
    }
  }

  #remove(key: string, packed: string): void {
    this.#delete(key)
    this.#forget(key)
    this.#bytes -= sizeOf(key, packed)
  }

  /** Drops least recently used sessions until both limits hold. The newest never goes: it fits alone. */
  #evict(): void {
    const map = this.#map
    if (map.size <= this.maxSessions && this.#bytes <= this.maxBytes) return
    do {
      let r = (this.#cursor ??= map.keys()).next()
      // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, never done: every live entry is after the cursor (it passed only evicted ones, and the newest is never evicted), and a fresh one reads the same front
      if (r.done) {
        this.#cursor = map.keys()
        r = this.#cursor.next()
        // Stryker disable next-line ConditionalExpression: equivalent, never reached: the session just written fits both limits alone, so the loop ends before the Map does
        if (r.done) break
      }
      const key = r.value
      this.#bytes -= sizeOf(key, map.get(key)!)
      map.delete(key)
      this.#forget(key)
    } while (
      this.#bytes > this.maxBytes ||
      // Stryker disable next-line ConditionalExpression: equivalent, a write adds one session at most, so the first eviction brought the count back within maxSessions
      map.size > this.maxSessions
    )
    this.#stale = 0
    this.#mark = map.size
  }
}