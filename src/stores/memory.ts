// The in-process store: sessions in a Map, for development, tests and single-process servers.
// It follows the contract in ./types.ts; the decisions of its own:
//
// - Bounded. At most `maxSessions` sessions and about `maxBytes` bytes (defaults 100 000 and
//   64 MiB; Infinity lifts a limit). When a write takes the store over either limit, the least
//   recently used other sessions are dropped until it fits. Eviction is this store's policy, not
//   an error: an evicted session reads as missing, exactly like an expired one, and its user
//   starts a fresh session. "Used" means created, loaded, read with getMulti, committed or
//   touched; destroy and sweep do not count. A single session that alone is larger than
//   maxBytes is refused with SessionError 'TOO_LARGE' (create and commit write nothing then,
//   and evict nothing), never silently dropped.
// - Bytes are counted, not measured: per session a fixed SESSION_OVERHEAD plus the ID's length,
//   and per field a fixed FIELD_OVERHEAD plus the name's length and the value's byte length.
//   The overheads approximate what V8 spends on a session of small fields (measured on Node 20).
// - Expiry. An expired session is removed when a call finds it, and by `sweep()`, which a
//   timer runs every `sweepInterval` ms (default 60 000; 0: no timer, call sweep() yourself).
//   The timer is unref'd (it never keeps the process alive) and holds the store only weakly, so
//   a store that is dropped without close() can still be collected. The clock is `now`
//   (default Date.now), injectable so tests move time without patching Date.now.
// - Compact. Small values (up to INLINE_MAX bytes) are kept as one-byte strings, one character
//   per byte; larger ones as private Uint8Array copies. A Uint8Array costs about 200 bytes of
//   V8 objects beyond its contents, a one-byte string about 20, so a session of three small
//   fields takes about 420 bytes of heap, ID included (measured on Node 20; the same data as one
//   JSON string per session, the way express-session's MemoryStore keeps it, about 380), where
//   a Map of Uint8Arrays per session takes about 1 000. Entry arrays are made at their exact
//   size. The conversion doubles as the copy the contract asks for on the way in and out.
// - LRU order is the Map's insertion order: a use deletes and re-inserts the entry (under the
//   ID string it was created with, so a caller's sliced string never becomes a key). Eviction
//   reads the front through one long-lived iterator, since a fresh iterator would walk over the
//   holes that earlier evictions left at the front of V8's table (quadratic in a flood).
// - Every method runs synchronously to completion inside its promise, so each is atomic.
// - close() stops the timer and drops every session; later calls reject with
//   SessionError 'STORE_UNAVAILABLE', and sweep() does nothing.

import { SessionError, configError } from '../errors'
import type { CommitBatch, FieldValues, SessionMeta, SessionRecord, Store } from './types'

export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used are evicted beyond it. Default 100 000. */
  maxSessions?: number
  /** Most bytes kept (as counted, see the module comment). Default 64 MiB. */
  maxBytes?: number
  /** Milliseconds between sweeps of expired sessions; 0 for no timer. Default 60 000. */
  sweepInterval?: number
  /** The clock expiry is checked against, in ms since the epoch. Default Date.now. */
  now?: () => number
}

/** Counted per session on top of its ID and fields: Map slot, entry object, field array. */
export const SESSION_OVERHEAD = 256
/** Counted per field on top of its name and value: two array slots and a string header. */
export const FIELD_OVERHEAD = 40
/** Values up to this many bytes are kept as one-byte strings, larger ones as Uint8Arrays. */
const INLINE_MAX = 256
const MAX_TIMER_MS = 2_147_483_647

/** A stored value: a one-byte string (char code = byte) or a private Uint8Array. Both have `.length`. */
type Stored = string | Uint8Array

class Entry {
  constructor(
    /** The key this entry is stored under (re-inserted with this very string). */
    readonly id: string,
    readonly createdAt: number,
    public expiresAt: number,
    /** name, value, name, value, … */
    public fields: Stored[],
    /** Counted bytes. */
    public size: number,
  ) {}
}

function isBytes(v: unknown): v is Uint8Array {
  // The second test admits a Uint8Array from another realm (vm, iframe), never an Int8Array.
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Uint8Array')
}

/** A private copy of `v` in the stored representation. */
function toStored(name: string, v: unknown): Stored {
  if (!isBytes(v)) throw new TypeError(`store value of field ${JSON.stringify(name)} must be a Uint8Array, got ${typeof v}`)
  if (v.length > INLINE_MAX) return new Uint8Array(v)
  return String.fromCharCode.apply(null, v as unknown as number[])
}

