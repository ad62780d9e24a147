// The decoding side of the codec's boundary (the format: assembly/codec/format.ts; the public
// API: src/codec.ts). The bytes are copied into the arena; codecDecode validates them and writes
// the tape, a chunk at a time; `value` walks the tape and builds the values. Short strings come
// from the UTF-16 code units the core wrote (one String.fromCharCode call: ./generated/strings.ts),
// long ones from TextDecoder on bytes the core has validated; object keys go through the key
// cache (assembly/codec/decode.ts), mirrored here by `keyCache`.

import { SessionError } from '../errors.js'
import type { Value } from '../value.js'
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
  CODEC_TAPE_ENTRY,
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
  CODEC_E_ORDER,
  CODEC_DONE,
  CODEC_KEY_SLOTS,
} from './abi.js'
import { ARENA, CAPACITY, ERR_AT, TAPE, e, enter, leave } from './arena.js'
import { f64, i32, i64, refresh, u64, u8 } from './memory.js'
import { units } from './generated/strings.js'

const utf8Decoder = new TextDecoder()
const setProto = Object.setPrototypeOf
const hasOwn = Object.hasOwn
const defineProperty = Object.defineProperty
const NativeDate = Date
/** i32s of a tape entry. */
const ENTRY = CODEC_TAPE_ENTRY >> 2

/** The maxDepth of the decode in progress (for its message). */
let maxDepth = 0
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
  throw new SessionError('CODEC', `cannot decode: ${decodeMessage(code)} at byte ${i32[ERR_AT]!}`)
}

function next(): void {
  const r = e.codecDecodeNext()
  if (r < 0) decodeFailed(r)
  j = TAPE
  jEnd = TAPE + (r & ~CODEC_DONE) * ENTRY
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
  j = at + ENTRY
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
  j = at + ENTRY
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
  j = at + ENTRY
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
    if (n > i32[CAPACITY]!) {
      if (e.codecReserve(n) < 0) throw new SessionError('TOO_LARGE', `cannot decode: ${n} bytes do not fit in memory`)
      if (u8.byteLength === 0) refresh()
    }
    u8.set(bytes, i32[ARENA]!)
    const r = e.codecDecode(n, depthLimit, fields ? 1 : 0)
    if (r < 0) decodeFailed(r)
    j = TAPE
    jEnd = TAPE + (r & ~CODEC_DONE) * ENTRY
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
    leave()
  }
}
