// The tagged codec, formats v1 and v2: golden bytes, round trips that keep types (fast-check),
// agreement with the independent reference in codec-reference.ts, the number rules, the key
// order of v2, limits, and what must be refused. The boundary's own cases (the splits across the
// core's buffers, the key cache, results and re-entrancy) are in test/wasm/encoder.test.ts and
// test/wasm/decoder.test.ts.

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { decodeFields, decodeValue, encodeFields, encodeValue, DEFAULT_CODEC_LIMITS, type Value } from '../src/codec'
import { core } from '../src/wasm/index'
import { MAX_CODEC_BYTES, MAX_CODEC_DEPTH } from '../src/value'
import { expectSame, hex, roundTrip, thrown, unhex } from './helpers/codec'
import { canonical, compareKeys, fieldsArb, fromTyped, keyArb, refDecode, refEncode, refEntries, valueArb, type Typed } from './codec-reference'

interface Fixtures {
  values: { name: string; value: Typed; hex: string }[]
  fields: { name: string; value: Typed; hex: string }[]
  invalid: { name: string; hex: string; fieldsOnly?: boolean }[]
}
const readFixtures = (name: string): Fixtures => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Fixtures
const v1 = readFixtures('codec-v1.json')
const v2 = readFixtures('codec-v2.json')
/** v1 fixtures of invalid input that format v2 made valid: "0200" is now v2's null. */
const V1_INVALID_NOW_V2 = new Set(['version 2'])

function expectInvalid(bad: string, fieldsOnly: boolean | undefined): void {
  const bytes = unhex(bad)
  expect(() => refDecode(bytes, { fields: fieldsOnly === true })).toThrow() // the fixture itself is right
  expect(thrown(() => decodeFields(bytes)).code).toBe('CODEC')
  if (fieldsOnly) decodeValue(bytes)
  else expect(thrown(() => decodeValue(bytes)).code).toBe('CODEC')
}

describe('codec format v2: golden bytes', () => {
  it.each(v2.values)('value: $name', ({ value, hex: golden }) => {
    const v = fromTyped(value)
    expect(hex(encodeValue(v))).toBe(golden)
    expectSame(decodeValue(unhex(golden)), v)
  })

  it.each(v2.fields)('fields: $name', ({ value, hex: golden }) => {
    const v = fromTyped(value) as Record<string, Value>
    expect(hex(encodeFields(v))).toBe(golden)
    const decoded = decodeFields(unhex(golden))
    expect(Object.getPrototypeOf(decoded)).toBe(null)
    expectSame({ ...decoded }, v)
  })

  it.each(v2.invalid)('invalid: $name', ({ hex: bad, fieldsOnly }) => expectInvalid(bad, fieldsOnly))

  it('reports what is wrong and where', () => {
    expect(thrown(() => decodeValue(unhex('020c'))).message).toBe('cannot decode: unknown tag at byte 1')
    expect(thrown(() => decodeValue(unhex('020000'))).message).toBe('cannot decode: trailing bytes after the value at byte 2')
    expect(thrown(() => decodeValue(unhex('0207026162ff'))).message).toMatch(/^cannot decode: trailing bytes/)
    expect(thrown(() => decodeValue(unhex('020702c0af'))).message).toBe('cannot decode: invalid UTF-8 at byte 3')
    expect(thrown(() => decodeValue(unhex('0300'))).message).toBe('cannot decode: unsupported format version (expected 1 or 2) at byte 0')
    expect(thrown(() => decodeValue(unhex('020b02016100016100'))).message).toBe('cannot decode: duplicate key "a"')
    // {"b": null, "1": null}: the second key is out of order; its length byte is byte 6.
    expect(thrown(() => decodeValue(unhex('020b02016200013100'))).message).toBe(
      'cannot decode: object keys out of order (format v2: shorter UTF-8 first, then bytewise) at byte 6',
    )
    expect(thrown(() => decodeFields(unhex('020b0101610b02016200013100'))).message).toMatch(/out of order .* at byte 10$/)
  })
})