/** A fresh Uint8Array for the caller. */
function fromStored(s: Stored): Uint8Array {
  if (typeof s !== 'string') return s.slice()
  const n = s.length
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i)
  return out
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`session id must be a non-empty string, got ${typeof id}`)
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`field name must be a string, got ${typeof name}`)
}

function checkTime(what: string, ms: unknown, infinite: boolean): asserts ms is number {
  if (!(Number.isSafeInteger(ms) || (infinite && ms === Infinity))) {
    throw new TypeError(`${what} must be integer milliseconds since the epoch${infinite ? ' or Infinity' : ''}, got ${String(ms)}`)
  }
}

function sizeOf(id: string, fields: readonly Stored[]): number {
  let size = SESSION_OVERHEAD + id.length
  for (let i = 0; i < fields.length; i++) size += fields[i]!.length + (i & 1 ? 0 : FIELD_OVERHEAD)
  return size
}

function limit(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (value === Infinity || (Number.isSafeInteger(value) && (value as number) >= 1)) return value as number
  throw configError(option, value, 'a positive integer, or Infinity for no limit')
}

function unref(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && typeof (timer as { unref?: unknown }).unref === 'function') {
    ;(timer as { unref(): void }).unref()
  } else if (typeof timer === 'number') {
    ;(globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(timer)
  }
}

/**
 * Sessions in process memory, bounded and LRU-evicted. See the module comment.
 *
 * @example
 * const store = new MemoryStore({ maxSessions: 10_000 })
 * const manager = new Manager({ store, secrets: [secret] })
 */
export class MemoryStore implements Store {
  readonly maxSessions: number
  readonly maxBytes: number
  /** ms; 0 when there is no sweep timer. */
  readonly sweepInterval: number
  readonly #now: () => number
  readonly #map = new Map<string, Entry>()
  /** Reads the LRU front; every entry it has passed was removed, so it is the front. */
  #cursor: MapIterator<Entry>
  #bytes = 0
  #timer: ReturnType<typeof setInterval> | undefined
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object')
    this.maxSessions = limit('maxSessions', options.maxSessions, 100_000)
    this.maxBytes = limit('maxBytes', options.maxBytes, 64 * 1024 * 1024)
    const interval = options.sweepInterval ?? 60_000
    if (!Number.isSafeInteger(interval) || interval < 0 || interval > MAX_TIMER_MS) {
      throw configError('sweepInterval', interval, `integer milliseconds from 1 to ${MAX_TIMER_MS}, or 0 for no timer`)
    }
    this.sweepInterval = interval
    const now = options.now ?? Date.now
    if (typeof now !== 'function') throw configError('now', typeof now, 'a function returning milliseconds since the epoch')
    this.#now = now
    this.#cursor = this.#map.values()
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

  /** Bytes held, as counted (see the module comment). */
  get bytes(): number {
    return this.#bytes
  }

  async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    this.#open()
    checkId(id)
    checkTime('createdAt', meta?.createdAt, false)
    checkTime('expiresAt', meta.expiresAt, true)
    const now = this.#now()
    if (this.#live(id, now)) return false
    // Exact size: push would leave spare capacity in every entry.
    const flat = new Array<Stored>(fields === undefined ? 0 : fields.size * 2)
    if (fields !== undefined) {
      let i = 0
      for (const [name, value] of fields) {
        checkName(name)
        flat[i++] = name
        flat[i++] = toStored(name, value)
      }
      if (i !== flat.length) throw new TypeError('fields changed size while being read')
    }
    const size = sizeOf(id, flat)
    this.#fits(size)
    if (meta.expiresAt <= now) return true // created and at once expired: nothing to keep
    this.#map.set(id, new Entry(id, meta.createdAt, meta.expiresAt, flat, size))
    this.#bytes += size
    this.#evict()
    return true
  }

  async load(id: string): Promise<SessionRecord | null> {
    this.#open()
    checkId(id)
    const e = this.#live(id, this.#now())
    if (!e) return null
    this.#use(e)
    const fields = new Map<string, Uint8Array>()
    const f = e.fields
    for (let i = 0; i < f.length; i += 2) fields.set(f[i] as string, fromStored(f[i + 1]!))
    return { meta: { createdAt: e.createdAt, expiresAt: e.expiresAt }, fields }
  }

