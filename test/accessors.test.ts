// The typed accessors of src/accessors.ts (string int int64 uint64 float64 bytes bool), as free
// functions and as Session methods: NIL for undefined and null, TYPE for a value of another type
// or out of range, the value itself otherwise. Nothing is parsed from strings.

import { afterEach, describe, expect, it } from 'vitest'
import * as accessors from '../src/accessors'
import { isSessionError, type ErrorCode } from '../src/errors'
import { closeManagers, fakeManager, fakeReq, fakeRes, SpyStore } from './manager/harness'

afterEach(async () => {
  await closeManagers()
})

type Accessor = (v: unknown) => unknown
const names = ['string', 'int', 'int64', 'uint64', 'float64', 'bytes', 'bool'] as const
type Name = (typeof names)[number]

function codeOf(fn: Accessor, v: unknown): ErrorCode | 'ok' {
  try {
    fn(v)
    return 'ok'
  } catch (err) {
    if (!isSessionError(err)) throw err
    return err.code
  }
}

const TWO53 = 2 ** 53
const INT64_MAX = (1n << 63n) - 1n
const INT64_MIN = -(1n << 63n)
const UINT64_MAX = (1n << 64n) - 1n

/** Wrong types and out-of-range values: each must be TYPE. */
const wrong: Record<Name, [string, unknown][]> = {
  string: [
    ['1', 1],
    ['true', true],
    ['1n', 1n],
    ['bytes', new Uint8Array([0x61])],
    ['{}', {}],
    ['[]', []],
    ['Date', new Date(0)],
  ],
  int: [
    ['1.5', 1.5],
    ['"10"', '10'],
    ['2^53', TWO53],
    ['-2^53', -TWO53],
    ['2^53 as bigint', 1n << 53n],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['true', true],
    ['bytes', new Uint8Array(1)],
  ],
  int64: [
    ['2^63', 1n << 63n],
    ['-2^63 - 1', INT64_MIN - 1n],
    ['2^63 as a number', 2 ** 63],
    ['1.5', 1.5],
    ['"1"', '1'],
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['true', true],
  ],
  uint64: [
    ['-1', -1],
    ['-1n', -1n],
    ['2^64', 1n << 64n],
    ['0.5', 0.5],
    ['"1"', '1'],
    ['Infinity', Infinity],
    ['false', false],
  ],
  float64: [
    ['"1.5"', '1.5'],
    ['1n', 1n],
    ['true', true],
    ['bytes', new Uint8Array(8)],
    ['Date', new Date(0)],
  ],
  bytes: [
    ['"abc"', 'abc'],
    ['[1, 2]', [1, 2]],
    ['ArrayBuffer', new ArrayBuffer(2)],
    ['Int8Array', new Int8Array(2)],
    ['Uint16Array', new Uint16Array(2)],
    ['DataView', new DataView(new ArrayBuffer(2))],
    ['1', 1],
  ],
  bool: [
    ['0', 0],
    ['1', 1],
    ['"true"', 'true'],
    ['""', ''],
    ['1n', 1n],
  ],
}

/** Accepted values and what the accessor returns for them. */
const right: Record<Name, [string, unknown, unknown][]> = {
  string: [
    ['"x"', 'x', 'x'],
    ['"" (empty is a value, not NIL)', '', ''],
  ],
  int: [
    ['0', 0, 0],
    ['-42', -42, -42],
    ['2^53 - 1', TWO53 - 1, TWO53 - 1],
    ['-(2^53 - 1)', -(TWO53 - 1), -(TWO53 - 1)],
    ['5n', 5n, 5],
  ],
  int64: [
    ['2^63 - 1', INT64_MAX, INT64_MAX],
    ['-2^63', INT64_MIN, INT64_MIN],
    ['5 (a number)', 5, 5n],
    ['2^53 (a number)', TWO53, 1n << 53n],
  ],
  uint64: [
    ['0', 0, 0n],
    ['2^64 - 1', UINT64_MAX, UINT64_MAX],
    ['7 (a number)', 7, 7n],
  ],
  float64: [
    ['1 (an int is a float64)', 1, 1],
    ['1.5', 1.5, 1.5],
    ['-0', -0, -0],
    ['Infinity', Infinity, Infinity],
  ],
  bytes: [
    ['Uint8Array', new Uint8Array([1, 2]), new Uint8Array([1, 2])],
    ['empty', new Uint8Array(0), new Uint8Array(0)],
    ['Buffer', Buffer.from([3]), Buffer.from([3])],
  ],
  bool: [
    ['true', true, true],
    ['false (a value, not NIL)', false, false],
  ],
}

