// The tagged codec: session values <-> bytes that keep their types. Stores keep each field's
// value as encodeValue bytes; the sealed-cookie store keeps a whole session as encodeFields bytes.
//
// Format version 2 is specified byte by byte in assembly/codec.ts, which owns all of its logic:
// tags, framing, varints, the number rules, UTF-8, key order, bounds and depth checks. In short:
//
// - null, booleans, integers and float64 are distinct: a number is stored as an integer when it
//   is integer-valued, within ±(2^53 - 1) and not -0, else as float64 (fractions, -0, ±Infinity,
//   integers beyond 2^53 - 1). NaN is refused. So after a round trip Number.isInteger(v) is as
//   before, and the session helpers can follow the seed: `int(1.5)` is a TYPE error,
//   `float64(3)` is 3.
// - bigint: -2^64 .. 2^64 - 1 (every int64 and uint64), as a bigint again.
// - string (UTF-8; a lone surrogate is refused), Uint8Array (a Buffer comes back as a plain
//   Uint8Array), Date (an Invalid Date is refused), arrays, plain objects (prototype
//   Object.prototype or null; own enumerable string keys).
// - One encoding per value: an object's keys are written in one order, whatever order the
//   object has: the shorter UTF-8 first, keys of one length bytewise. So {b: 1, a: 2} and
//   {a: 2, b: 1} give the same bytes, and decoding gives the keys in that order (after the
//   array-index keys, which JS always lists first, in numeric order: the same order for them).
//   Key order is not kept across a round trip.
// - Format v1 (version byte 1, keys in any order) is still decoded, as before; encoding always
//   writes v2, so what was stored as v1 becomes v2 when it is next written.
// - Refused at encode time with SessionError('CODEC') and the path of the culprit: undefined
//   (also as an object property or array hole: delete the key or store null), functions,
//   symbols, class instances (Map, Set, RegExp, your classes, other typed arrays), NaN, bigints
//   out of range, and nesting deeper than maxDepth (which is also how a cycle ends).
// - Decoded objects are ordinary objects (Object.prototype) with their keys as own data
//   properties — '__proto__' included, defined and never assigned, so no decoded bytes can
//   change a prototype; decodeFields returns an object without a prototype. Invalid input of any
//   kind (unknown tag, truncation, trailing bytes, invalid UTF-8, non-canonical numbers, duplicate
//   keys, v2 keys out of order, nesting deeper than maxDepth) throws SessionError('CODEC') with
//   the byte offset; input over maxBytes throws SessionError('TOO_LARGE') before it is read.
//
// Sizes: values up to maxBytes (default 1 MiB) work both ways; the core's arena grows to fit
// (it never shrinks, and is bounded by about 4 x the largest maxBytes used). An encoding over
// maxBytes is SessionError('TOO_LARGE').
//
// Results: encodeValue / encodeFields return a new Uint8Array that the caller owns, with an
// ArrayBuffer of its own, exactly as long as the value (byteOffset 0): a store may keep, reuse or
// transfer `value.buffer` without holding anyone else's data. It is never a view into WASM memory
// and the codec never writes to it again.
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
//   internalization when it becomes a property). Duplicate keys are flagged by the core, and v2
//   key order is checked there (each key against the one before it in its object).
// - encode: JS writes a stream of typed entries (UTF-16 code units for strings, f64 for numbers,
//   int64 for bigints), the core frames it in one call (tags, varints, number rules, UTF-8).
// - key order: the core compares each key with the one before it as it frames it (on the UTF-8
//   bytes it writes anyway: the lengths decide most pairs), and sorts an object found out of
//   order when it ends, moving its entries as blocks. Not in JS, though JS walks the object:
//   the order is one of UTF-8 bytes, so JS would need each key's UTF-8 length (a second pass over
//   its code units) and a comparison of its own, since its string order differs from UTF-8 order
//   for characters above U+FFFF; and it would have to collect every object's keys in an array
//   before writing any. An object already in order (keys set in that order, or array-index keys
//   only) costs one comparison a key.
// - results: copied out of WASM memory, each into a buffer of its own (see above). A shared slab
//   for results of 65..4096 bytes was faster (V8 gives a typed array of more than 64 bytes an
//   off-heap buffer, ~200-300 ns), but gave every store other users' bytes in `value.buffer`.
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
//   a fresh Uint8Array per result instead of a slab     encode ~1200, both ~1800 (now kept: below)
//   plain-TS codec of the same format (quick version)   encode ~580, decode ~800, both ~1500
//
// Results in buffers of their own, and key order (format v2): measured later on the same machine,
// then shared with other work, so compare these rows with each other, not with the table above.
// ns per op, the median of each run, two runs. B: the three versions loaded into one process and
// timed in turns, 101 rounds of 1000 ops, a full GC before each round (so B leaves out most of
// what off-heap buffers cost the collector). A: tinybench, versions run one after the other, GC
// inside the timings (the own-buffer rows vary by ±20% from run to run).
//
//                                          results in a slab   own buffers, v1   own buffers, v2
//   B encodeFields+decodeFields                  1713 1639        1872 1849        2161 2139
//   B   the session with its keys in v2 order    1711 1676        1863 1884        1976 1925
//   B encodeFields                                763  742         939  926        1173 1219
//   B   keys in v2 order                          773  738         942  930        1009 1017
//   B decodeFields                                671  657         672  667         702  686
//   B encodeValue, 8 short keys, <= 64 bytes      392  391         380  388         548  563
//   B   keys in v2 order                          394  370         378  368         426  410
//   B encodeValue, one key, 200/1000 bytes      447/579 437/600  679/809 669/802  756/872 720/889
//   A encodeFields+decodeFields                  1554 1546        2191 2326        2125 2202
//   A encodeValue, one key, 200/1000 B   349/529 335/541  646/830 762/1159 990/1247 1129/1917
//   B JSON.stringify+parse of the same session: 1871 1815; msgpackr pack+unpack: 1744 1722
//
// So: an own buffer for each result of 65..4096 bytes costs ~180-250 ns (B), more with the
// collector's share (A). Key order costs the encoder ~45-80 ns for 8 keys already in order (one
// comparison a key) and ~170-260 ns for 8 keys out of order (the entries found again by a scan of
// the object's bytes, insertion-sorted, copied twice); the decoder's check ~20-30 ns.
//
// What limits it: on encode JS reads every string unit by unit (charCodeAt, ~1.5 ns a unit: 111
// units here), which a plain-TS encoder does too, and the core's framing (~130 ns) comes on top;
// on decode, object and string creation (a null-prototype object with 8 properties alone is
// ~150 ns) and the core's validation (~145 ns). Decode beats plain TS; encode does not. The
// 2x target against JSON and msgpackr is not met: ~1.0x against JSON, ~1.1x against msgpackr
// with results in a slab and keys in any order; ~0.85x and ~0.8x since (run B above).

