// The MemoryStore's packed session (src/stores/memory/record.ts): varints and times written and
// read back at their edges, then the format through the store: values of every size, names of
// every kind (interned, inline one-byte, inline UTF-16), times to the safe extremes, and a build
// that a caller's code re-enters.

import { describe, expect, it } from 'vitest'
import { isSessionError } from '../../../src/errors'
import { SESSION_OVERHEAD, type MemoryStore } from '../../../src/stores/memory/index'
import { at, begin, finish, put, putBlock, putTime, putU, readS, readU } from '../../../src/stores/memory/record'
import { patternBytes, toHex } from '../../helpers/bytes'
import { manualClock, newId } from '../conformance'
import { clocked, fieldLen, hex, make, one, sessionBytes, timeLen, uvarintLen, useStores } from './fixture'

useStores()

describe('record varints', () => {
  it.each([0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER])('an unsigned varint of %i', (x) => {
    const build = begin()
    put(7)
    putU(x)
    const s = finish(build)
    expect(s.length).toBe(1 + uvarintLen(x))
    expect(readU(s, 1)).toBe(x)
    expect(at).toBe(s.length)
  })

  it.each([0, 1, -1, 63, 64, -64, 8191, 8192, Date.UTC(2030, 0, 1), -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Infinity])('a time of %d', (t) => {
    const build = begin()
    putTime(t)
    const s = finish(build)
    expect(s.length).toBe(timeLen(t))
    expect(readS(s, 0)).toBe(t)
    expect(at).toBe(s.length)
    for (let i = 0; i < s.length; i++) expect(s.charCodeAt(i)).toBeLessThan(256)
  })

  it('a build that another one started over fails instead of returning what that one left', () => {
    const outer = begin()
    put(1)
    const inner = begin()
    put(2)
    expect(finish(inner)).toBe('\u0002')
    expect(() => finish(outer)).toThrow(/called again while it was packing/)
  })

  it('a session longer than a string can be is refused with TOO_LARGE, and the next build starts clean', () => {
    const big = 'x'.repeat(2 ** 28) // a rope: cheap to make, and never flattened here
    const build = begin()
    put(1)
    for (let i = 0; i < 3; i++) putBlock(big, 0, big.length)
    let caught: unknown
    try {
      finish(build)
    } catch (e) {
      caught = e
    }
    expect(isSessionError(caught, 'TOO_LARGE')).toBe(true)
    expect((caught as Error).message).toBe('a session does not fit in one string of the MemoryStore')
    expect((caught as Error).cause).toBeInstanceOf(RangeError)
    const next = begin()
    put(2)
    expect(finish(next)).toBe('\u0002')
  })
})