describe.each(names)('%s', (name) => {
  const fn = accessors[name] as Accessor

  it('undefined is NIL', () => {
    expect(codeOf(fn, undefined)).toBe('NIL')
  })

  it('null is NIL', () => {
    expect(codeOf(fn, null)).toBe('NIL')
  })

  it.each(wrong[name])('%s is TYPE', (_label, v) => {
    expect(codeOf(fn, v)).toBe('TYPE')
  })

  it.each(right[name])('%s is accepted', (_label, v, out) => {
    const got = fn(v)
    if (typeof out === 'number' && Object.is(out, -0)) expect(Object.is(got, -0)).toBe(true)
    else expect(got).toEqual(out)
    expect(typeof got).toBe(typeof out)
  })

  it('errors are SessionErrors whose message names the wanted type', () => {
    try {
      fn(Symbol('x'))
      expect.unreachable()
    } catch (err) {
      expect(isSessionError(err, 'TYPE')).toBe(true)
      expect((err as Error).message).toContain(name)
    }
  })
})

describe('the spot checks of the issue', () => {
  it('int64 of 2^63 is TYPE, uint64 of -1 is TYPE, int of 2^53 is TYPE', () => {
    expect(codeOf(accessors.int64, 2n ** 63n)).toBe('TYPE')
    expect(codeOf(accessors.uint64, -1)).toBe('TYPE')
    expect(codeOf(accessors.int, 2 ** 53)).toBe('TYPE')
  })

  it('int(1) is 1, int(1.5) is TYPE, float64(1) is 1', () => {
    expect(accessors.int(1)).toBe(1)
    expect(codeOf(accessors.int, 1.5)).toBe('TYPE')
    expect(accessors.float64(1)).toBe(1)
  })
})

describe('as Session methods, on values read back from the session', () => {
  it('behave like the free functions, missing keys are NIL', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.setMulti({ str: 'a', n: 1, f: 1.5, big: INT64_MAX, raw: new Uint8Array([1]), yes: true, nil: null })
    await s.commit()
    const cookie = res.set.at(-1)!.value
    const r = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    for (const name of names) {
      expect(codeOf(r[name] as Accessor, await r.get('missing')), `${name}(missing)`).toBe('NIL')
      expect(codeOf(r[name] as Accessor, await r.get('nil')), `${name}(null)`).toBe('NIL')
    }
    expect(r.string(await r.get('str'))).toBe('a')
    expect(r.int(await r.get('n'))).toBe(1)
    expect(codeOf(r.int, await r.get('f'))).toBe('TYPE')
    expect(r.float64(await r.get('n'))).toBe(1)
    expect(r.int64(await r.get('big'))).toBe(INT64_MAX)
    expect(codeOf(r.int, await r.get('big'))).toBe('TYPE')
    expect(r.bytes(await r.get('raw'))).toEqual(new Uint8Array([1]))
    expect(r.bool(await r.get('yes'))).toBe(true)
    expect(codeOf(r.bool, await r.get('str'))).toBe('TYPE')
  })

  it('are methods of the prototype: a Session copies none of them', async () => {
    const s = await fakeManager({ store: new SpyStore() }).acquire(fakeReq(), fakeRes())
    for (const name of names) {
      expect(Object.hasOwn(s, name), name).toBe(false)
      expect(typeof Object.getPrototypeOf(s)[name], name).toBe('function')
    }
  })
})

describe('the public barrel', () => {
  it('exports Manager, Session, SessionError and every accessor as a free function', async () => {
    const api: Record<string, unknown> = await import('../src/index')
    for (const name of ['Manager', 'Session', 'SessionError', ...names]) {
      expect(typeof api[name], name).toBe('function')
    }
    expect(api.int).toBe(accessors.int)
  })
})