describe('codec format v1: golden bytes still decode', () => {
  it.each(v1.values)('value: $name', ({ value, hex: golden }) => {
    const v = fromTyped(value)
    expectSame(decodeValue(unhex(golden)), v)
    // Encoding writes v2: the same value with its keys in order.
    expect(hex(encodeValue(v))).toBe(hex(refEncode(v)))
  })

  it.each(v1.fields)('fields: $name', ({ value, hex: golden }) => {
    const v = fromTyped(value) as Record<string, Value>
    const decoded = decodeFields(unhex(golden))
    expect(Object.getPrototypeOf(decoded)).toBe(null)
    expectSame({ ...decoded }, v)
    expect(hex(encodeFields(decoded))).toBe(hex(refEncode(v)))
  })

  it.each(v1.invalid.filter((f) => !V1_INVALID_NOW_V2.has(f.name)))('invalid: $name', ({ hex: bad, fieldsOnly }) => expectInvalid(bad, fieldsOnly))
})

describe('codec: round trips keep values and types', () => {
  it('decode(encode(x)) is x (its objects listing their keys in format v2 order), for any value', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        expectSame(roundTrip(v), canonical(v))
      }),
      { numRuns: 400 },
    )
  })

  it('decodeFields(encodeFields(x)) is x, without a prototype', () => {
    fc.assert(
      fc.property(fieldsArb, (fields) => {
        const decoded = decodeFields(encodeFields(fields))
        expect(Object.getPrototypeOf(decoded)).toBe(null)
        expectSame(decoded, canonical(Object.setPrototypeOf({ ...fields }, null) as Value))
      }),
      { numRuns: 200 },
    )
  })

  it('writes the bytes of the reference encoder, and they are canonical', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        const bytes = encodeValue(v)
        expect(hex(bytes)).toBe(hex(refEncode(v)))
        expect(hex(encodeValue(decodeValue(bytes)))).toBe(hex(bytes))
        expectSame(refDecode(bytes), decodeValue(bytes))
      }),
      { numRuns: 300 },
    )
  })

  it('keeps integers and floats apart (the rules of the module comment)', () => {
    const tagOf = (n: number): number => encodeValue(n)[1]!
    for (const n of [0, 1, -1, 3, 12345, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      expect(tagOf(n)).toBe(0x03)
      expect(Number.isInteger(roundTrip(n))).toBe(true)
    }
    for (const n of [1.5, -0, 0.1, 2 ** 53, -(2 ** 53), 1e300, Infinity, -Infinity, 5e-324]) {
      expect(tagOf(n)).toBe(0x04)
      expect(Object.is(roundTrip(n), n)).toBe(true)
    }
    expect(Object.is(roundTrip(-0), -0)).toBe(true)
    expect(roundTrip(3.0)).toBe(3)
    // A bigint stays a bigint, a number a number, however equal they are.
    expect(roundTrip(3n)).toBe(3n)
    expect(typeof roundTrip(3)).toBe('number')
  })

  it('keeps every int64 and uint64 bigint', () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), (b) => {
        expect(roundTrip(b)).toBe(b)
      }),
    )
  })

  it('gives bytes back as a Uint8Array of their own (a Buffer too)', () => {
    const buf = Buffer.from([1, 2, 3])
    const back = roundTrip(buf) as Uint8Array
    expect(back.constructor).toBe(Uint8Array)
    expect([...back]).toEqual([1, 2, 3])
    const big = roundTrip(new Uint8Array(300).fill(9)) as Uint8Array
    expect(big.buffer).not.toBe(core.exports.memory.buffer)
  })

  it('gives objects their keys in format v2 order, after the integer-like ones (the order JS gives them)', () => {
    const o = { b: 1, a: 2, 10: 3, 2: 4, '': 5, aa: 6, é: 7, z: 8 }
    expect(Object.keys(roundTrip(o) as object)).toEqual(['2', '10', '', 'a', 'b', 'z', 'aa', 'é'])
  })
})

