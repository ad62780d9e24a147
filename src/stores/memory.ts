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
// - Compact: a session is one Map entry, its key one string and its value one string, both
//   one-byte (latin1) strings in which every character is one byte. A one-byte string costs
//   16 bytes of V8 header, where a Uint8Array costs about 200 and an object with a field array
//   about 270, so the 8-field session of bench/memory.bench.ts takes about 250 bytes of heap,
//   Map slot and ID included, against about 540 for express-session's MemoryStore holding the
//   same data as one JSON string (measured on Node 20).
//     The key is the ID decoded from base64url (4 characters → 3 bytes, a shorter tail one
//   byte per character, tagged so that no two IDs share a key), so a Manager's 32-character ID
//   is a 24-character key; an ID with other characters is kept as it is, plus a '\u0100' that
//   keeps it apart from every decoded key (a two-byte string then). Either way the key is a
//   string this store made, never the caller's (which may be a slice of a whole Cookie header).
//     The value packs, in this order: expiresAt and createdAt (a signed varint each: 6 bits and
//   the sign in the first byte, 7 bits in each next; Infinity is "minus zero"), then per field
//   the name (a varint reference into the store's name table, or the name inline, latin1 or
//   UTF-16), the value's length (a varint) and its bytes. Field names are interned: the first
//   NAME_TABLE_MAX distinct names of up to NAME_MAX characters get a number, which is what
//   sessions store (one byte for the first 64); later or longer names are stored inline in each
//   session. The table lives as long as the store (at most about 50 KiB).
//     Every read decodes what it returns and every write re-encodes the session: O(session
//   size) per call, which for a store in memory is the cost of the copy the contract asks for
//   anyway. The flip side: k one-key commits to one session of n fields cost O(k·n), so a
//   session grown by many small commits costs quadratic time in its size (20 000 concurrent
//   one-key commits to one session took ~28 s, 2 500 took 0.4 s); sessions are small, so
//   this is kept over a field-level layout that would cost a Map (~200 bytes) per field. touch (and a commit that changes no field) copies the packed fields as one block,
//   without decoding them. Every string is built in one piece (see "The writer" below), so none
//   is a rope, or a slice holding on to another string.
// - Bytes are counted, not measured: per session a fixed SESSION_OVERHEAD plus the key's bytes
//   plus the packed value's length (see above: a field of an interned name costs its value's
//   length plus 2 for a value under 128 bytes). SESSION_OVERHEAD approximates the Map slot and
//   the two string headers (measured on Node 20). The name table is not counted.
// - Expiry. An expired session is removed when a call finds it, and by `sweep()`, which a
//   timer runs every `sweepInterval` ms (default 60 000; 0: no timer, call sweep() yourself).
//   The timer is unref'd (it never keeps the process alive) and holds the store only weakly, so
//   a store that is dropped without close() can still be collected. The clock is `now`
//   (default Date.now), injectable so tests move time without patching Date.now.
// - LRU order is the Map's insertion order: a use deletes and re-inserts the entry (or, when it
//   is the last one inserted, or in a store of at least 1024 sessions one of the last 64 moved,
//   replaces it in place: re-inserting a few hot keys over and over is pathological in V8's Map,
//   see #use; those are among the newest 64 anyway). Eviction reads the front through an
//   iterator kept from one eviction to the next, since a fresh iterator would walk over the
//   holes that earlier evictions left at the front of V8's table (quadratic in a flood). But an
//   iterator also keeps alive every table the Map has outgrown since it last moved (which
//   doubled the heap of a store that grew without evicting), so it is made only when an
//   eviction is due, and dropped once the Map has changed more times than it held sessions at
//   the last eviction: the walk over holes a fresh one pays is amortized over those changes.
// - Every method runs synchronously to completion inside its promise, so each is atomic;
//   regenerate checks both IDs, builds the moved session and swaps the entries in one such
//   section, so no other call sees both IDs live or neither in between.
// - close() stops the timer and drops every session; later calls reject with
//   SessionError 'STORE_UNAVAILABLE', and sweep() does nothing.
// - Owners (types.ts, "Owners"): the metadata beyond the two times (owner, handle, persist) is
//   kept beside the packed value, in a Map of its own that holds only sessions that have any, so
//   sessions without them cost nothing more; its bytes are not counted (like the name table). The
//   owner index is owner → (handle → key), updated in the same synchronous sections as the
//   sessions (every removal goes through #forget), so it is exact: never a dead entry. At most
//   `maxSessionsPerOwner` (default 1000) sessions per owner: one past the cap evicts the owner's
//   oldest, so listSessions and destroySessions cost O(cap) whatever an owner (or a bot) does.

