// The tagged codec: session values <-> bytes that keep their types. Stores keep each field's
// value as encodeValue bytes; the sealed-cookie store keeps a whole session as encodeFields bytes.
//
// The rule: one encoding per value, and every type comes back as itself. null, booleans,
// integers, float64, bigint (-2^64..2^64-1), strings, Uint8Array, Date, arrays and plain objects
// (keys in one order: shorter UTF-8 first, then bytewise); a number is an integer when it is one,
// safe and not -0, so `int(1.5)` is a TYPE error and `float64(3)` is 3 after a round trip. Why:
// stores then compare and keep bytes without knowing types, and no input decodes two ways.
// Anything else (undefined, NaN, functions, class instances, lone surrogates, nesting deeper
// than maxDepth) is refused with SessionError('CODEC') and the path of the culprit; invalid
// bytes with SessionError('CODEC') and their offset; over maxBytes, 'TOO_LARGE'. A result is a
// Uint8Array with an ArrayBuffer of its own, exactly its length: a store may keep or transfer it.
//
// The format is specified byte by byte in assembly/codec/format.ts, and all of its logic is in
// assembly/codec/; ./wasm/encoder.ts and ./wasm/decoder.ts move values across the boundary. The
// full list of what is kept and refused, why the work is split this way, and what was measured:
// docs/decisions/codec.md.

import { SessionError, configError } from './errors.js'
import { encode } from './wasm/encoder.js'
import { decode } from './wasm/decoder.js'
import { DEFAULT_CODEC_LIMITS, MAX_CODEC_BYTES, MAX_CODEC_DEPTH, type CodecLimits, type Value } from './value.js'

export { DEFAULT_CODEC_LIMITS, MAX_CODEC_BYTES, type CodecLimits, type Value } from './value.js'

let checkedLimits: CodecLimits | undefined
let checkedDepth = DEFAULT_CODEC_LIMITS.maxDepth
let checkedBytes = DEFAULT_CODEC_LIMITS.maxBytes

/** Validates `limits` (cached for the last object seen, so passing the same one is free). */
function resolve(limits: CodecLimits): void {
  // Stryker disable next-line ConditionalExpression: equivalent, the same object validates the same way again
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
 * Encodes one value (one session field) in format v2. CODEC for a value the codec does not keep
 * (see Value), TOO_LARGE over `limits.maxBytes`.
 *
 * @example
 * import { decodeValue, encodeValue } from 'simplesessions'
 *
 * const bytes = encodeValue({ cart: [1, 2], at: new Date() })
 * decodeValue(bytes) // { cart: [1, 2], at: Date }
 */
export function encodeValue(value: Value, limits?: CodecLimits): Uint8Array {
  if (limits === undefined) return encode(value, false, DEFAULT_CODEC_LIMITS.maxBytes, DEFAULT_CODEC_LIMITS.maxDepth)
  resolve(limits)
  return encode(value, false, checkedBytes, checkedDepth)
}

/**
 * Decodes bytes made by encodeValue. Throws SessionError('CODEC') for anything else.
 *
 * @example
 * import { decodeValue, encodeValue } from 'simplesessions'
 *
 * decodeValue(encodeValue(10n ** 18n)) // 1000000000000000000n, a bigint again
 * decodeValue(encodeValue([1, 1.5]), { maxDepth: 4 }) // [1, 1.5]
 */
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
 * import { encodeFields } from 'simplesessions'
 *
 * const bytes = encodeFields({ user: 'ada', visits: 3, lastSeen: 1732700000000n })
 */
export function encodeFields(fields: Record<string, Value>, limits?: CodecLimits): Uint8Array {
  if (limits === undefined) return encode(fields, true, DEFAULT_CODEC_LIMITS.maxBytes, DEFAULT_CODEC_LIMITS.maxDepth)
  resolve(limits)
  return encode(fields, true, checkedBytes, checkedDepth)
}

/**
 * Decodes bytes made by encodeFields into an object without a prototype.
 *
 * @example
 * import { decodeFields, encodeFields } from 'simplesessions'
 *
 * const { user } = decodeFields(encodeFields({ user: 'ada', visits: 3 })) // user: 'ada'
 */
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
