// The tagged codec: session values <-> bytes that keep their types. Stores keep each field's
// value as encodeValue bytes; the sealed-cookie store keeps a whole session as encodeFields bytes.
//
// Format version 1 is specified byte by byte in assembly/codec.ts, which owns all of its logic:
// tags, framing, varints, the number rules, UTF-8, bounds and depth checks. In short:
//
// - null, booleans, integers and float64 are distinct: a number is stored as an integer when it
//   is integer-valued, within ±(2^53 - 1) and not -0, else as float64 (fractions, -0, ±Infinity,
//   integers beyond 2^53 - 1). NaN is refused. So after a round trip Number.isInteger(v) is as
//   before, and the session helpers can follow the seed: `int(1.5)` is a TYPE error,
//   `float64(3)` is 3.
// - bigint: -2^64 .. 2^64 - 1 (every int64 and uint64), as a bigint again.
// - string (UTF-8; a lone surrogate is refused), Uint8Array (a Buffer comes back as a plain
//   Uint8Array), Date (an Invalid Date is refused), arrays, plain objects (prototype
//   Object.prototype or null; own enumerable string keys, in their order).
// - Refused at encode time with SessionError('CODEC') and the path of the culprit: undefined
//   (also as an object property or array hole: delete the key or store null), functions,
//   symbols, class instances (Map, Set, RegExp, your classes, other typed arrays), NaN, bigints
//   out of range, and nesting deeper than maxDepth (which is also how a cycle ends).
// - Decoded objects are ordinary objects (Object.prototype) with their keys as own data
//   properties — '__proto__' included, defined and never assigned, so no decoded bytes can
//   change a prototype; decodeFields returns an object without a prototype. Invalid input of any
//   kind (unknown tag, truncation, trailing bytes, invalid UTF-8, non-canonical numbers, duplicate
//   keys, nesting deeper than maxDepth) throws SessionError('CODEC') with the byte offset; input
//   over maxBytes throws SessionError('TOO_LARGE') before it is read.
//
// Sizes: values up to maxBytes (default 1 MiB) work both ways; the core's arena grows to fit
// (it never shrinks, and is bounded by about 4 x the largest maxBytes used). An encoding over
// maxBytes is SessionError('TOO_LARGE').
//
// Results: encodeValue / encodeFields return a new Uint8Array that the caller owns; it is never
// a view into WASM memory and the codec never writes to it again. Results of 65..4096 bytes are
// views into a shared 16 KiB slab (like Node's Buffer.allocUnsafe): use byteOffset/byteLength
// with `.buffer`, and do not transfer that buffer.
//
// ## Where the work is done, and what was measured
//
// The format's logic is all in assembly/codec.ts; src/wasm/codec.ts moves data across. JS has
// to create every string, number and object of a decoded value and read every one of an
// encoded value anyway, so the split keeps JS to typed-array reads and writes plus the
// allocations only it can make, and gives the core everything that is format:
//
// - decode: one call validates the whole input and writes a tape (kind, length, offset or
//   number per item). Short strings (<= 64 bytes) arrive as UTF-16 code units, so JS makes each
//   with one String.fromCharCode call of n arguments; object keys come from a cache of slots in
//   the core mirrored by the JS strings, so a known key costs no string at all (nor V8's
//   internalization when it becomes a property). Duplicate keys are flagged by the core.
// - encode: JS writes a stream of typed entries (UTF-16 code units for strings, f64 for numbers,
//   int64 for bigints), the core frames it in one call (tags, varints, number rules, UTF-8).
// - results: copied out of WASM memory into a slab (see above).
//
// Measured (Node 20, 2-core Xeon VM; CPU ns per op, encodeFields+decodeFields of the 8-field
// session of bench/codec.bench.ts; JSON.stringify+parse ~1450, msgpackr pack+unpack ~1650):
//
//   this split                                          encode ~730, decode ~640, both ~1450-1520
//   decode short strings with TextDecoder instead       decode ~1070
//   no key cache (a new string per key)                 decode ~1060
//   Object.create(null) for the fields map              +~110 (micro: dictionary mode)
//   encode strings with TextEncoder.encodeInto          encode ~2180 (a call and a view per string)
//   encode keys through a JS Map to cached key slots    both -30..60, encode alone +50: not kept
//   Object.keys instead of for-in over an object        +~65 (micro: o[k] misses the enum cache)
//   a fresh Uint8Array per result instead of the slab   encode ~1200, both ~1800
//   plain-TS codec of the same format (quick version)   encode ~580, decode ~800, both ~1500
//
// What limits it: on encode JS reads every string unit by unit (charCodeAt, ~1.5 ns a unit: 111
// units here), which a plain-TS encoder does too, and the core's framing (~130 ns) comes on top;
// on decode, object and string creation (a null-prototype object with 8 properties alone is
// ~150 ns) and the core's validation (~145 ns). Decode beats plain TS; encode does not. The
// 2x target against JSON and msgpackr is not met: ~1.0x against JSON, ~1.1x against msgpackr.

