// The tagged codec, formats v1 and v2: golden bytes, round trips that keep types (fast-check),
// agreement with the independent reference in codec-reference.ts, the number rules, the key
// order of v2, limits, the splits across the core's buffers (stream, tape, unit scratch, arena),
// and what must be refused.

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { decodeFields, decodeValue, encodeFields, encodeValue, DEFAULT_CODEC_LIMITS, type Value } from '../src/codec'
import { SessionError } from '../src/errors'
import { core } from '../src/wasm/index'
import { canonical, compareKeys, difference, fieldsArb, fromTyped, keyArb, refDecode, refEncode, refEntries, valueArb, type Typed } from './codec-reference'

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

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

/** The SessionError `f` throws (fails the test when it throws something else, or nothing). */
function thrown(f: () => unknown): SessionError {
  try {
    f()
  } catch (err) {
    if (err instanceof SessionError) return err
    throw err
  }
  throw new Error('expected a SessionError, nothing was thrown')
}

function expectSame(actual: unknown, expected: unknown): void {
  const d = difference(actual, expected)
  if (d !== undefined) expect.fail(d)
}

function roundTrip(v: Value): Value {
  return decodeValue(encodeValue(v))
}

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

describe('codec: sizes and splits across the core buffers', () => {
  // Strings of up to 64 units go through the stream and are written as ASCII optimistically;
  // longer ones are placed straight into the arena. Decoding, up to 64 bytes arrive as UTF-16
  // units, longer ones through TextDecoder. Every length around those edges, every kind of unit.
  it('strings of every length around the thresholds, ASCII or not, as values and keys', () => {
    const units = ['a', 'é', '日', '😀', '\u007f', '\u0080', '\u07ff', '\u0800']
    for (const unit of units) {
      for (let n = 0; n <= 140; n++) {
        for (const s of [unit.repeat(n), 'a'.repeat(n) + unit, unit + 'b'.repeat(n), 'x'.repeat(n >> 1) + unit + 'y'.repeat(n >> 1)]) {
          const bytes = encodeValue(s)
          expect(hex(bytes)).toBe(hex(refEncode(s)))
          expect(decodeValue(bytes)).toBe(s)
          const o = { [s]: s }
          expectSame(roundTrip(o), o)
        }
      }
    }
  })

  it('a string whose UTF-8 length needs a longer varint than its unit count', () => {
    // 64 units of U+65E5: 192 bytes, a 2-byte length where 64 needs 1.
    for (const s of ['日'.repeat(64), 'a'.repeat(40) + '日'.repeat(24), '日'.repeat(43) + 'a']) {
      expect(hex(encodeValue(s))).toBe(hex(refEncode(s)))
      expect(roundTrip(s)).toBe(s)
      expectSame(roundTrip({ [s]: 1 }), { [s]: 1 })
    }
  })

  it('byte arrays of every length around the threshold', () => {
    for (let n = 0; n <= 140; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255)
      expect(hex(encodeValue(b))).toBe(hex(refEncode(b)))
      expectSame(roundTrip(b), b)
    }
  })

  it('many items: the encode stream is flushed and the decode tape refilled many times', () => {
    const numbers = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? i * 1.5 : i - 10_000))
    expectSame(roundTrip(numbers), numbers)
    const nulls = new Array<Value>(10_000).fill(null)
    expectSame(roundTrip(nulls), nulls)
    const strings = Array.from({ length: 5_000 }, (_, i) => `${i}:${'é'.repeat(i % 70)}`)
    expectSame(roundTrip(strings), strings)
    expect(hex(encodeValue(strings))).toBe(hex(refEncode(strings)))
    const objects = Array.from({ length: 3_000 }, (_, i) => ({ id: i, name: `n${i % 500}`, tags: [i % 7 === 0, null] }))
    expectSame(roundTrip(objects), objects)
  })

  it('objects with hundreds of keys (key-cache slots shared, no false duplicates)', () => {
    for (const count of [255, 256, 257, 300, 1000]) {
      const o: Record<string, Value> = {}
      for (let i = 0; i < count; i++) o[`k${i}`] = i
      expectSame(roundTrip(o), o)
      const f = decodeFields(encodeFields(o))
      expectSame({ ...f }, o)
    }
  })

  it('refuses a duplicate key among hundreds', () => {
    const o: Record<string, Value> = {}
    for (let i = 0; i < 300; i++) o[`k${i}`] = i
    const bytes = encodeValue(o)
    // Rename key k299 (the last entry: 04 6b 3239 39 03 ...) to k150, which is already there.
    const h = hex(bytes)
    const last = h.lastIndexOf(Buffer.from('k299').toString('hex'))
    const dup = unhex(h.slice(0, last) + Buffer.from('k150').toString('hex') + h.slice(last + 8))
    // In v2 a repeated key is also out of order; v1 finds it through the key cache's slots.
    expect(thrown(() => decodeValue(dup)).message).toMatch(/^cannot decode: object keys out of order/)
    dup[0] = 1
    expect(thrown(() => decodeValue(dup)).message).toBe('cannot decode: duplicate key "k150"')
    expect(thrown(() => decodeFields(dup)).code).toBe('CODEC')
    // And the codec is still right afterwards.
    expectSame(decodeValue(bytes), o)
  })

  it('values larger than the 64 KiB IO buffer, up to maxBytes', () => {
    const s = 'x'.repeat(200_000) + 'é'.repeat(50_000)
    expect(roundTrip(s)).toBe(s)
    const b = new Uint8Array(300_000).map((_, i) => i & 255)
    expectSame(roundTrip(b), b)
    const fields = { a: s, b, c: Array.from({ length: 10_000 }, (_, i) => `v${i}`) }
    expectSame({ ...decodeFields(encodeFields(fields)) }, fields)
  })

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

