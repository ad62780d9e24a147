// The MemoryStore's packed session (src/stores/memory/record.ts): varints and times written and
// read back at their edges, then the format through the store: values of every size, names of
// every kind (interned, inline one-byte, inline UTF-16), times to the safe extremes, and a build
// that a caller's code re-enters.

import { describe, expect, it } from 'vitest'
import { SESSION_OVERHEAD } from '../../../src/stores/memory/index'
import { at, begin, finish, put, putTime, putU, readS, readU } from '../../../src/stores/memory/record'
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