import { SessionError, configError } from '../errors.js'
import type { CommitBatch, DestroyFilter, FieldValues, OwnedSession, RegenerateResult, SessionMeta, SessionRecord, Store } from './types.js'

export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used are evicted beyond it. Default 100 000. */
  maxSessions?: number
  /** Most bytes kept (as counted, see the module comment). Default 64 MiB. */
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
 * Counted per session on top of its key's and its packed value's length: the Map slot and the
 * two string headers (see the module comment).
 */
export const SESSION_OVERHEAD = 80
/** At most this many field names are interned per store… */
const NAME_TABLE_MAX = 256
/** …each of at most this many characters. */
const NAME_MAX = 64
/** Bytes turned into a string per String.fromCharCode call (its arguments go on the stack). */
const CHUNK = 8192
/** Values and blocks longer than this go into a packed session as strings of their own. */
const INLINE_MAX = 256
const MAX_TIMER_MS = 2_147_483_647

// ## The writer: every string this store keeps is built here, in one piece.
//
// Bytes go into `codes`, a plain array that String.fromCharCode turns into a one-byte string at
// once; a big value, or a block copied from a packed session, goes in as a string of its own
// (a `piece`), and the pieces are joined. Either way the result is one flat string: never a rope
// of pieces nor a slice keeping a larger string alive. The store is synchronous, so one writer
// serves every call; begin() resets it, so a build abandoned by a throw leaves nothing behind.
// Only a caller's own code run in the middle of a build (a Proxy's trap, a Map's iterator) could
// start another one: the generation number makes the outer build fail rather than store what
// the inner one left.

const fromCharCode = String.fromCharCode
/**
 * codes[0, pending) are the bytes not yet in a piece. Small integers only (`| 0`), so that the
 * array stays one of SMIs: once it held a double, every fromCharCode.apply of it got slower.
 */
const codes: number[] = []
let pending = 0
const pieces: string[] = []
let generation = 0

/** Starts a build; finish() takes the number it returns. */
function begin(): number {
  pending = 0
  pieces.length = 0
  return ++generation
}

/** The string of codes[0, pending). */
function codesString(): string {
  codes.length = pending
  pending = 0
  return fromCharCode.apply(null, codes)
}

function flushCodes(): void {
  if (pending > 0) pieces.push(codesString())
}

/** One byte. */
function put(b: number): void {
  codes[pending++] = b | 0
  if (pending >= CHUNK) flushCodes()
}

/** An unsigned varint: 7 bits per byte, least significant first, the top bit set on all but the last. */
function putU(x: number): void {
  while (x >= 128) {
    put(128 + (x % 128))
    x = Math.floor(x / 128)
  }
  put(x)
}

/**
 * A time: a safe integer, or Infinity. The first byte holds the continuation bit, the sign and
 * the low 6 bits of the magnitude; the next ones 7 bits each. Infinity is "minus zero" (0x40).
 * Arithmetic rather than bitwise operators: magnitudes go up to 2^53.
 */
function putTime(x: number): void {
  if (x === Infinity) return put(0x40)
  let m = Math.abs(x)
  const low = m % 64
  m = Math.floor(m / 64)
  put((m > 0 ? 128 : 0) + (x < 0 ? 64 : 0) + low)
  if (m > 0) putU(m)
}

/** The bytes of `v`, one character each. */
function putBytes(v: Uint8Array): void {
  const n = v.length
  if (n > INLINE_MAX) {
    flushCodes()
    for (let i = 0; i < n; i += CHUNK) pieces.push(fromCharCode.apply(null, v.subarray(i, i + CHUNK) as unknown as number[]))
  } else {
    for (let i = 0; i < n; i++) put(v[i]!)
  }
}

