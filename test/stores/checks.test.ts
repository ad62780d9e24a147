// The argument checks both stores share (src/stores/checks.ts): a caller that breaks the store
// contract gets a TypeError (never a SessionError: it is a bug, not a store condition), a bad
// option a SessionError 'CONFIG' in the one message shape of every option. The stores' own suites
// check that each method calls them; this pins what they accept and what they say.

import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { SessionError } from '../../src/errors'
import { MAX_TIMER_MS, checkBatchMeta, checkCreateMeta, checkId, checkMeta, checkName, checkOptions, checkTime, checkValue, isBytes, timerOption } from '../../src/stores/checks'
import type { CommitBatch, SessionMeta } from '../../src/stores/types'

const bad = <T>(v: unknown) => v as T

/** The error `fn` throws (undefined when it does not). */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  return undefined
}

function expectTypeError(fn: () => unknown, message: RegExp): void {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(TypeError)
  expect((e as Error).message).toMatch(message)
}

describe('store checks', () => {
  it('isBytes: Uint8Arrays of any realm and Buffers, no other view', () => {
    expect(isBytes(new Uint8Array(1))).toBe(true)
    expect(isBytes(Buffer.from('x'))).toBe(true)
    expect(isBytes(runInNewContext('new Uint8Array(2)'))).toBe(true)
    for (const v of [new Int8Array(1), new Uint8ClampedArray(1), new DataView(new ArrayBuffer(1)), new ArrayBuffer(1), [1], 'x', null, undefined]) expect(isBytes(v)).toBe(false)
  })

  it('checkId, checkName, checkValue, checkTime: a TypeError that names what was wrong', () => {
    expect(() => checkId('a')).not.toThrow()
    expectTypeError(() => checkId(''), /^session id must be a non-empty string, got string$/)
    expectTypeError(() => checkId(42), /^session id must be a non-empty string, got number$/)
    expect(() => checkName('')).not.toThrow()
    expectTypeError(() => checkName(null), /^field name must be a string, got object$/)
    expectTypeError(() => checkValue('k', 'v'), /^store value of field "k" must be a Uint8Array, got string$/)
    for (const t of [0, -1, Number.MAX_SAFE_INTEGER]) expect(() => checkTime('createdAt', t, false)).not.toThrow()
    expect(() => checkTime('expiresAt', Infinity, true)).not.toThrow()
    expectTypeError(() => checkTime('createdAt', Infinity, false), /^createdAt must be integer milliseconds since the epoch, got Infinity$/)
    expectTypeError(() => checkTime('expiresAt', 1.5, true), /^expiresAt must be integer milliseconds since the epoch or Infinity, got 1\.5$/)
    expectTypeError(() => checkTime('expiresAt', 2 ** 53, true), /got 9007199254740992$/)
  })

  it('checkMeta: owner and handle non-empty strings, persist a boolean; null removes an owner in a batch only', () => {
    expect(() => checkMeta(undefined, undefined, undefined, false)).not.toThrow()
    expect(() => checkMeta('ada', 'h', true, false)).not.toThrow()
    expect(() => checkMeta(null, undefined, undefined, true)).not.toThrow()
    expectTypeError(() => checkMeta(null, undefined, undefined, false), /^owner must be a non-empty string, got object$/)
    expectTypeError(() => checkMeta('', undefined, undefined, true), /^owner must be a non-empty string or null, got string$/)
    expectTypeError(() => checkMeta(undefined, 7, undefined, false), /^handle must be a non-empty string, got number$/)
    expectTypeError(() => checkMeta('ada', '', undefined, false), /^handle must be a non-empty string, got string$/)
    expectTypeError(() => checkMeta(undefined, undefined, 'yes', false), /^persist must be a boolean, got string$/)
  })

  it('checkCreateMeta and checkBatchMeta: the times, the metadata, and a handle for every owner', () => {
    const now = Date.now()
    expect(() => checkCreateMeta({ createdAt: now, expiresAt: Infinity, owner: 'ada', handle: 'h' })).not.toThrow()
    expectTypeError(() => checkCreateMeta(bad<SessionMeta>(undefined)), /^createdAt must be integer milliseconds/)
    expectTypeError(() => checkCreateMeta({ createdAt: now, expiresAt: now, owner: 'ada' }), /^a session with an owner needs a handle$/)
    expect(() => checkBatchMeta({ expiresAt: now, owner: null })).not.toThrow()
    expectTypeError(() => checkBatchMeta(bad<CommitBatch>(undefined)), /^expiresAt must be integer milliseconds/)
    expectTypeError(() => checkBatchMeta({ expiresAt: now, persist: bad<boolean>(1) }), /^persist must be a boolean/)
  })

  it('checkOptions and timerOption: CONFIG, in the message shape of every option', () => {
    expect(() => checkOptions({})).not.toThrow()
    for (const [options, shown] of [[null, 'null'], [42, '42'], ['x', '"x"']] as const) {
      const e = thrown(() => checkOptions(options))
      expect(e).toBeInstanceOf(SessionError)
      expect((e as SessionError).code).toBe('CONFIG')
      expect((e as Error).message).toBe(`option options is invalid: ${shown} (an object)`)
    }
    expect(timerOption('t', undefined, 2000, 'for none')).toBe(2000)
    expect(timerOption('t', 0, 2000, 'for none')).toBe(0)
    expect(timerOption('t', MAX_TIMER_MS, 2000, 'for none')).toBe(2 ** 31 - 1)
    for (const v of [-1, 1.5, 2 ** 31, Infinity, '10']) {
      const e = thrown(() => timerOption('t', v, 2000, 'for none'))
      expect((e as SessionError).code).toBe('CONFIG')
      expect((e as Error).message).toMatch(/^option t is invalid: .+ \(integer milliseconds from 1 to 2147483647, or 0 for none\)$/)
    }
  })
})
