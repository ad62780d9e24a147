// src/wasm/encoder.ts: the encode stream and what skips it (long strings and byte arrays placed
// straight into the arena), every length around those thresholds, results copied out into
// buffers of their own, and a walk that user code can interfere with (getters, re-entrant calls,
// keys added to Object.prototype). Checked against the reference encoder (test/codec-reference.ts).

import { describe, expect, it } from 'vitest'
import { decodeFields, decodeValue, encodeFields, encodeValue, type Value } from '../../src/codec'
import { SessionError } from '../../src/errors'
import { core } from '../../src/wasm/index'
import { refEncode } from '../codec-reference'
import { expectSame, hex, roundTrip, thrown } from '../helpers/codec'

describe('encoder: the stream, the arena and the result', () => {
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

  it('values larger than the 64 KiB IO buffer, up to maxBytes', () => {
    const s = 'x'.repeat(200_000) + 'é'.repeat(50_000)
    expect(roundTrip(s)).toBe(s)
    const b = new Uint8Array(300_000).map((_, i) => i & 255)
    expectSame(roundTrip(b), b)
    const fields = { a: s, b, c: Array.from({ length: 10_000 }, (_, i) => `v${i}`) }
    expectSame({ ...decodeFields(encodeFields(fields)) }, fields)
  })

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

  it('the debug build checks the core invariants with assert()', () => {
    const e = core.exports as unknown as { codecEncode(len: number, flags: number, maxBytes: number, maxDepth: number): number }
    if (process.env.SIMPLESESSIONS_WASM !== 'debug') return // release: noAssert, by design
    expect(() => e.codecEncode(3, 0, 0, 0)).toThrow(/^codecEncode: bad stream length at assembly\/codec\/encode\.ts:\d+:\d+$/)
    expect(() => e.codecEncode(0, 1, 100, 0)).toThrow(/^codecEncode: bad limits/)
    expectSame(roundTrip({ still: 'fine' }), { still: 'fine' })
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