/** A block of a packed session, as it is: the join copies it in one go. */
function putBlock(s: string, start: number, end: number): void {
  if (end - start < 8) {
    for (let i = start; i < end; i++) put(s.charCodeAt(i))
  } else {
    flushCodes()
    pieces.push(s.slice(start, end)) // a slice only until the join copies it
  }
}

/**
 * The string written since begin(). Every build starts with put() (a session with its expiry),
 * so a lone piece is never a slice: it is fresh from fromCharCode, and two or more are joined.
 */
function finish(build: number): string {
  if (build !== generation) throw new TypeError('the MemoryStore was called again while it was packing a session')
  if (pieces.length === 0) return codesString()
  flushCodes()
  let out: string
  try {
    out = pieces.length === 1 ? pieces[0]! : pieces.join('')
  } catch (e) {
    if (e instanceof RangeError) throw new SessionError('TOO_LARGE', 'a session does not fit in one string of the MemoryStore', { cause: e })
    throw e
  } finally {
    pieces.length = 0
  }
  return out
}

/** A flat string of these UTF-16 code units. */
function ofUnits(units: number[]): string {
  if (units.length <= CHUNK) return fromCharCode.apply(null, units)
  const parts: string[] = []
  for (let i = 0; i < units.length; i += CHUNK) parts.push(fromCharCode.apply(null, units.slice(i, i + CHUNK)))
  return parts.join('')
}

/** A fresh flat copy of `s`. */
function copy(s: string): string {
  const units: number[] = []
  for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i))
  return ofUnits(units)
}

/** A fresh Uint8Array of the characters [start, end) of the one-byte string `s`. */
function bytesOf(s: string, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start)
  for (let i = start, j = 0; i < end; i++, j++) out[j] = s.charCodeAt(i)
  return out
}

/** Where the last read* call stopped. The store is synchronous, so one variable serves all. */
let at = 0

function readU(s: string, i: number): number {
  let b = s.charCodeAt(i++)
  let v = b & 127
  let scale = 128
  while (b & 128) {
    b = s.charCodeAt(i++)
    v += (b & 127) * scale
    scale *= 128
  }
  at = i
  return v
}

function readS(s: string, i: number): number {
  let b = s.charCodeAt(i++)
  const negative = (b & 64) !== 0
  let v = b & 63
  let scale = 64
  while (b & 128) {
    b = s.charCodeAt(i++)
    v += (b & 127) * scale
    scale *= 128
  }
  at = i
  return negative ? (v === 0 ? Infinity : -v) : v
}

/** A packed session's expiry (its first varint). */
const expiresOf = (packed: string): number => readS(packed, 0)

// ## Keys

/** base64url character → its 6 bits, -1 for any other ASCII character. */
const SEXTET = new Int8Array(128).fill(-1)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) SEXTET[c.charCodeAt(0)] = i

const sextet = (id: string, i: number): number => {
  const c = id.charCodeAt(i)
  return c < 128 ? SEXTET[c]! : -1
}

/**
 * The Map key of session `id`. A base64url ID of 4k + r characters becomes 3k bytes for its
 * whole groups, then r bytes (a character's 6 bits each), then for r = 3 one byte 0xFF: key
 * lengths 3k, 3k + 1 (last byte < 64), 3k + 2 and 3k + 4 (last byte 0xFF) tell the four tails
 * apart, so two IDs never share a key. Any other ID is kept whole, followed by '\u0100', which
 * no decoded key contains. The result is always a new flat string.
 */
// The last ID and its key: a request's load and commit ask for the same one back to back, and
// decoding it was ~10% of a read+write request's CPU in a profile. (Holds one caller string.)
let memoId = ''
let memoKey = ''

function keyOf(id: string): string {
  if (id === memoId) return memoKey
  const key = decodeKey(id)
  memoId = id
  memoKey = key
  return key
}

