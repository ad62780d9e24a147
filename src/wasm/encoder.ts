// The encoding side of the codec's boundary (the format: assembly/codec/format.ts; the public
// API: src/codec.ts). `put` walks the value, classifies each item by its JS type and writes the
// encode stream into CODEC_STREAM: 8-byte aligned entries of a kind, a length or count, then an
// f64 / 64-bit payload or a string's UTF-16 code units. codecEncode frames the stream in the
// arena, a chunk at a time. Long strings are written by TextEncoder.encodeInto straight into the
// arena, long byte arrays copied there, and framed in place. The result is copied out of WASM
// memory into a buffer of its own.

import { SessionError } from '../errors.js'
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
  CODEC_E_DEPTH,
  CODEC_E_INVALID_DATE,
  CODEC_E_NAN,
  CODEC_E_SURROGATE,
  CODEC_E_TOO_LARGE,
  CODEC_ENC_FIRST,
  CODEC_ENC_LAST,
  CODEC_ENC_FIELDS,
} from './abi.js'
import { ARENA, ERR_AT, STREAM, STREAM_END, STREAM_LIMIT, e, enter, leave } from './arena.js'
import { f64, i32, i64, refresh, u16, u64, u8 } from './memory.js'

/**
 * Strings of more UTF-16 code units than this (and byte arrays of more bytes) skip the stream:
 * TextEncoder.encodeInto (or a copy) writes them straight into the arena. Below it a JS loop of
 * charCodeAt into the stream (~1.5 ns a unit) is cheaper than the flush and two extra calls.
 */
const LONG = 64

const utf8Encoder = new TextEncoder()
const getProto = Object.getPrototypeOf
const objectKeys = Object.keys
const ObjectProto = Object.prototype
const ArrayProto = Array.prototype
const DateProto = Date.prototype
const dateGetTime = Date.prototype.getTime
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/\p{Cs}/u.test(s)

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const U64_MAX = 2n ** 64n - 1n
const NEG_MIN = -(2n ** 64n)

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
    if (r < 0) coreFailed(r, STREAM + i32[ERR_AT]!)
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
  const at = i32[ARENA]! + off
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
  u8.set(b, i32[ARENA]! + off)
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
    if (r < 0) coreFailed(r, STREAM + i32[ERR_AT]!)
    if (u8.byteLength === 0) refresh()
    return copyOut(i32[ARENA]!, r)
  } catch (err) {
    if (err instanceof Failure) throw locate(v, fields, err)
    throw err
  } finally {
    leave()
  }
}