import { SessionError, configError } from './errors.js'
import { MAX_DEPTH_LIMIT, decode, encode } from './wasm/codec.js'

/** What the codec stores. Objects are plain objects (own enumerable string keys). */
export type Value = null | boolean | number | bigint | string | Uint8Array | Date | Value[] | { [key: string]: Value }

/** Bounds of the codec; both apply to encode and decode alike. */
export interface CodecLimits {
  /**
   * Most arrays and objects nested inside each other, the outermost included (the fields map of
   * encodeFields counts as one). Default 32; at most 256.
   */
  maxDepth?: number
  /** Largest encoding, in bytes: longer output is refused, longer input is not read. Default 1 MiB; at most 64 MiB. */
  maxBytes?: number
}

export const DEFAULT_CODEC_LIMITS: Readonly<Required<CodecLimits>> = Object.freeze({
  maxDepth: 32,
  maxBytes: 1024 * 1024,
})

/** The largest maxBytes accepted. */
export const MAX_CODEC_BYTES = 64 * 1024 * 1024

let checkedLimits: CodecLimits | undefined
let checkedDepth = DEFAULT_CODEC_LIMITS.maxDepth
let checkedBytes = DEFAULT_CODEC_LIMITS.maxBytes

/** Validates `limits` (cached for the last object seen, so passing the same one is free). */
function resolve(limits: CodecLimits): void {
  if (limits === checkedLimits) return
  const depth = limits.maxDepth ?? DEFAULT_CODEC_LIMITS.maxDepth
  const bytes = limits.maxBytes ?? DEFAULT_CODEC_LIMITS.maxBytes
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH_LIMIT) {
    throw configError('maxDepth', depth, `an integer from 1 to ${MAX_DEPTH_LIMIT}`)
  }
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > MAX_CODEC_BYTES) {
    throw configError('maxBytes', bytes, `an integer from 16 to ${MAX_CODEC_BYTES}`)
  }
  checkedLimits = limits
  checkedDepth = depth
  checkedBytes = bytes
}

/**
 * Encodes one value (one session field) in format v1.
 *
 * @example
 * const bytes = encodeValue({ cart: [1, 2], at: new Date() })
 * decodeValue(bytes) // { cart: [1, 2], at: Date }
 */
export function encodeValue(value: Value, limits?: CodecLimits): Uint8Array {
  if (limits === undefined) return encode(value, false, DEFAULT_CODEC_LIMITS.maxBytes, DEFAULT_CODEC_LIMITS.maxDepth)
  resolve(limits)
  return encode(value, false, checkedBytes, checkedDepth)
}

/** Decodes bytes made by encodeValue. Throws SessionError('CODEC') for anything else. */
export function decodeValue(bytes: Uint8Array, limits?: CodecLimits): Value {
  checkBytes(bytes)
  if (limits === undefined) return decode(bytes, false, DEFAULT_CODEC_LIMITS.maxBytes, DEFAULT_CODEC_LIMITS.maxDepth)
  resolve(limits)
  return decode(bytes, false, checkedBytes, checkedDepth)
}

/**
 * Encodes a whole session: a plain object of fields.
 *
 * @example
 * const bytes = encodeFields({ user: 'ada', visits: 3, lastSeen: 1732700000000n })
 */
export function encodeFields(fields: Record<string, Value>, limits?: CodecLimits): Uint8Array {
  if (limits === undefined) return encode(fields, true, DEFAULT_CODEC_LIMITS.maxBytes, DEFAULT_CODEC_LIMITS.maxDepth)
  resolve(limits)
  return encode(fields, true, checkedBytes, checkedDepth)
}

/** Decodes bytes made by encodeFields into an object without a prototype. */
export function decodeFields(bytes: Uint8Array, limits?: CodecLimits): Record<string, Value> {
  checkBytes(bytes)
  const v =
    limits === undefined
      ? decode(bytes, true, DEFAULT_CODEC_LIMITS.maxBytes, DEFAULT_CODEC_LIMITS.maxDepth)
      : (resolve(limits), decode(bytes, true, checkedBytes, checkedDepth))
  return v as Record<string, Value>
}

function checkBytes(bytes: unknown): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new SessionError('CODEC', `cannot decode: expected a Uint8Array, got ${typeof bytes}`)
  }
}