describe('codec format v2: one encoding per value (object keys in order)', () => {
  /** The blob of object `bytes` with its entries in the order `order` (indexes into them). */
  function reordered(bytes: Uint8Array, order: number[]): Uint8Array {
    const { head, entries } = refEntries(bytes)
    return new Uint8Array(Buffer.concat([head, ...order.map((i) => entries[i]!)]))
  }

  const objectArb = fc.dictionary(keyArb, valueArb, { minKeys: 2, maxKeys: 8, noNullPrototype: true })
  /** An object and an order of its entries other than the encoded one. */
  const reorderArb = objectArb.chain((o) => {
    const n = Object.keys(o).length
    const identity = Array.from({ length: n }, (_, i) => i)
    return fc.tuple(fc.constant(o), fc.shuffledSubarray(identity, { minLength: n, maxLength: n }).filter((p) => p.some((x, i) => x !== i)))
  })

  it('of {"b": null, "1": null} in its two orders, only the one in order decodes', () => {
    const bytes = encodeValue({ b: null, 1: null })
    const other = reordered(bytes, [1, 0])
    expectSame(decodeValue(bytes), { 1: null, b: null })
    expect(thrown(() => decodeValue(other)).code).toBe('CODEC')
    expect(thrown(() => decodeFields(other)).code).toBe('CODEC')
  })

  it('encodes keys in order: shorter UTF-8 first, then bytewise, whatever order the object has', () => {
    fc.assert(
      fc.property(objectArb, (o) => {
        const { keys } = refEntries(encodeValue(o))
        expect(keys).toEqual(Object.keys(o).sort(compareKeys))
        for (let i = 1; i < keys.length; i++) expect(compareKeys(keys[i - 1]!, keys[i]!)).toBeLessThan(0)
      }),
      { numRuns: 300 },
    )
  })

  it('decode(encode(x)) re-encodes to the same bytes, for values and for fields', () => {
    fc.assert(
      fc.property(valueArb, fieldsArb, (v, f) => {
        const bytes = encodeValue(v)
        expect(hex(encodeValue(decodeValue(bytes)))).toBe(hex(bytes))
        const fb = encodeFields(f)
        expect(hex(encodeFields(decodeFields(fb)))).toBe(hex(fb))
      }),
      { numRuns: 300 },
    )
  })

  it('refuses every other order of an object\'s entries (v2), at the first key out of order', () => {
    fc.assert(
      fc.property(reorderArb, ([o, order]) => {
        const bad = reordered(encodeValue(o), order)
        const err = thrown(() => decodeValue(bad))
        expect(err.code).toBe('CODEC')
        expect(err.message).toMatch(/^cannot decode: object keys out of order .* at byte \d+$/)
        expect(() => refDecode(bad)).toThrow(/out of order/)
        expect(thrown(() => decodeFields(bad)).code).toBe('CODEC')
      }),
      { numRuns: 300 },
    )
  })

  it('accepts any order of an object\'s entries in v1, as before', () => {
    fc.assert(
      fc.property(reorderArb, ([o, order]) => {
        const bad = reordered(encodeValue(o), order)
        bad[0] = 1
        const decoded = decodeValue(bad)
        expectSame(decoded, refDecode(bad))
        expectSame(canonical(decoded), canonical(o))
        expectSame({ ...decodeFields(bad) }, decoded)
        // Re-encoded, it is v2 and in order.
        expect(hex(encodeValue(decoded))).toBe(hex(encodeValue(o)))
      }),
      { numRuns: 300 },
    )
  })

  it('sorts nested objects, objects of hundreds of keys, and long keys placed outside the stream', () => {
    const many: Record<string, Value> = {}
    for (let i = 999; i >= 0; i--) many[`key-${(i * 7919) % 1000}`] = i
    const long: Record<string, Value> = {}
    for (const k of ['z'.repeat(100), 'y'.repeat(100), 'é'.repeat(50), 'x'.repeat(99), 'k'.repeat(32), 'k'.repeat(31)]) long[k] = k.length
    const v = { z: [many, { b: long, a: { d: 1, c: [{ f: 1, e: 2 }] } }], y: 'é'.repeat(70), '': new Uint8Array(90) }
    const bytes = encodeValue(v)
    expect(hex(bytes)).toBe(hex(refEncode(v)))
    expectSame(decodeValue(bytes), canonical(v))
    const fb = encodeFields(v)
    expect(hex(fb)).toBe(hex(refEncode(v)))
    expectSame({ ...decodeFields(fb) }, canonical(v))
  })
})