describe('MemoryStore packing', () => {
  it.each([0, 1, 127, 128, 255, 256, 257, 4096, 8191, 8192, 8193, 16383, 16384, 70_000])('keeps a %i-byte value exactly, through create, commit, load and getMulti', async (n) => {
    const { store, meta } = clocked()
    const id = newId()
    const v = patternBytes(n, n)
    const w = patternBytes(n, n + 1)
    await store.create(id, meta(), one('v', v))
    expect(hex((await store.load(id))!.fields.get('v'))).toBe(toHex(v))
    await store.commit(id, { set: one('w', w), expiresAt: meta().expiresAt })
    expect((await store.getMulti(id, ['w', 'v']))!.values.map(hex)).toEqual([toHex(w), toHex(v)])
  })

  it('keeps a session of many small fields, more bytes than one call can turn into a string', async () => {
    const { store, meta } = clocked()
    const id = newId()
    const f = new Map(Array.from({ length: 4000 }, (_, i): [string, Uint8Array] => [`f${i}`, patternBytes(250, i)]))
    await store.create(id, meta(), f)
    const got = (await store.load(id))!.fields
    expect(got.size).toBe(f.size)
    expect([...f].filter(([n, v]) => hex(got.get(n)) !== toHex(v)).map(([n]) => n)).toEqual([])
  })

  it('keeps a field name of 300 000 UTF-16 units, more than one call can turn into a string', async () => {
    const { store, meta } = clocked()
    const id = newId()
    const name = Array.from({ length: 300_000 }, (_, i) => String.fromCharCode(0x100 + (i % 5000))).join('')
    await store.create(id, meta(), one(name, Uint8Array.of(7)))
    const got = (await store.load(id))!.fields
    expect([...got.keys()].map((n) => [n.length, n === name])).toEqual([[name.length, true]])
    expect((await store.getMulti(id, [name]))!.values.map(hex)).toEqual(['07'])
  })

  it('getMulti gives undefined for a name the session lacks, even the first name the store interned', async () => {
    const { store, meta } = clocked()
    const [a, b] = [newId(), newId()]
    await store.create(a, meta(), one('first', Uint8Array.of(1))) // interned as number 0
    await store.create(b, meta(), one('other', Uint8Array.of(2)))
    expect((await store.getMulti(b, ['first', 'other']))!.values.map(hex)).toEqual([undefined, '02'])
    expect((await store.getMulti(b, ['other', 'first']))!.values.map(hex)).toEqual(['02', undefined])
  })

  it('interns the first 256 distinct names of up to 64 characters; later or longer ones are packed inline', async () => {
    /** Bytes the name of a lone empty field takes in a new session, as counted. */
    const nameBytes = async (store: MemoryStore, name: string): Promise<number> => {
      const id = newId()
      const m = { createdAt: 0, expiresAt: Infinity }
      const before = store.bytes
      await store.create(id, m, one(name, new Uint8Array(0)))
      return store.bytes - before - sessionBytes(id, m) - 1 // 1: the value's length
    }
    const { store } = clocked()
    expect(await nameBytes(store, 'n0')).toBe(1) // number 0: uvarint(0)
    for (let i = 1; i < 63; i++) await nameBytes(store, `n${i}`)
    expect(await nameBytes(store, 'n63')).toBe(1) // uvarint(2 × 63)
    expect(await nameBytes(store, 'n64')).toBe(2) // uvarint(2 × 64)
    for (let i = 65; i < 255; i++) await nameBytes(store, `n${i}`)
    expect(await nameBytes(store, 'n255')).toBe(2) // the 256th
    expect(await nameBytes(store, 'n256')).toBe(1 + 4) // the table is full: uvarint(4 × 4 + 1) and one byte a character
    expect(await nameBytes(store, 'n0')).toBe(1) // an interned name stays so
    expect(await nameBytes(store, '名前')).toBe(1 + 4) // uvarint(4 × 2 + 3) and two bytes a character

    const fresh = clocked().store
    expect(await nameBytes(fresh, 'ÿ'.repeat(64))).toBe(1) // 64 characters: interned
    expect(await nameBytes(fresh, 'ÿ'.repeat(65))).toBe(2 + 65) // 65: inline, 'ÿ' (0xFF) one byte
    expect(await nameBytes(fresh, '名'.repeat(65))).toBe(2 + 130)
    expect(await nameBytes(fresh, 'a'.repeat(64) + '\u0100')).toBe(2 + 130) // one wide character makes it all two bytes
  })


  it('keeps names of every kind, interned or inline, through create, commit, load and getMulti', async () => {
    const { store, meta } = clocked()
    const id = newId()
    const m = meta()
    const names = [
      '',
      '__proto__',
      'é',
      'ÿ'.repeat(64),
      'ÿ'.repeat(65), // too long to intern: inline, one byte a character
      '名前 ✓ 🙂',
      '名'.repeat(100), // inline, two bytes a character
      '\ud800', // a lone surrogate
      'x\udfffy'.repeat(30),
      '\u0000',
    ]
    // More distinct names than the table holds: the later ones are inline.
    for (let i = 0; i < 300; i++) names.push(`n${i}`)
    const f = new Map(names.map((n, i): [string, Uint8Array] => [n, Uint8Array.of(i & 255, i >> 8)]))
    expect(await store.create(id, m, f)).toBe(true)
    const other = newId()
    expect(await store.create(other, m, new Map([...f].reverse()))).toBe(true)
    for (const sid of [id, other]) {
      const got = (await store.load(sid))!
      expect([...got.fields.keys()].sort()).toEqual([...names].sort())
      for (const [n, v] of f) expect(hex(got.fields.get(n)), JSON.stringify(n)).toBe(toHex(v))
      expect((await store.getMulti(sid, [...names].reverse()))!.values.map(hex)).toEqual([...names].reverse().map((n) => toHex(f.get(n)!)))
    }
    const drop = names.filter((_n, i) => i % 3 === 0)
    const set = new Map(names.filter((_n, i) => i % 3 === 1).map((n): [string, Uint8Array] => [n, Uint8Array.of(0xee)]))
    expect(await store.commit(id, { delete: drop, set, expiresAt: m.expiresAt })).toBe(true)
    const got = (await store.load(id))!
    expect(got.fields.size).toBe(names.length - drop.length)
    for (const [n, v] of f) expect(hex(got.fields.get(n)), JSON.stringify(n)).toBe(drop.includes(n) ? undefined : set.has(n) ? 'ee' : toHex(v))
  })

  it.each(['create', 'commit'] as const)('a value whose getter calls the store again fails the outer %s, and corrupts nothing', async (call) => {
    const { store, meta } = clocked()
    const [inner, outer] = [newId(), newId()]
    const m = meta()
    if (call === 'commit') await store.create(outer, m, one('a', Uint8Array.of(1)))
    let innerCall: Promise<boolean> | undefined
    const value = new Proxy(Uint8Array.of(1, 2, 3), {
      get(target, prop) {
        if (prop === 'length' && innerCall === undefined) innerCall = store.create(inner, m, one('i', Uint8Array.of(9)))
        const v = Reflect.get(target, prop, target) as unknown
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v
      },
    })
    const attempt = call === 'create' ? store.create(outer, m, one('v', value)) : store.commit(outer, { set: one('v', value), expiresAt: m.expiresAt })
    await expect(attempt).rejects.toThrow(/called again while it was packing/)
    expect(await innerCall).toBe(true)
    expect(hex((await store.load(inner))!.fields.get('i'))).toBe('09')
    if (call === 'create') expect(await store.load(outer)).toBeNull()
    else expect([...(await store.load(outer))!.fields].map(([k, v]) => [k, hex(v)])).toEqual([['a', '01']])
    expect(store.bytes).toBe(sessionBytes(inner, m, 1) + (call === 'commit' ? sessionBytes(outer, m, 1) : 0))
  })

  it.each([
    ['0 and 0', 0, 1],
    ['negative', -1, 1],
    ['a 6-bit edge', 63, 64],
    ['a 13-bit edge', 8191, 8192],
    ['the safe extremes', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['never expiring', Number.MIN_SAFE_INTEGER, Infinity],
  ])('keeps times exactly: %s', async (_what, createdAt, expiresAt) => {
    const clock = manualClock(-Number.MAX_SAFE_INTEGER)
    const store = make({ now: clock.now })
    const id = newId()
    const m = { createdAt, expiresAt }
    expect(await store.create(id, m, one('k', Uint8Array.of(1)))).toBe(true)
    expect((await store.load(id))!.meta).toEqual(m)
    expect((await store.getMulti(id, ['k']))!.meta).toEqual(m)
    expect(await store.touch(id, expiresAt)).toBe(true)
    expect(await store.commit(id, { set: one('l', Uint8Array.of(2)), expiresAt })).toBe(true)
    expect((await store.load(id))!.meta).toEqual(m)
    expect(store.bytes).toBe(SESSION_OVERHEAD + 24 + timeLen(expiresAt) + timeLen(createdAt) + 2 * fieldLen(1))
  })
})