function decodeKey(id: string): string {
  const n = id.length
  const r = n & 3
  const whole = n - r
  const build = begin()
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(id, i)
    const b = sextet(id, i + 1)
    const c = sextet(id, i + 2)
    const d = sextet(id, i + 3)
    if ((a | b | c | d) < 0) return [id, '\u0100'].join('')
    put((a << 2) | (b >> 4))
    put(((b & 15) << 4) | (c >> 2))
    put(((c & 3) << 6) | d)
  }
  for (let i = whole; i < n; i++) {
    const s = sextet(id, i)
    if (s < 0) return [id, '\u0100'].join('')
    put(s)
  }
  if (r === 3) put(0xff)
  return finish(build)
}

/** Bytes a key takes: one per character, two for a kept-whole (two-byte) one. */
const keyBytes = (key: string): number => (key.charCodeAt(key.length - 1) === 0x100 ? 2 * key.length : key.length)

/** Counted bytes of one session. */
const sizeOf = (key: string, packed: string): number => SESSION_OVERHEAD + keyBytes(key) + packed.length

// ## Checks

function isBytes(v: unknown): v is Uint8Array {
  // The second test admits a Uint8Array from another realm (vm, iframe), never an Int8Array.
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Uint8Array')
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`session id must be a non-empty string, got ${typeof id}`)
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`field name must be a string, got ${typeof name}`)
}

function checkValue(name: string, value: unknown): asserts value is Uint8Array {
  if (!isBytes(value)) throw new TypeError(`store value of field ${JSON.stringify(name)} must be a Uint8Array, got ${typeof value}`)
}

function checkTime(what: string, ms: unknown, infinite: boolean): asserts ms is number {
  if (!(Number.isSafeInteger(ms) || (infinite && ms === Infinity))) {
    throw new TypeError(`${what} must be integer milliseconds since the epoch${infinite ? ' or Infinity' : ''}, got ${String(ms)}`)
  }
}

/** The batch's expiry and deleted names; the set values are checked as they are packed. */
function checkBatch(batch: CommitBatch): void {
  checkTime('expiresAt', batch?.expiresAt, true)
  checkExtra(batch.owner, batch.handle, batch.persist, true)
  if (batch.delete !== undefined) for (const name of batch.delete) checkName(name)
}

