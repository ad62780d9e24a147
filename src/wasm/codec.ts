// The codec's side of the WASM boundary: the only code that reads and writes the codec's memory
// (the format itself is in assembly/codec.ts; the public API and its documentation in src/codec.ts).
//
// Encode: `put` walks the value, classifies each item by its JS type and writes the encode
// stream (8-byte entries: kind, length or count, then an f64 / 64-bit payload or a string's UTF-16
// code units) into CODEC_STREAM; codecEncode frames it in the arena. Long strings are written by
// TextEncoder.encodeInto straight into the arena, long byte arrays copied there, and framed in
// place. The result is copied out of WASM memory.
// Decode: the bytes are copied into the arena, codecDecode validates them and writes the tape;
// `value` walks the tape and builds the values. Short strings come from the UTF-16 code units the
// core wrote (one String.fromCharCode call), long ones from TextDecoder on bytes the core has
// validated; object keys go through the key cache (see assembly/codec.ts).
//
// Nothing here is re-entrant: a getter or proxy trap that calls the codec while it is encoding
// gets a CODEC error (a flag guards every entry point).

import { onCore } from './index.js'
import { f64, i32, i64, refresh, u16, u64, u8 } from './memory.js'
import type { CoreExports, CodecExports } from './abi.js'
import {
  CODEC_K_NULL as K_NULL,
  CODEC_K_FALSE as K_FALSE,
  CODEC_K_TRUE as K_TRUE,
  CODEC_K_NUMBER as K_NUMBER,
  CODEC_K_DATE as K_DATE,
  CODEC_K_BIG_I64 as K_BIG_I64,
  CODEC_K_BIG_U64 as K_BIG_U64,
  CODEC_K_BIG_NEG as K_BIG_NEG,
  CODEC_K_STR16 as K_STR16,
  CODEC_K_STR8 as K_STR8,
  CODEC_K_BYTES as K_BYTES,
  CODEC_K_ARRAY as K_ARRAY,
  CODEC_K_OBJECT as K_OBJECT,
  CODEC_K_KEY_HIT as K_KEY_HIT,
  CODEC_K_KEY_MISS as K_KEY_MISS,
  CODEC_K_CHECK as K_CHECK,
  CODEC_E_TRUNCATED,
  CODEC_E_TAG,
  CODEC_E_TRAILING,
  CODEC_E_UTF8,
  CODEC_E_DEPTH,
  CODEC_E_VERSION,
  CODEC_E_VARINT,
  CODEC_E_RANGE,
  CODEC_E_FLOAT,
  CODEC_E_NOT_OBJECT,
  CODEC_E_TOO_LARGE,
  CODEC_E_SURROGATE,
  CODEC_E_NAN,
  CODEC_E_INVALID_DATE,
  CODEC_E_ORDER,
  CODEC_DONE,
  CODEC_ENC_FIRST,
  CODEC_ENC_LAST,
  CODEC_ENC_FIELDS,
  CODEC_KEY_SLOTS,
} from './abi.js'
import { SessionError } from '../errors.js'
import type { Value } from '../value.js'

// Set from the core once it is ready (at import, except in the browser build: ./index.ts).
let e!: CoreExports & CodecExports

// State block: [0] arena address, [1] arena capacity, [2] errAt (i32 indexes).
let STATE = 0
let TAPE = 0 // i32 index of the first tape entry
let STREAM = 0 // byte address
let STREAM_END = 0
/** Room for any fixed-size stream entry (16 bytes) must remain before one is written. */
let STREAM_LIMIT = 0

onCore((c) => {
  e = c.exports as CoreExports & CodecExports
  STATE = e.codecState() >> 2
  TAPE = e.codecTape() >> 2
  STREAM = e.codecStream()
  STREAM_END = STREAM + e.codecStreamSize()
  STREAM_LIMIT = STREAM_END - 16
})

/**
 * Strings of more UTF-16 code units than this (and byte arrays of more bytes) skip the stream:
 * TextEncoder.encodeInto (or a copy) writes them straight into the arena. Below it a JS loop of
 * charCodeAt into the stream (~1.5 ns a unit) is cheaper than the flush and two extra calls.
 */
const LONG = 64

const fcc = String.fromCharCode
const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()
const getProto = Object.getPrototypeOf
const setProto = Object.setPrototypeOf
const hasOwn = Object.hasOwn
const defineProperty = Object.defineProperty
const objectKeys = Object.keys
const ObjectProto = Object.prototype
const ArrayProto = Array.prototype
const DateProto = Date.prototype
const dateGetTime = Date.prototype.getTime
const NativeDate = Date
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/\p{Cs}/u.test(s)

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const U64_MAX = 2n ** 64n - 1n
const NEG_MIN = -(2n ** 64n)

