// Shared helpers of the codec suites (test/codec*.test.ts, test/wasm/encoder.test.ts,
// test/wasm/decoder.test.ts).

import { expect } from 'vitest'
import { decodeValue, encodeValue, type Value } from '../../src/codec'
import { SessionError } from '../../src/errors'
import { difference } from '../codec-reference'

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
export const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

/** The SessionError `f` throws (fails the test when it throws something else, or nothing). */
export function thrown(f: () => unknown): SessionError {
  try {
    f()
  } catch (err) {
    if (err instanceof SessionError) return err
    throw err
  }
  throw new Error('expected a SessionError, nothing was thrown')
}

export function expectSame(actual: unknown, expected: unknown): void {
  const d = difference(actual, expected)
  if (d !== undefined) expect.fail(d)
}

export function roundTrip(v: Value): Value {
  return decodeValue(encodeValue(v))
}