import { SessionError, configError } from './errors.js'
import { decode, encode } from './wasm/codec.js'
import { DEFAULT_CODEC_LIMITS, MAX_CODEC_BYTES, MAX_CODEC_DEPTH, type CodecLimits, type Value } from './value.js'

export { DEFAULT_CODEC_LIMITS, MAX_CODEC_BYTES, type CodecLimits, type Value } from './value.js'

let checkedLimits: CodecLimits | undefined
let checkedDepth = DEFAULT_CODEC_LIMITS.maxDepth
let checkedBytes = DEFAULT_CODEC_LIMITS.maxBytes

/** Validates `limits` (cached for the last object seen, so passing the same one is free). */
function resolve(limits: CodecLimits): void {
  if (limits === checkedLimits) return
  const depth = limits.maxDepth ?? DEFAULT_CODEC_LIMITS.maxDepth
  const bytes = limits.maxBytes ?? DEFAULT_CODEC_LIMITS.maxBytes
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_CODEC_DEPTH) {
    throw configError('maxDepth', depth, `an integer from 1 to ${MAX_CODEC_DEPTH}`)
  }
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > MAX_CODEC_BYTES) {
    throw configError('maxBytes', bytes, `an integer from 16 to ${MAX_CODEC_BYTES}`)
  }
  checkedLimits = limits
  checkedDepth = depth
  checkedBytes = bytes
}

/**
 * Encodes one value (one session field) in format v2.
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