/** The batch's metadata entries, checked like the rest of the contract (TypeError: a caller bug). */
function checkExtra(owner: unknown, handle: unknown, persist: unknown, nullable: boolean): void {
  if (owner !== undefined && !(typeof owner === 'string' && owner !== '') && !(nullable && owner === null)) throw new TypeError(`owner must be a non-empty string${nullable ? ' or null' : ''}, got ${typeof owner}`)
  if (handle !== undefined && !(typeof handle === 'string' && handle !== '')) throw new TypeError(`handle must be a non-empty string, got ${typeof handle}`)
  if (persist !== undefined && typeof persist !== 'boolean') throw new TypeError(`persist must be a boolean, got ${typeof persist}`)
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

/** How many of the latest moves to the back of the LRU order are remembered (see #use)... */
const RECENT = 64
/** ...in stores allowed at least this many sessions; smaller ones keep the order exact. */
const RECENT_MIN = 1024

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
  readonly maxSessionsPerOwner: number
  readonly #now: () => number
  /** Key → the session's metadata beyond its times (see the module comment). */
  readonly #extra = new Map<string, Extra>()
  /** Owner → handle → key, in the order they were indexed (created, given the owner, regenerated): the first is the oldest. */
  readonly #owners = new Map<string, Map<string, string>>()
  /** Key (see keyOf) → packed session (see the module comment). */
  readonly #map = new Map<string, string>()
  /** Reads the LRU front; every entry it has passed was removed, so it is the front. */
  #cursor: MapIterator<string> | undefined
  /** The key inserted last, while it is in the Map: the back of the LRU order. */
  #last: string | undefined
  /** Changes to the Map since the cursor last moved… */
  #stale = 0
  /** …and how many sessions it held then. */
  #mark = 0
  #bytes = 0
  /** Keys moved to the back within the last RECENT moves (stores of at least RECENT_MIN only). */
  readonly #recent: Set<string> | undefined
  readonly #ring: (string | undefined)[] = []
  #ringAt = 0
  /** Interned field names: number → name, and back. */
  readonly #names: string[] = []
  readonly #nameIds = new Map<string, number>()
  #timer: ReturnType<typeof setInterval> | undefined
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object')
    this.maxSessions = limit('maxSessions', options.maxSessions, 100_000)
    this.maxBytes = limit('maxBytes', options.maxBytes, 64 * 1024 * 1024)
    this.maxSessionsPerOwner = limit('maxSessionsPerOwner', options.maxSessionsPerOwner, 1000)
    const interval = options.sweepInterval ?? 60_000
    if (!Number.isSafeInteger(interval) || interval < 0 || interval > MAX_TIMER_MS) {
      throw configError('sweepInterval', interval, `integer milliseconds from 1 to ${MAX_TIMER_MS}, or 0 for no timer`)
    }
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

  /** Bytes held, as counted (see the module comment). */
  get bytes(): number {
    return this.#bytes
  }

  async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    this.#open()
    checkId(id)
    checkTime('createdAt', meta?.createdAt, false)
    checkTime('expiresAt', meta.expiresAt, true)
    checkExtra(meta.owner, meta.handle, meta.persist, false)
    if (meta.owner !== undefined && meta.handle === undefined) throw new TypeError('a session with an owner needs a handle')
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
        this.#putField(name, value)
      }
    }
    const packed = finish(build)
    const size = sizeOf(key, packed)
    this.#fits(size)
    if (meta.expiresAt <= now) return true // created and at once expired: nothing to keep
    this.#put(key, packed)
    this.#bytes += size
    if (meta.owner !== undefined || meta.handle !== undefined || meta.persist !== undefined) {
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
      const name = this.#readName(packed, i)
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
    this.#use(key, packed)
    const expiresAt = readS(packed, 0)
    const createdAt = readS(packed, at)
    const values = new Array<Uint8Array | undefined>(names.length).fill(undefined)
    // One pass over the fields; each asked name takes the first match (names are unique).
    const n = packed.length
    let i = at
    let left = names.length
    while (i < n && left > 0) {
      const name = this.#readName(packed, i)
      const len = readU(packed, at)
      const start = at
      i = start + len
      for (let k = 0; k < names.length; k++) {
        if (values[k] === undefined && names[k] === name) {
          values[k] = bytesOf(packed, start, i)
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
    if (newKey === oldKey || this.#live(newKey, now) !== undefined) return 'taken'
    const packed = this.#applied(old, batch)
    const size = sizeOf(newKey, packed)
    this.#fits(size)
    const extra = this.#extra.get(oldKey)
    this.#remove(oldKey, old)
    if (expiresOf(packed) <= now) return 'ok' // moved and at once expired: nothing to keep
    this.#put(newKey, packed)
    this.#bytes += size
    if (extra !== undefined) this.#setExtra(newKey, { ...extra }) // the same handle, at the new key
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
    checkExtra(owner, undefined, undefined, false)
    const now = this.#now()
    const out: OwnedSession[] = []
    for (const [handle, key] of [...(this.#owners.get(owner) ?? [])]) {
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
    checkExtra(owner, undefined, undefined, false)
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
    if (extra?.owner === undefined || extra.handle === undefined) return
    const index = this.#owners.get(extra.owner)
    if (index?.get(extra.handle) !== key) return
    index.delete(extra.handle)
    if (index.size === 0) this.#owners.delete(extra.owner)
  }

  /** Drops the extras of a session that is gone (every removal but the LRU move comes here). */
  #forget(key: string): void {
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
    if (clear || (deletes !== undefined && deletes.length > 0) || (set !== undefined && set.size > 0)) {
      // What the session will hold: name → where its field starts in `old`, or its new value.
      // Checked in full before anything is written, so a bad value leaves the session as it was.
      const next = new Map<string, number | Uint8Array>()
      if (!clear) {
        const n = old.length
        let i = start
        while (i < n) {
          next.set(this.#readName(old, i), i)
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
          this.#readName(old, field)
          const end = readU(old, at) + at
          if (field !== runEnd) {
            putBlock(old, runStart, runEnd)
            runStart = field
          }
          runEnd = end
        } else {
          putBlock(old, runStart, runEnd)
          runStart = runEnd = 0
          this.#putField(name, field)
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
    if (this.#closed) return 0
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
    if (this.#closed) return
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.#map.clear()
    this.#extra.clear()
    this.#owners.clear()
    this.#cursor = undefined
    this.#last = undefined
    this.#recent?.clear()
    this.#ring.length = 0
    this.#names.length = 0
    this.#nameIds.clear()
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

  /** One packed field: the name, the value's length, the value. */
  #putField(name: string, value: Uint8Array): void {
    this.#putName(name)
    putU(value.length)
    putBytes(value)
  }

  /**
   * A name as packed: uvarint(2 × its number) for an interned name; else uvarint(4 × length + 1)
   * and its characters for a name of one-byte characters, or uvarint(4 × length + 3) and its
   * UTF-16 code units (high byte first) for any other.
   */
  #putName(name: string): void {
    let ref = this.#nameIds.get(name)
    if (ref === undefined && this.#names.length < NAME_TABLE_MAX && name.length <= NAME_MAX) {
      ref = this.#names.length
      const own = copy(name) // the table's own string, not a slice of something of the caller's
      this.#names.push(own)
      this.#nameIds.set(own, ref)
    }
    if (ref !== undefined) return putU(2 * ref)
    const n = name.length
    let wide = false
    for (let i = 0; i < n && !wide; i++) wide = name.charCodeAt(i) > 0xff
    if (!wide) {
      putU(4 * n + 1)
      for (let i = 0; i < n; i++) put(name.charCodeAt(i))
    } else {
      putU(4 * n + 3)
      for (let i = 0; i < n; i++) {
        const c = name.charCodeAt(i)
        put(c >> 8)
        put(c & 0xff)
      }
    }
  }

  /** The name packed at `i`; `at` is left after it. */
  #readName(packed: string, i: number): string {
    const ref = readU(packed, i)
    if (ref % 2 === 0) return this.#names[ref / 2]!
    const n = Math.floor(ref / 4)
    const start = at
    if (ref % 4 === 1) {
      at = start + n
      return packed.slice(start, at)
    }
    at = start + 2 * n
    const units: number[] = []
    for (let j = start; j < at; j += 2) units.push((packed.charCodeAt(j) << 8) | packed.charCodeAt(j + 1))
    return ofUnits(units)
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
    } else {
      this.#use(key, packed)
      this.#evict()
    }
  }

  #fits(size: number): void {
    if (size > this.maxBytes) {
      // The ID is a bearer secret: it never goes into a message.
      throw new SessionError('TOO_LARGE', `a session of ${size} bytes does not fit in the MemoryStore (maxBytes ${this.maxBytes})`)
    }
  }

  // Every change to the Map but eviction's goes through #put and #delete, which count it: a cursor
  // that has stood still through more changes than the Map held sessions when it last moved is
  // dropped (see the module comment).

  /** Inserts at the back of the Map's order. */
  #put(key: string, packed: string): void {
    this.#map.set(key, packed)
    this.#last = key
    if (this.#cursor !== undefined && ++this.#stale > this.#mark) this.#cursor = undefined
  }

  #delete(key: string): void {
    this.#map.delete(key)
    if (key === this.#last) this.#last = undefined
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
      const old = ring[this.#ringAt]
      if (old !== undefined) recent.delete(old)
      ring[this.#ringAt] = key
      recent.add(key)
      this.#ringAt = (this.#ringAt + 1) % RECENT
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
    while (map.size > this.maxSessions || this.#bytes > this.maxBytes) {
      let r = this.#cursor?.next()
      if (r === undefined || r.done) {
        this.#cursor = map.keys()
        r = this.#cursor.next()
        if (r.done) break
      }
      const key = r.value
      this.#bytes -= sizeOf(key, map.get(key)!)
      map.delete(key)
      this.#forget(key)
      if (key === this.#last) this.#last = undefined
    }
    this.#stale = 0
    this.#mark = map.size
  }
}
