// The packed session of the MemoryStore: one one-byte (latin1) string per session, every
// character one byte, so a session costs one string header instead of an object per field
// (docs/decisions/memory-store.md has the measurements). In this order:
//
//   expiresAt, createdAt   a signed varint each (putTime): 6 bits and the sign in the first byte,
//                          7 bits in each next; Infinity is "minus zero" (0x40)
//   then per field         the name (see NameTable), the value's length (an unsigned varint:
//                          7 bits a byte, least significant first) and the value's bytes
//
// Every string is built here, in one piece (the writer below): never a rope, nor a slice that
// keeps a larger string alive. Reads leave their end in `at`. The store is synchronous, so one
// writer and one `at` serve every call.

import { SessionError } from '../../errors.js'

/** At most this many field names are interned per store… */
const NAME_TABLE_MAX = 256
/** …each of at most this many characters. */
const NAME_MAX = 64
/** Bytes turned into a string per String.fromCharCode call (its arguments go on the stack). */
const CHUNK = 8192
/** Values and blocks longer than this go into a packed session as strings of their own. */
const INLINE_MAX = 256

// ## The writer
//
// Bytes go into `codes`, a plain array that String.fromCharCode turns into a one-byte string at
// once; a big value, or a block copied from a packed session, goes in as a string of its own
// (a `piece`), and the pieces are joined. begin() resets the writer, so a build abandoned by a
// throw leaves nothing behind. Only a caller's own code run in the middle of a build (a Proxy's
// trap, a Map's iterator) could start another one: the generation number makes the outer build
// fail rather than store what the inner one left.

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
export function begin(): number {
  pending = 0
  pieces.length = 0
  // Stryker disable next-line UpdateOperator: equivalent, any change of the number tells one build from the next, and counting down changes it too
  return ++generation
}

/** The string of codes[0, pending). */
function codesString(): string {
  codes.length = pending
  pending = 0
  return fromCharCode.apply(null, codes)
}

function flushCodes(): void {
  // Stryker disable next-line ConditionalExpression: equivalent for true only (an empty piece adds nothing to the join); false, which drops the bytes, the big-value tests kill
  if (pending !== 0) pieces.push(codesString())
}

/** One byte. */
export function put(b: number): void {
  codes[pending++] = b | 0
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent but for false (never flushing, which the many-fields test kills): a piece cut after any other count joins to the same string
  if (pending >= CHUNK) flushCodes()
}

/** An unsigned varint: 7 bits per byte, least significant first, the top bit set on all but the last. */
export function putU(x: number): void {
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
export function putTime(x: number): void {
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
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a value put byte by byte or as a piece of its own joins to the same string; the bound only picks the faster way
  if (n > INLINE_MAX) {
    flushCodes()
    for (let i = 0; i !== n; i = Math.min(i + CHUNK, n)) pieces.push(fromCharCode.apply(null, v.subarray(i, i + CHUNK) as unknown as number[]))
  } else {
    for (let i = 0; i < n; i++) put(v[i]!)
  }
}

/** A block of a packed session, as it is: the join copies it in one go. */
export function putBlock(s: string, start: number, end: number): void {
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: equivalent, a block copied byte by byte or as a slice joins to the same string; the bound only picks the faster way
  if (end - start < 8) {
    for (let i = start; i < end; i++) put(s.charCodeAt(i))
  } else {
    flushCodes()
    pieces.push(s.slice(start, end)) // a slice only until the join copies it
  }
}

/**
 * The string written since begin(). Every build starts with put() (a session with its expiry,
 * a key with its first byte), so the result is never a slice: it is fresh from fromCharCode, or
 * the pieces joined.
 */
export function finish(build: number): string {
  if (build !== generation) throw new TypeError('the MemoryStore was called again while it was packing a session')
  // Stryker disable next-line ConditionalExpression: equivalent for false only (the codes are then flushed into one piece, and joined alone); true, which drops the pieces, the big-value tests kill
  if (pieces.length === 0) return codesString()
  flushCodes()
  let out: string
  try {
    out = pieces.join('')
  } catch (e) {
    // Joining strings throws nothing but a RangeError: the string would be longer than the engine allows.
    pieces.length = 0
    throw new SessionError('TOO_LARGE', 'a session does not fit in one string of the MemoryStore', { cause: e })
  }
  pieces.length = 0 // begin() would empty them too; this lets them go sooner
  return out
}

/** A flat string of these UTF-16 code units (CHUNK of them per call: a call's arguments go on the stack). */
function ofUnits(units: number[]): string {
  const n = units.length
  const parts: string[] = []
  for (let i = 0; i !== n; i = Math.min(i + CHUNK, n)) parts.push(fromCharCode.apply(null, units.slice(i, i + CHUNK)))
  return parts.join('')
}

/** A fresh flat copy of `s`. */
function copy(s: string): string {
  const units: number[] = []
  for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i))
  return ofUnits(units)
}

// ## The reader

/** A fresh Uint8Array of the characters [start, end) of the one-byte string `s`. */
export function bytesOf(s: string, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start)
  for (let i = start, j = 0; i !== end; i++, j++) out[j] = s.charCodeAt(i)
  return out
}

/** Where the last read stopped. */
export let at = 0

/** The unsigned varint at `i`. */
export function readU(s: string, i: number): number {
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

/** The time at `i` (see putTime). */
export function readS(s: string, i: number): number {
  let b = s.charCodeAt(i++)
  const negative = (b & 64) !== 0
  let v = b & 63
  for (let scale = 64; b & 128; scale *= 128) {
    b = s.charCodeAt(i++)
    v += (b & 127) * scale
  }
  at = i
  return negative ? (v === 0 ? Infinity : -v) : v
}

/** A packed session's expiry (its first varint). */
export const expiresOf = (packed: string): number => readS(packed, 0)

// ## Field names

/**
 * A store's interned field names: the first NAME_TABLE_MAX distinct names of up to NAME_MAX
 * characters get a number, which is what sessions store (one byte for the first 64); later or
 * longer names are stored inline in each session. The table lives as long as the store (at most
 * about 50 KiB) and is not counted in its bytes.
 */
export class NameTable {
  /** Number → name, and back. */
  readonly #names: string[] = []
  readonly #ids = new Map<string, number>()

  /** One packed field: the name, the value's length, the value. */
  putField(name: string, value: Uint8Array): void {
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
    let ref = this.#ids.get(name)
    if (ref === undefined && this.#names.length < NAME_TABLE_MAX && name.length <= NAME_MAX) {
      ref = this.#names.length
      const own = copy(name) // the table's own string, not a slice of something of the caller's
      this.#names.push(own)
      this.#ids.set(own, ref)
    }
    if (ref !== undefined) return putU(2 * ref)
    const n = name.length
    let wide = false
    for (let i = 0; i !== n && !wide; i++) wide = name.charCodeAt(i) > 0xff
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
  readName(packed: string, i: number): string {
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

  // Stryker disable next-line BlockStatement: equivalent, only close() clears the table, and a closed store packs nothing again
  clear(): void {
    this.#names.length = 0
    this.#ids.clear()
  }
}