  async getMulti(id: string, names: readonly string[]): Promise<FieldValues | null> {
    this.#open()
    checkId(id)
    for (const name of names) checkName(name)
    const e = this.#live(id, this.#now())
    if (!e) return null
    this.#use(e)
    const f = e.fields
    const values: (Uint8Array | undefined)[] = []
    if (f.length <= 16 || names.length <= 1) {
      for (const name of names) {
        let v: Uint8Array | undefined
        for (let i = 0; i < f.length; i += 2) {
          if (f[i] === name) {
            v = fromStored(f[i + 1]!)
            break
          }
        }
        values.push(v)
      }
    } else {
      const index = new Map<string, Stored>()
      for (let i = 0; i < f.length; i += 2) index.set(f[i] as string, f[i + 1]!)
      for (const name of names) {
        const s = index.get(name)
        values.push(s === undefined ? undefined : fromStored(s))
      }
    }
    return { meta: { createdAt: e.createdAt, expiresAt: e.expiresAt }, values }
  }

  async commit(id: string, batch: CommitBatch): Promise<boolean> {
    this.#open()
    checkId(id)
    checkTime('expiresAt', batch?.expiresAt, true)
    const { set, delete: deletes, clear } = batch
    if (deletes !== undefined) for (const name of deletes) checkName(name)
    const now = this.#now()
    const e = this.#live(id, now)
    if (!e) return false
    let fields = e.fields
    if (clear || (deletes !== undefined && deletes.length > 0) || (set !== undefined && set.size > 0)) {
      // Build the next field list aside, so that a bad value or TOO_LARGE leaves e untouched.
      const next = new Map<string, Stored>()
      if (!clear) for (let i = 0; i < fields.length; i += 2) next.set(fields[i] as string, fields[i + 1]!)
      if (deletes !== undefined) for (const name of deletes) next.delete(name)
      if (set !== undefined) {
        for (const [name, value] of set) {
          checkName(name)
          next.set(name, toStored(name, value))
        }
      }
      fields = new Array<Stored>(next.size * 2)
      let i = 0
      for (const [name, value] of next) {
        fields[i++] = name
        fields[i++] = value
      }
    }
    const size = fields === e.fields ? e.size : sizeOf(e.id, fields)
    this.#fits(size)
    this.#bytes += size - e.size
    e.size = size
    e.fields = fields
    e.expiresAt = batch.expiresAt
    if (e.expiresAt <= now) {
      this.#remove(e)
    } else {
      this.#use(e)
      this.#evict()
    }
    return true
  }

  async touch(id: string, expiresAt: number): Promise<boolean> {
    this.#open()
    checkId(id)
    checkTime('expiresAt', expiresAt, true)
    const now = this.#now()
    const e = this.#live(id, now)
    if (!e) return false
    e.expiresAt = expiresAt
    if (expiresAt <= now) this.#remove(e)
    else this.#use(e)
    return true
  }

  async destroy(id: string): Promise<void> {
    this.#open()
    checkId(id)
    const e = this.#map.get(id)
    if (e) this.#remove(e)
  }

  /** Removes every expired session now and returns how many it removed. The timer calls this. */
  sweep(): number {
    if (this.#closed) return 0
    const now = this.#now()
    let removed = 0
    for (const e of this.#map.values()) {
      if (e.expiresAt <= now) {
        this.#remove(e)
        removed++
      }
    }
    return removed
  }

  /** Stops the sweep timer and drops every session. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#map.clear()
    this.#cursor = this.#map.values()
    this.#bytes = 0
  }

  #open(): void {
    if (this.#closed) throw new SessionError('STORE_UNAVAILABLE', 'the MemoryStore was closed')
  }

  /** The live entry of `id`; an expired one is removed on the way. */
  #live(id: string, now: number): Entry | undefined {
    const e = this.#map.get(id)
    if (e === undefined) return undefined
    if (e.expiresAt <= now) {
      this.#remove(e)
      return undefined
    }
    return e
  }

  #fits(size: number): void {
    if (size > this.maxBytes) {
      // The ID is a bearer secret: it never goes into a message.
      throw new SessionError('TOO_LARGE', `a session of ${size} bytes does not fit in the MemoryStore (maxBytes ${this.maxBytes})`)
    }
  }

  /** Marks `e` most recently used: to the back of the Map's order. */
  #use(e: Entry): void {
    this.#map.delete(e.id)
    this.#map.set(e.id, e)
  }

  #remove(e: Entry): void {
    this.#map.delete(e.id)
    this.#bytes -= e.size
  }

  /** Drops least recently used sessions until both limits hold. The newest never goes: it fits alone. */
  #evict(): void {
    while (this.#map.size > this.maxSessions || this.#bytes > this.maxBytes) {
      let r = this.#cursor.next()
      if (r.done) {
        this.#cursor = this.#map.values()
        r = this.#cursor.next()
        if (r.done) return
      }
      this.#remove(r.value)
    }
  }
}