describe('codec: untrusted input', () => {
  it('a __proto__ key is an own property and pollutes nothing', () => {
    const bytes = unhex('010b02095f5f70726f746f5f5f0b0108706f6c6c75746564020b636f6e7374727563746f72070163')
    const v = decodeValue(bytes) as Record<string, Value>
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor'])
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toEqual({ polluted: true })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((v as { polluted?: unknown }).polluted).toBeUndefined()
    const f = decodeFields(bytes)
    expect(Object.getPrototypeOf(f)).toBe(null)
    expect(Object.keys(f)).toEqual(['__proto__', 'constructor'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    // And it round-trips as a key like any other (into v2: the same keys, already in order).
    expect(hex(encodeValue(v))).toBe('02' + hex(bytes).slice(2))
  })

  it('a __proto__ key nested in a fields map', () => {
    const f = decodeFields(encodeFields(JSON.parse('{"a": {"__proto__": {"x": 1}}}') as Record<string, Value>))
    const a = f.a as Record<string, Value>
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype)
    expect(Object.hasOwn(a, '__proto__')).toBe(true)
    expect((a as { x?: unknown }).x).toBeUndefined()
  })

  it('the key cache stays right when a decode fails halfway through new keys', () => {
    const good = { alpha: 1, beta: 2, gamma: 3, delta: [4] }
    const goodBytes = encodeValue(good)
    for (let cut = 1; cut < goodBytes.length; cut++) {
      // New keys in the failing input take slots; the next decode must not trust them.
      const o: Record<string, Value> = {}
      for (let i = 0; i < 40; i++) o[`fresh${cut}_${i}`] = i
      const bytes = encodeValue(o)
      thrown(() => decodeValue(bytes.subarray(0, bytes.length - cut)))
      expectSame(decodeValue(goodBytes), canonical(good))
      expectSame(decodeValue(bytes), canonical(o))
    }
  })

  it('never trusts a cached key across a failure in JS (duplicate key)', () => {
    const dup = unhex('010b02' + '0178' + '00' + '0178' + '00') // {x: null, x: null}
    for (let i = 0; i < 3; i++) {
      thrown(() => decodeValue(dup))
      expectSame(decodeValue(encodeValue({ x: 1, y: 2 })), { x: 1, y: 2 })
    }
  })
})

describe('codec: results and the WASM boundary', () => {
  it('returns fresh bytes the caller owns, never a view into WASM memory', () => {
    const memory = core.exports.memory
    const results = [1, 'x'.repeat(100), 'y'.repeat(2000), 'z'.repeat(10_000), { a: 'b'.repeat(70) }].map((v) => encodeValue(v as Value))
    const copies = results.map((r) => hex(r))
    for (const r of results) {
      expect(r.constructor).toBe(Uint8Array)
      expect(r.buffer).not.toBe(memory.buffer)
      // A buffer of its own, exactly the value: a store may keep or transfer `.buffer`.
      expect(r.byteOffset).toBe(0)
      expect(r.buffer.byteLength).toBe(r.length)
    }
    expect(new Set(results.map((r) => r.buffer)).size).toBe(results.length)
    // Later encodes leave earlier results alone, and results never overlap.
    for (let i = 0; i < 50; i++) encodeValue({ n: i, s: 'q'.repeat(i * 20) })
    expect(results.map((r) => hex(r))).toEqual(copies)
    for (const r of results) r.fill(0xee)
    expect(hex(encodeValue('x'.repeat(100)))).toBe(copies[1])
    const a = encodeValue('a'.repeat(100))
    const b = encodeValue('b'.repeat(100))
    a.fill(0)
    expect(decodeValue(b)).toBe('b'.repeat(100))
  })

  it('decodes from any view (offset, shared buffer) without touching it', () => {
    const bytes = encodeValue({ a: [1, 'two', 3n] })
    const big = new Uint8Array(bytes.length + 20)
    big.set(bytes, 7)
    const view = big.subarray(7, 7 + bytes.length)
    const before = hex(big)
    expectSame(decodeValue(view), { a: [1, 'two', 3n] })
    expect(hex(big)).toBe(before)
  })

  it('the debug build checks the core invariants with assert()', () => {
    const e = core.exports as unknown as { codecEncode(len: number, flags: number, maxBytes: number, maxDepth: number): number }
    if (process.env.SIMPLESESSIONS_WASM !== 'debug') return // release: noAssert, by design
    expect(() => e.codecEncode(3, 0, 0, 0)).toThrow(/^codecEncode: bad stream length at assembly\/codec\/encode\.ts:\d+:\d+$/)
    expect(() => e.codecEncode(0, 1, 100, 0)).toThrow(/^codecEncode: bad limits/)
    expectSame(roundTrip({ still: 'fine' }), { still: 'fine' })
  })

  it('keeps working when WASM memory grows under it', () => {
    const before = encodeValue({ s: 'x'.repeat(100), n: [1, 2, 3] })
    core.exports.memory.grow(1)
    expect(hex(encodeValue({ s: 'x'.repeat(100), n: [1, 2, 3] }))).toBe(hex(before))
    expectSame(decodeValue(before), { n: [1, 2, 3], s: 'x'.repeat(100) })
  })

  it('refuses re-entrant use from a getter, and recovers', () => {
    const sneaky = {
      get inner(): Value {
        return encodeValue('nested') as unknown as Value
      },
    }
    const err = thrown(() => encodeValue(sneaky as unknown as Value))
    expect(err.code).toBe('CODEC')
    expect(err.message).toMatch(/re-entrantly/)
    expectSame(roundTrip({ ok: true }), { ok: true })
  })

  it('ignores enumerable keys someone added to Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.injected = 1
    try {
      expect(hex(encodeValue({ a: 1 }))).toBe(hex(refEncode({ a: 1 })))
      expect(Object.keys(decodeFields(encodeFields({ a: 1 })))).toEqual(['a'])
    } finally {
      delete proto.injected
    }
  })

  it('handles getters that change the object they belong to', () => {
    const o: Record<string, unknown> = { a: 1 }
    Object.defineProperty(o, 'b', {
      enumerable: true,
      get() {
        o.c = 3
        return 2
      },
    })
    // for-in may or may not visit the added key; either way the count written must match.
    try {
      const back = roundTrip(o as Value) as Record<string, Value>
      expect(back.a).toBe(1)
      expect(back.b).toBe(2)
    } catch (err) {
      expect(err).toBeInstanceOf(SessionError)
    }
  })
})
