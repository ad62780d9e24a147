// Typed accessors, as in the Go simplesessions library (String, Int, Int64, UInt64, Float64,
// Bytes, Bool: https://github.com/zerodha/simplesessions#readme): `string(await sess.get('k'))`.
// A missing value (undefined, or a stored null) is SessionError NIL; a value of another type is
// SessionError TYPE. The codec keeps types, so nothing is parsed from strings: int('10') is a
// TYPE error, not 10. Session has them as methods too (src/session.ts).
//
// Numbers: the codec stores integer-valued numbers as integers and the rest as float64, and
// decodes both to a JS number, so
//   int(v)     a safe integer number, or a bigint within the safe range          -> number
//   int64(v)   an integer number or a bigint in [-2^63, 2^63 - 1]                -> bigint
//   uint64(v)  an integer number or a bigint in [0, 2^64 - 1]                    -> bigint
//   float64(v) any number (int(3) and float64(3) are both 3); a bigint is TYPE    -> number
// so int(1.5) is TYPE and float64(3) is 3, as in the Go library.

import { SessionError } from './errors.js'

const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n
const UINT64_MAX = (1n << 64n) - 1n

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return 'bytes'
  if (v instanceof Date) return 'Date'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `float ${v}`
  return typeof v
}

function present(v: unknown, want: string): void {
  if (v === undefined || v === null) throw new SessionError('NIL', `value is nil (wanted ${want})`)
}

function typeError(v: unknown, want: string): SessionError {
  return new SessionError('TYPE', `value is ${describe(v)}, not ${want}`)
}

/**
 * The value as a string: SessionError NIL when it is missing (undefined or null), TYPE when it
 * is not a string.
 *
 * @example
 * import { string, type Session } from 'simplesessions'
 *
 * declare const sess: Session
 * const name = string(await sess.get('name')) // or sess.string(...)
 */
export function string(v: unknown): string {
  present(v, 'string')
  if (typeof v !== 'string') throw typeError(v, 'string')
  return v
}

/**
 * The value as a safe integer: a number that is one, or a bigint in the safe range. NIL when it
 * is missing, TYPE otherwise (1.5, '10').
 *
 * @example
 * import { int, type Session } from 'simplesessions'
 *
 * declare const sess: Session
 * const visits = int((await sess.get('visits')) ?? 0)
 */
export function int(v: unknown): number {
  present(v, 'int')
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v)
  throw typeError(v, 'int')
}

function bigInteger(v: unknown, want: string, min: bigint, max: bigint): bigint {
  present(v, want)
  let b: bigint | undefined
  if (typeof v === 'bigint') b = v
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v)
  if (b === undefined || b < min || b > max) throw typeError(v, want)
  return b
}

/**
 * The value as a bigint in [-2^63, 2^63 - 1]: an integer number or a bigint. NIL when it is
 * missing, TYPE otherwise.
 *
 * @example
 * import { int64 } from 'simplesessions'
 *
 * int64(42) // 42n
 * int64(-(2n ** 63n)) // -9223372036854775808n
 */
export function int64(v: unknown): bigint {
  return bigInteger(v, 'int64', INT64_MIN, INT64_MAX)
}

/**
 * The value as a bigint in [0, 2^64 - 1]: an integer number or a bigint. NIL when it is missing,
 * TYPE otherwise (a negative one).
 *
 * @example
 * import { uint64 } from 'simplesessions'
 *
 * uint64(2n ** 64n - 1n) // 18446744073709551615n
 */
export function uint64(v: unknown): bigint {
  return bigInteger(v, 'uint64', 0n, UINT64_MAX)
}

/**
 * The value as a number, integer or not. NIL when it is missing, TYPE otherwise (a bigint too).
 *
 * @example
 * import { float64 } from 'simplesessions'
 *
 * float64(3) // 3
 * float64(0.25) // 0.25
 */
export function float64(v: unknown): number {
  present(v, 'float64')
  if (typeof v !== 'number') throw typeError(v, 'float64')
  return v
}

/**
 * The value as a Uint8Array. NIL when it is missing, TYPE otherwise.
 *
 * @example
 * import { bytes, type Session } from 'simplesessions'
 *
 * declare const sess: Session
 * await sess.set('nonce', crypto.getRandomValues(new Uint8Array(16)))
 * const nonce = bytes(await sess.get('nonce'))
 */
export function bytes(v: unknown): Uint8Array {
  present(v, 'bytes')
  if (!(v instanceof Uint8Array)) throw typeError(v, 'bytes')
  return v
}

/**
 * The value as a boolean. NIL when it is missing, TYPE otherwise.
 *
 * @example
 * import { bool, type Session } from 'simplesessions'
 *
 * declare const sess: Session
 * const admin = bool((await sess.get('admin')) ?? false)
 */
export function bool(v: unknown): boolean {
  present(v, 'bool')
  if (typeof v !== 'boolean') throw typeError(v, 'bool')
  return v
}