let busy = false

function enter(): void {
  if (busy) {
    throw new SessionError('CODEC', 'the codec was called re-entrantly (from a getter or proxy trap of a value being encoded)')
  }
  busy = true
}

// ---------------------------------------------------------------------------------------------
// Encode

let w = STREAM // stream write cursor (byte address)
let started = false // codecEncode has been called with ENC_FIRST for this value
let chunk = 0 // stream flushes so far
let maxBytes = 0
let maxDepth = 0
let fieldsFlag = 0
let polluted = false

// Errors carry the position of the failing item: (chunk, offset in the stream at its start). The
// message then gets the item's path from a replay of the walk that stops there (`locating`): the
// walk itself keeps no path, which would cost a store per item.
let locating = false
let locateChunk = -1
let locateAt = -1
/** While locating: path[d] is the key or index of the item at depth d + 1. */
const path: (string | number)[] = []

/** "<subject> cannot be encoded (at <path>)<detail>". */
class Failure {
  constructor(
    readonly subject: string,
    readonly detail: string,
    readonly chunk: number,
    readonly at: number,
  ) {}
}
class Located {
  constructor(readonly depth: number) {}
}

/** Throws for the item that starts at the current position (the replay finds its path). */
function fail(subject: string, detail = ''): never {
  throw new Failure(subject, detail, chunk, w)
}

function tooLarge(): never {
  throw new SessionError('TOO_LARGE', `the encoded value is larger than maxBytes (${maxBytes} bytes)`)
}

function flush(): void {
  if (!locating) {
    const r = e.codecEncode(w - STREAM, started ? 0 : CODEC_ENC_FIRST | fieldsFlag, maxBytes, maxDepth)
    started = true
    if (r < 0) coreFailed(r, STREAM + i32[STATE + 2]!)
    if (u8.byteLength === 0) refresh()
  }
  chunk++
  w = STREAM
}

/** An error of the core about the item at `at` (a stream address) of the current chunk. */
function coreFailed(code: number, at: number): never {
  switch (code) {
    case CODEC_E_TOO_LARGE:
      tooLarge()
    case CODEC_E_NAN:
      throw new Failure('NaN', '', chunk, at)
    case CODEC_E_INVALID_DATE:
      throw new Failure('an Invalid Date', '', chunk, at)
    case CODEC_E_SURROGATE:
      throw new Failure(SURROGATE, NO_SURROGATES, chunk, at)
    case CODEC_E_DEPTH:
      throw new Failure(deep(), CYCLE, chunk, at)
    default:
      throw new SessionError('CODEC', `internal codec error ${code} (a bug: please report it)`)
  }
}

const SURROGATE = 'a string with a lone surrogate (U+D800..U+DFFF)'
const SUPPORTED =
  ': supported are null, boolean, number (not NaN), bigint (-2^64..2^64-1), string, Uint8Array, Date, ' +
  'and arrays and plain objects of these'
const CYCLE = ' (is there a cycle?)'
const NO_SURROGATES = ': UTF-8 cannot represent it'

function deep(): string {
  return `arrays and objects nested deeper than maxDepth (${maxDepth})`
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined'
  if (typeof v === 'number') return String(v)
  if (typeof v === 'bigint') return `the bigint ${v} (outside -2^64..2^64-1)`
  if (typeof v === 'function') return `a function${v.name ? ` (${v.name})` : ''}`
  if (typeof v === 'symbol') return `a symbol (${v.toString()})`
  if (typeof v === 'object' && v !== null) {
    const proto = getProto(v) as { constructor?: { name?: unknown } } | null
    const name = proto && typeof proto.constructor?.name === 'string' ? proto.constructor.name : 'object'
    return `an instance of ${name}${Array.isArray(v) ? ' (a subclass of Array)' : ''}`
  }
  return typeof v
}

function unsupported(v: unknown): never {
  fail(describe(v), SUPPORTED)
}

