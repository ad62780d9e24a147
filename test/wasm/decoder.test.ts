// src/wasm/decoder.ts: the tape refilled in chunks, the key cache (its slots shared by many keys,
// duplicates among hundreds, a failure halfway through new keys), __proto__ keys as own
// properties, and input in any view of any buffer.

import { describe, expect, it } from 'vitest'
import { decodeFields, decodeValue, encodeFields, encodeValue, type Value } from '../../src/codec'
import { canonical } from '../codec-reference'
import { expectSame, hex, roundTrip, thrown, unhex } from '../helpers/codec'

describe('decoder: the tape, the key cache and untrusted input', () => {
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

  it('decodes from any view (offset, shared buffer) without touching it', () => {
    const bytes = encodeValue({ a: [1, 'two', 3n] })
    const big = new Uint8Array(bytes.length + 20)
    big.set(bytes, 7)
    const view = big.subarray(7, 7 + bytes.length)
    const before = hex(big)
    expectSame(decodeValue(view), { a: [1, 'two', 3n] })
    expect(hex(big)).toBe(before)
  })
})