describe('codec: limits', () => {
  it('maxBytes: an encoding of exactly maxBytes passes, one byte more is TOO_LARGE, both ways', () => {
    const limits = { maxBytes: 1000 }
    const fits = 'a'.repeat(1000 - 4) // version, tag, 2-byte length
    expect(encodeValue(fits, limits).length).toBe(1000)
    expect(thrown(() => encodeValue(fits + 'a', limits)).code).toBe('TOO_LARGE')
    expect(thrown(() => encodeValue(['a'.repeat(500), 'b'.repeat(500)], limits)).code).toBe('TOO_LARGE')
    expect(thrown(() => encodeValue(new Uint8Array(2000), limits)).code).toBe('TOO_LARGE')
    expect(thrown(() => encodeValue(new Array(600).fill(1.5), limits)).code).toBe('TOO_LARGE')
    const long = encodeValue(fits + 'a')
    expect(decodeValue(long)).toBe(fits + 'a')
    expect(thrown(() => decodeValue(long, limits)).code).toBe('TOO_LARGE')
    expect(thrown(() => decodeValue(new Uint8Array(DEFAULT_CODEC_LIMITS.maxBytes + 1))).code).toBe('TOO_LARGE')
  })

  it('maxDepth: nesting up to it passes, one more is refused, both ways (a fields map counts)', () => {
    const nest = (d: number): Value => (d === 0 ? 0 : [nest(d - 1)])
    expectSame(roundTrip(nest(32)), nest(32))
    const err = thrown(() => encodeValue(nest(33)))
    expect(err.code).toBe('CODEC')
    expect(err.message).toMatch(/nested deeper than maxDepth \(32\) cannot be encoded \(at \[0\]\[0\]/)
    const deep = refEncode(nest(33), 100)
    expect(thrown(() => decodeValue(deep)).message).toMatch(/^cannot decode: arrays and objects nested deeper than maxDepth \(32\)/)
    expectSame(decodeValue(deep, { maxDepth: 33 }), nest(33))
    expect(thrown(() => encodeValue(nest(3), { maxDepth: 2 })).code).toBe('CODEC')
    expect(thrown(() => encodeFields({ a: nest(2) }, { maxDepth: 2 })).code).toBe('CODEC')
    expect(Object.keys(decodeFields(encodeFields({ a: nest(1) }, { maxDepth: 2 }), { maxDepth: 2 }))).toEqual(['a'])
    expect(thrown(() => decodeFields(encodeFields({ a: nest(2) }, { maxDepth: 3 }), { maxDepth: 2 })).code).toBe('CODEC')
  })

  it('a cycle ends at maxDepth with a clear message', () => {
    const o: Record<string, Value> = { a: 1 }
    o.self = o
    const err = thrown(() => encodeValue(o))
    expect(err.code).toBe('CODEC')
    expect(err.message).toMatch(/^arrays and objects nested deeper than maxDepth \(32\) cannot be encoded \(at \.self\.self.*\(is there a cycle\?\)$/)
  })
})

describe('codec: refused values', () => {
  const cases: [string, unknown, RegExp][] = [
    ['undefined', undefined, /^undefined cannot be encoded: supported are null, boolean/],
    ['a function', () => 1, /^a function cannot be encoded/],
    ['a symbol', Symbol('s'), /^a symbol \(Symbol\(s\)\) cannot be encoded/],
    ['NaN', NaN, /^NaN cannot be encoded$/],
    ['an Invalid Date', new Date(NaN), /^an Invalid Date cannot be encoded$/],
    ['a bigint past 2^64 - 1', 2n ** 64n, /^the bigint 18446744073709551616 \(outside -2\^64\.\.2\^64-1\) cannot be encoded/],
    ['a bigint below -2^64', -(2n ** 64n) - 1n, /^the bigint -18446744073709551617/],
    ['a Map', new Map(), /^an instance of Map cannot be encoded/],
    ['a Set', new Set(), /^an instance of Set cannot be encoded/],
    ['a RegExp', /x/, /^an instance of RegExp cannot be encoded/],
    ['a class instance', new (class Point {})(), /^an instance of Point cannot be encoded/],
    ['a Uint16Array', new Uint16Array(2), /^an instance of Uint16Array cannot be encoded/],
    ['an ArrayBuffer', new ArrayBuffer(2), /^an instance of ArrayBuffer cannot be encoded/],
    ['an Array subclass', new (class L extends Array {})(), /^an instance of L \(a subclass of Array\)/],
    ['a Date subclass', new (class D extends Date {})(), /^an instance of D cannot be encoded/],
    ['a boxed string', new String('x'), /^an instance of String cannot be encoded/],
    ['a lone surrogate', 'a\ud800b', /^a string with a lone surrogate \(U\+D800\.\.U\+DFFF\) cannot be encoded: UTF-8 cannot represent it$/],
    ['a long string with a lone surrogate', 'a'.repeat(100) + '\udc00', /^a string with a lone surrogate/],
  ]
  it.each(cases)('%s', (_, v, message) => {
    const err = thrown(() => encodeValue(v as Value))
    expect(err.code).toBe('CODEC')
    expect(err.message).toMatch(message)
  })

  it('says where the culprit is', () => {
    const at = (v: unknown): string => thrown(() => encodeValue(v as Value)).message
    expect(at({ a: [1, { b: NaN }] })).toBe('NaN cannot be encoded (at .a[1].b)')
    expect(at({ a: [1, 2, undefined] })).toMatch(/^undefined cannot be encoded \(at \.a\[2\]\): supported/)
    expect(at([1, , 3])).toMatch(/^undefined cannot be encoded \(at \[1\]\)/) // a hole
    expect(at({ 'two words': { 'ü': 'x\ud800' } })).toMatch(/\(at \["two words"\]\.ü\): UTF-8 cannot represent it$/)
    expect(at({ ['k\udc00']: 1 })).toMatch(/^a string with a lone surrogate .* \(at \["k\\udc00"\]\)/)
    const many = Array.from({ length: 5000 }, (_, i) => (i === 4321 ? new Date(NaN) : new Date(i)))
    expect(at({ list: many })).toBe('an Invalid Date cannot be encoded (at .list[4321])')
    const strings = Array.from({ length: 3000 }, (_, i) => (i === 2999 ? 'é\ud800' : `s${i}`))
    expect(at(strings)).toMatch(/\(at \[2999\]\)/) // found by the core in a later stream chunk
    expect(thrown(() => encodeFields({ user: { id: 1, fn: () => 0 } as unknown as Value })).message).toMatch(/^a function \(fn\) cannot be encoded \(at \.user\.fn\)/)
  })

  it('refuses fields that are not a plain object', () => {
    for (const v of [null, [], 'x', new Map(), new Date()]) {
      expect(thrown(() => encodeFields(v as unknown as Record<string, Value>)).message).toMatch(/^session fields must be a plain object/)
    }
    expect(thrown(() => decodeFields(encodeValue([1]))).message).toMatch(/session fields must be an object/)
  })

  it('refuses a non-Uint8Array input to decode', () => {
    expect(thrown(() => decodeValue('0100' as unknown as Uint8Array)).code).toBe('CODEC')
  })

  it('refuses invalid limits with CONFIG', () => {
    for (const limits of [{ maxDepth: 0 }, { maxDepth: 1.5 }, { maxDepth: 257 }, { maxBytes: 8 }, { maxBytes: 2 ** 40 }, { maxBytes: NaN }]) {
      expect(thrown(() => encodeValue(1, limits)).code).toBe('CONFIG')
      expect(thrown(() => decodeValue(unhex('0100'), limits)).code).toBe('CONFIG')
    }
  })

  it('is still right after every kind of refusal', () => {
    for (const [, v] of cases) thrown(() => encodeValue({ k: [v] } as Value))
    const s = { id: 1, name: 'Ada', tags: ['a', 'b'] }
    expectSame(roundTrip(s), s)
  })
})

describe('the façade: its own checks', () => {
  it('decodeValue and decodeFields refuse anything but a Uint8Array (CODEC), before the core sees it', () => {
    for (const bad of [[1, 2], 'bytes', null, undefined, new ArrayBuffer(4), new Uint16Array(2), { length: 1, 0: 1 }]) {
      for (const decode of [decodeValue, decodeFields]) {
        const e = thrown(() => decode(bad as unknown as Uint8Array))
        expect(e.code).toBe('CODEC')
        expect(e.message).toBe(`cannot decode: expected a Uint8Array, got ${typeof bad}`)
      }
    }
  })

  it('limits: maxDepth up to MAX_CODEC_DEPTH and maxBytes up to MAX_CODEC_BYTES are taken, one more is CONFIG', () => {
    const bytes = encodeValue([1])
    expectSame(decodeValue(bytes, { maxDepth: MAX_CODEC_DEPTH }), [1])
    expectSame(decodeValue(bytes, { maxBytes: MAX_CODEC_BYTES }), [1])
    expect(thrown(() => decodeValue(bytes, { maxDepth: MAX_CODEC_DEPTH + 1 })).message).toMatch(/^option maxDepth is invalid: /)
    expect(thrown(() => decodeValue(bytes, { maxBytes: MAX_CODEC_BYTES + 1 })).message).toMatch(/^option maxBytes is invalid: /)
  })

  it('encodeFields with limits writes the same bytes as without them, and takes a fields map only', () => {
    const fields = { user: 'ada', n: 3 }
    expect(hex(encodeFields(fields, { maxDepth: 8 }))).toBe(hex(encodeFields(fields)))
    for (const bad of [[1], 5, 'x', null]) {
      for (const limits of [undefined, { maxDepth: 8 }]) {
        expect(thrown(() => encodeFields(bad as never, limits)).message).toMatch(/^session fields must be a plain object/)
      }
    }
  })
})