function where(depth: number): string {
  if (depth === 0) return ''
  let s = ''
  for (let d = 0; d < depth; d++) {
    if (d === 16 && depth > 20) {
      s += `…(${depth - 16} more)`
      break
    }
    const k = path[d]!
    s += typeof k === 'number' ? `[${k}]` : /^[\p{ID_Start}_$][\p{ID_Continue}$]*$/u.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`
  }
  return ` (at ${s})`
}

/** Writes one value at nesting `depth` (the number of arrays and objects around it). */
function put(v: unknown, depth: number): void {
  if (typeof v === 'string') {
    putString(v, depth)
    return
  }
  if (w > STREAM_LIMIT) flush()
  const at = w
  if (at === locateAt && chunk === locateChunk) throw new Located(depth)
  switch (typeof v) {
    case 'number':
      if (v !== v) fail('NaN')
      i32[at >> 2] = K_NUMBER
      f64[(at >> 3) + 1] = v
      w = at + 16
      return
    case 'boolean':
      i32[at >> 2] = v ? K_TRUE : K_FALSE
      w = at + 8
      return
    case 'bigint':
      if (v >= I64_MIN && v <= I64_MAX) {
        i32[w >> 2] = K_BIG_I64
        i64[(w >> 3) + 1] = v
      } else if (v > 0n && v <= U64_MAX) {
        i32[w >> 2] = K_BIG_U64
        u64[(w >> 3) + 1] = v
      } else if (v < 0n && v >= NEG_MIN) {
        i32[w >> 2] = K_BIG_NEG
        u64[(w >> 3) + 1] = -1n - v
      } else {
        unsupported(v)
      }
      w += 16
      return
    case 'object': {
      if (v === null) {
        i32[w >> 2] = K_NULL
        w += 8
        return
      }
      const proto: unknown = getProto(v)
      if (proto === ObjectProto || proto === null) {
        putObject(v as Record<string, unknown>, depth)
      } else if (proto === ArrayProto) {
        if (depth >= maxDepth) fail(deep(), CYCLE)
        const a = v as unknown[]
        const n = a.length
        i32[w >> 2] = K_ARRAY
        i32[(w >> 2) + 1] = n
        w += 8
        for (let i = 0; i < n; i++) {
          if (locating) path[depth] = i
          put(a[i], depth + 1)
        }
      } else if (proto === DateProto) {
        const t = dateGetTime.call(v as Date)
        if (t !== t) fail('an Invalid Date')
        i32[w >> 2] = K_DATE
        f64[(w >> 3) + 1] = t
        w += 16
      } else if (v instanceof Uint8Array) {
        putBytes(v)
      } else {
        unsupported(v)
      }
      return
    }
    default:
      unsupported(v)
  }
}

/** True when something gave Object.prototype enumerable keys (for-in would see them). */
function protoPolluted(): boolean {
  for (const _ in ObjectProto) return true
  return false
}

function putObject(o: Record<string, unknown>, depth: number): void {
  if (depth >= maxDepth) fail(deep(), CYCLE)
  const inner = depth + 1
  if (polluted) {
    // Object.keys: own keys only, whatever the prototype chain holds.
    const keys = objectKeys(o)
    const n = keys.length
    i32[w >> 2] = K_OBJECT
    i32[(w >> 2) + 1] = n
    w += 8
    for (let i = 0; i < n; i++) {
      const k = keys[i]!
      if (locating) path[depth] = k
      putString(k, inner)
      put(o[k], inner)
    }
    return
  }
  // for-in rather than Object.keys: V8 reads each o[k] through the enum cache, four times
  // cheaper. Same keys in the same order (own enumerable string keys) as long as no prototype in
  // the chain has enumerable keys: a plain object's chain is Object.prototype or nothing, and
  // `polluted` says whether Object.prototype has any.
  let n = 0
  for (const _ in o) n++
  i32[w >> 2] = K_OBJECT
  i32[(w >> 2) + 1] = n
  w += 8
  for (const k in o) {
    if (locating) path[depth] = k
    putString(k, inner)
    put(o[k], inner)
    n--
  }
  if (n !== 0) throw new SessionError('CODEC', 'an object changed while it was being encoded (by a getter?)')
}

/** A string, value or key (the core knows which from the position). */
function putString(s: string, depth: number): void {
  const n = s.length
  if (n > LONG) {
    putLongString(s, depth)
    return
  }
  const size = 8 + ((n * 2 + 7) & ~7)
  if (w + size > STREAM_END) flush()
  if (w === locateAt && chunk === locateChunk) throw new Located(depth)
  const at = w >> 2
  i32[at] = K_STR16
  i32[at + 1] = n
  const q = (w >> 1) + 4
  const u = u16
  for (let i = 0; i < n; i++) u[q + i] = s.charCodeAt(i)
  w += size
}

/** Long strings go straight into the arena as UTF-8 (TextEncoder), framed there by the core. */
function putLongString(s: string, depth: number): void {
  flush()
  if (w === locateAt && chunk === locateChunk) throw new Located(depth)
  if (locating) return
  if (s.length > maxBytes) tooLarge()
  if (!isWellFormed(s)) fail(SURROGATE, NO_SURROGATES)
  const cap = s.length * 3
  const off = e.codecEncodePlace(cap)
  if (off < 0) coreFailed(off, w)
  if (u8.byteLength === 0) refresh()
  const at = i32[STATE]! + off
  const { written } = utf8Encoder.encodeInto(s, u8.subarray(at, at + cap))
  const r = e.codecEncodePlaced(K_STR8, written)
  if (r < 0) coreFailed(r, w)
}

function putBytes(b: Uint8Array): void {
  const n = b.length
  if (n <= LONG) {
    const size = 8 + ((n + 7) & ~7)
    if (w + size > STREAM_END) flush()
    i32[w >> 2] = K_BYTES
    i32[(w >> 2) + 1] = n
    u8.set(b, w + 8)
    w += size
    return
  }
  flush()
  if (locating) return
  if (n > maxBytes) tooLarge()
  const off = e.codecEncodePlace(n)
  if (off < 0) coreFailed(off, w)
  if (u8.byteLength === 0) refresh()
  u8.set(b, i32[STATE]! + off)
  const r = e.codecEncodePlaced(K_BYTES, n)
  if (r < 0) coreFailed(r, w)
}

function putFields(v: unknown): void {
  const proto: unknown = typeof v === 'object' && v !== null ? getProto(v) : undefined
  if (proto !== ObjectProto && proto !== null) {
    throw new SessionError('CODEC', `session fields must be a plain object, not ${describe(v)}`)
  }
  if (w === locateAt && chunk === locateChunk) throw new Located(0)
  putObject(v as Record<string, unknown>, 0)
}

// Encoded values are copied out of WASM memory into an ArrayBuffer of their own, exactly their
// length: stores may keep, reuse or transfer `value.buffer`, so a result never shares its buffer
// with another (a shared slab saved ~300 ns on results of 65..4096 bytes, and handed every store
// a buffer full of other users' data).
function copyOut(src: number, n: number): Uint8Array {
  return u8.slice(src, src + n)
}

/** The SessionError for `failure`, with the path of the item found by replaying the walk. */
function locate(v: unknown, fields: boolean, failure: Failure): SessionError {
  locating = true
  locateChunk = failure.chunk
  locateAt = failure.at
  w = STREAM
  chunk = 0
  try {
    if (fields) putFields(v)
    else put(v, 0)
  } catch (err) {
    if (err instanceof Located) {
      return new SessionError('CODEC', `${failure.subject} cannot be encoded${where(err.depth)}${failure.detail}`)
    }
    if (!(err instanceof Failure)) throw err
  } finally {
    locating = false
    locateChunk = locateAt = -1
  }
  return new SessionError('CODEC', `${failure.subject} cannot be encoded${failure.detail}`)
}

/** Encodes `v` (a whole fields map when `fields`) into a fresh Uint8Array. */
export function encode(v: unknown, fields: boolean, bytesLimit: number, depthLimit: number): Uint8Array {
  enter()
  try {
    maxBytes = bytesLimit
    maxDepth = depthLimit
    fieldsFlag = fields ? CODEC_ENC_FIELDS : 0
    w = STREAM
    started = false
    chunk = 0
    polluted = protoPolluted()
    if (u8.byteLength === 0) refresh()
    if (fields) putFields(v)
    else put(v, 0)
    const r = e.codecEncode(w - STREAM, (started ? 0 : CODEC_ENC_FIRST | fieldsFlag) | CODEC_ENC_LAST, maxBytes, maxDepth)
    if (r < 0) coreFailed(r, STREAM + i32[STATE + 2]!)
    if (u8.byteLength === 0) refresh()
    return copyOut(i32[STATE]!, r)
  } catch (err) {
    if (err instanceof Failure) throw locate(v, fields, err)
    throw err
  } finally {
    busy = false
  }
}

// ---------------------------------------------------------------------------------------------
// Decode

let j = 0 // i32 index of the next tape entry
let jEnd = 0
let done = false
/** The JS half of the key cache: keyCache[slot] is the string of the bytes in the core's slot. */
const keyCache: string[] = new Array<string>(CODEC_KEY_SLOTS).fill('')

function decodeMessage(code: number): string {
  switch (code) {
    case CODEC_E_TRUNCATED:
      return 'truncated input (or a length or count larger than the bytes left)'
    case CODEC_E_TAG:
      return 'unknown tag'
    case CODEC_E_TRAILING:
      return 'trailing bytes after the value'
    case CODEC_E_UTF8:
      return 'invalid UTF-8'
    case CODEC_E_DEPTH:
      return `arrays and objects nested deeper than maxDepth (${maxDepth})`
    case CODEC_E_VERSION:
      return 'unsupported format version (expected 1 or 2)'
    case CODEC_E_VARINT:
      return 'malformed varint (overlong, or larger than 2^64 - 1)'
    case CODEC_E_RANGE:
      return 'integer or date out of range'
    case CODEC_E_FLOAT:
      return 'non-canonical float64 (NaN, or an integer that has an integer encoding)'
    case CODEC_E_NOT_OBJECT:
      return 'session fields must be an object'
    case CODEC_E_ORDER:
      return 'object keys out of order (format v2: shorter UTF-8 first, then bytewise)'
    default:
      return `internal codec error ${code} (a bug: please report it)`
  }
}

function decodeFailed(code: number): never {
  throw new SessionError('CODEC', `cannot decode: ${decodeMessage(code)} at byte ${i32[STATE + 2]!}`)
}

function next(): void {
  const r = e.codecDecodeNext()
  if (r < 0) decodeFailed(r)
  j = TAPE
  jEnd = TAPE + ((r & ~CODEC_DONE) << 2)
  done = (r & CODEC_DONE) !== 0
  if (j === jEnd) throw new SessionError('CODEC', 'internal codec error: empty tape (a bug: please report it)')
}

/** A string from tape fields (+1 length, +2 offset) of the entry at `at`, kind K_STR16 or K_STR8. */
function str(kind: number, at: number): string {
  const n = i32[at + 1]!
  const o = i32[at + 2]!
  return kind === K_STR16 ? units(o, n) : utf8Decoder.decode(u8.subarray(o, o + n))
}

/** Set by key(): the key may repeat an earlier key of its object (see K_CHECK). */
let keyCheck = false

function key(): string {
  if (j === jEnd) next()
  const at = j
  let kind = i32[at]!
  j = at + 4
  keyCheck = kind >= K_CHECK
  kind &= K_CHECK - 1
  if (kind === K_KEY_HIT) return keyCache[i32[at + 1]!]!
  if (kind === K_KEY_MISS) return (keyCache[i32[at + 3]!] = units(i32[at + 2]!, i32[at + 1]!))
  return str(kind, at)
}

function duplicate(k: string): never {
  throw new SessionError('CODEC', `cannot decode: duplicate key ${JSON.stringify(k)}`)
}

function value(): Value {
  if (j === jEnd) next()
  const at = j
  const kind = i32[at]!
  j = at + 4
  switch (kind) {
    case K_STR16:
      return units(i32[at + 2]!, i32[at + 1]!)
    case K_NUMBER:
      return f64[(at >> 1) + 1]!
    case K_TRUE:
      return true
    case K_FALSE:
      return false
    case K_NULL:
      return null
    case K_ARRAY: {
      const n = i32[at + 1]!
      const a: Value[] = []
      for (let i = 0; i < n; i++) a.push(value())
      return a
    }
    case K_OBJECT: {
      const n = i32[at + 1]!
      const o: { [key: string]: Value } = {}
      for (let i = 0; i < n; i++) {
        const k = key()
        const check = keyCheck
        const v = value()
        // Own data properties only: '__proto__' is defined, never assigned (which would set the
        // prototype).
        if (check || k === '__proto__') {
          if (check && hasOwn(o, k)) duplicate(k)
          defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })
        } else {
          o[k] = v
        }
      }
      return o
    }
    case K_STR8:
      return str(K_STR8, at)
    case K_BIG_I64:
      return i64[(at >> 1) + 1]!
    case K_BIG_U64:
      return u64[(at >> 1) + 1]!
    case K_BIG_NEG:
      return -1n - u64[(at >> 1) + 1]!
    case K_DATE:
      return new NativeDate(f64[(at >> 1) + 1]!)
    case K_BYTES: {
      const o = i32[at + 2]!
      return u8.slice(o, o + i32[at + 1]!)
    }
    default:
      throw new SessionError('CODEC', `internal codec error: tape entry ${kind} (a bug: please report it)`)
  }
}

/** The fields map: an object without a prototype. */
function fieldsValue(): Record<string, Value> {
  const at = j
  j = at + 4
  const n = i32[at + 1]!
  // Made without a prototype before any property is added: V8 then keeps it a fast-mode object
  // (Object.create(null) starts in dictionary mode: 1.7x slower to fill).
  const o: Record<string, Value> = {}
  setProto(o, null)
  for (let i = 0; i < n; i++) {
    const k = key()
    const check = keyCheck
    const v = value()
    if (check && o[k] !== undefined) duplicate(k)
    o[k] = v
  }
  return o
}

/** Decodes `bytes` (a whole fields map when `fields`). */
export function decode(bytes: Uint8Array, fields: boolean, bytesLimit: number, depthLimit: number): Value {
  const n = bytes.length
  if (n > bytesLimit) {
    throw new SessionError('TOO_LARGE', `cannot decode: ${n} bytes is more than maxBytes (${bytesLimit} bytes)`)
  }
  enter()
  try {
    maxDepth = depthLimit
    if (u8.byteLength === 0) refresh()
    if (n > i32[STATE + 1]!) {
      if (e.codecReserve(n) < 0) throw new SessionError('TOO_LARGE', `cannot decode: ${n} bytes do not fit in memory`)
      if (u8.byteLength === 0) refresh()
    }
    u8.set(bytes, i32[STATE]!)
    const r = e.codecDecode(n, depthLimit, fields ? 1 : 0)
    if (r < 0) decodeFailed(r)
    j = TAPE
    jEnd = TAPE + ((r & ~CODEC_DONE) << 2)
    done = (r & CODEC_DONE) !== 0
    let v: Value
    try {
      v = fields ? fieldsValue() : value()
      if (!done) {
        // The tape ended with the value; the core still checks what follows it.
        const r2 = e.codecDecodeNext()
        if (r2 < 0) decodeFailed(r2)
        if (r2 !== CODEC_DONE) throw new SessionError('CODEC', 'internal codec error: tape longer than the value')
      }
    } catch (err) {
      // Entries not walked may have filled key slots that keyCache does not know yet.
      e.codecKeysReset()
      throw err
    }
    return v
  } finally {
    busy = false
  }
}

// ---------------------------------------------------------------------------------------------
// Strings from UTF-16 code units (generated: one fromCharCode call with n arguments is much
// cheaper than fromCharCode.apply over a subarray, or than TextDecoder, for short strings).

/** `n` (<= 64) UTF-16 code units at u16[o..o+n) as a string: one fromCharCode call up to 32. */
function units(o: number, n: number): string {
  const u = u16
  switch (n) {
    case 0:
      return ''
    case 1:
      return fcc(u[o]!)
    case 2:
      return fcc(u[o]!, u[o + 1]!)
    case 3:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!)
    case 4:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!)
    case 5:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!)
    case 6:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!)
    case 7:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!)
    case 8:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!)
    case 9:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!)
    case 10:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!)
    case 11:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!)
    case 12:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!)
    case 13:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!)
    case 14:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!)
    case 15:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!)
    case 16:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!)
    case 17:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!)
    case 18:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!)
    case 19:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!)
    case 20:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!)
    case 21:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!)
    case 22:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!)
    case 23:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!)
    case 24:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!)
    case 25:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!)
    case 26:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!)
    case 27:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!, u[o + 26]!)
    case 28:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!, u[o + 26]!, u[o + 27]!)
    case 29:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!, u[o + 26]!, u[o + 27]!, u[o + 28]!)
    case 30:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!, u[o + 26]!, u[o + 27]!, u[o + 28]!, u[o + 29]!)
    case 31:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!, u[o + 26]!, u[o + 27]!, u[o + 28]!, u[o + 29]!, u[o + 30]!)
    case 32:
      return fcc(u[o]!, u[o + 1]!, u[o + 2]!, u[o + 3]!, u[o + 4]!, u[o + 5]!, u[o + 6]!, u[o + 7]!, u[o + 8]!, u[o + 9]!, u[o + 10]!, u[o + 11]!, u[o + 12]!, u[o + 13]!, u[o + 14]!, u[o + 15]!, u[o + 16]!, u[o + 17]!, u[o + 18]!, u[o + 19]!, u[o + 20]!, u[o + 21]!, u[o + 22]!, u[o + 23]!, u[o + 24]!, u[o + 25]!, u[o + 26]!, u[o + 27]!, u[o + 28]!, u[o + 29]!, u[o + 30]!, u[o + 31]!)
    default:
      return units(o, 32) + units(o + 32, n - 32)
  }
}
