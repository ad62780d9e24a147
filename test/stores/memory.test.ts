// MemoryStore: the conformance suite (on a manual clock, and on real time the way a Redis store
// will run it), then what is its own: options validated at construction, byte counting, LRU
// eviction by count and by bytes, TOO_LARGE, a flood that stays at the cap, expiry on read and by
// sweep, a sweep timer that never keeps the process alive, close(), and TypeErrors for callers
// that break the contract.

import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SessionError, isSessionError } from '../../src/errors'
import { MemoryStore, SESSION_OVERHEAD, type MemoryStoreOptions } from '../../src/stores/memory'
import type { SessionMeta } from '../../src/stores/types'
import { rejection } from '../helpers/async'
import { patternBytes, toHex } from '../helpers/bytes'
import { describeStore, manualClock, newId, type TestClock } from './conformance'

describeStore('MemoryStore (manual clock)', () => {
  const clock = manualClock()
  const store = new MemoryStore({ now: clock.now })
  return { store, clock, cleanup: () => store.close() }
})

describeStore(
  'MemoryStore (real clock)',
  () => {
    const store = new MemoryStore()
    return { store, clock: undefined, cleanup: () => store.close() }
  },
  { realTtl: 100 },
)

const HOUR = 3_600_000
const MiB = 1024 * 1024

/** Every store a test makes is closed after it. */
const open: MemoryStore[] = []
function make(options: MemoryStoreOptions = {}): MemoryStore {
  const s = new MemoryStore({ sweepInterval: 0, ...options })
  open.push(s)
  return s
}
afterEach(() => {
  for (const s of open.splice(0)) s.close()
  vi.useRealTimers()
})

/** A store on a manual clock, and a meta an hour long on it. */
function clocked(options: MemoryStoreOptions = {}): { store: MemoryStore; clock: TestClock; meta: (ttl?: number) => SessionMeta } {
  const clock = manualClock()
  const store = make({ now: clock.now, ...options })
  return { store, clock, meta: (ttl = HOUR) => ({ createdAt: clock.now(), expiresAt: clock.now() + ttl }) }
}

const one = (name: string, value: Uint8Array) => new Map([[name, value]])

// The byte accounting, as the module comment states it: SESSION_OVERHEAD + the key's bytes + the
// packed value's length. These mirror the packing, so a change to it shows up here.
/** Bytes of an unsigned varint. */
const uvarintLen = (x: number): number => (x < 128 ? 1 : 1 + uvarintLen(Math.floor(x / 128)))
/** Bytes of a packed time: 6 bits (and the sign) in the first byte, 7 in each next. */
const timeLen = (t: number): number => (t === Infinity || Math.abs(t) < 64 ? 1 : 1 + uvarintLen(Math.floor(Math.abs(t) / 64)))
/** Key bytes of a base64url ID: 3 per 4 characters, then 0, 1, 2 or 4 for the tail. */
const keyLen = (id: string): number => 3 * Math.floor(id.length / 4) + [0, 1, 2, 4][id.length % 4]!
/** Packed bytes of a field of an interned name (one of a store's first 64) and an n-byte value. */
const fieldLen = (n: number): number => 1 + uvarintLen(n) + n
/** Counted bytes of a session of base64url `id`, times `meta`, and interned-name fields of these value lengths. */
const sessionBytes = (id: string, meta: SessionMeta, ...values: number[]): number =>
  SESSION_OVERHEAD + keyLen(id) + timeLen(meta.expiresAt) + timeLen(meta.createdAt) + values.reduce((sum, n) => sum + fieldLen(n), 0)
/** The value length that makes a field of an interned name take `bytes` packed bytes. */
const valueFor = (bytes: number): number => {
  for (let n = bytes - 2; n >= 0; n--) if (fieldLen(n) === bytes) return n
  throw new Error(`no value makes a field of ${bytes} bytes`)
}
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : toHex(b))

function expectConfig(options: unknown, message: RegExp): void {
  let caught: unknown
  try {
    new MemoryStore(options as MemoryStoreOptions).close()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(SessionError)
  expect((caught as SessionError).code).toBe('CONFIG')
  expect((caught as SessionError).message).toMatch(message)
}

describe('MemoryStore options', () => {
  it('defaults: 100 000 sessions, 64 MiB, a sweep every minute', () => {
    const s = new MemoryStore()
    expect([s.maxSessions, s.maxBytes, s.sweepInterval]).toEqual([100_000, 64 * MiB, 60_000])
    s.close()
  })

  it('accepts Infinity for the limits, 0 for no timer, and the longest timer there is', () => {
    const s = make({ maxSessions: Infinity, maxBytes: Infinity, sweepInterval: 0 })
    expect([s.maxSessions, s.maxBytes, s.sweepInterval]).toEqual([Infinity, Infinity, 0])
    expect(make({ sweepInterval: 2_147_483_647 }).sweepInterval).toBe(2_147_483_647)
    expect(make({ maxSessions: 1, maxBytes: 1 }).maxBytes).toBe(1)
  })

  it.each([
    [{ maxSessions: 0 }, /^option maxSessions is invalid: 0 \(a positive integer, or Infinity for no limit\)$/],
    [{ maxSessions: -1 }, /^option maxSessions is invalid: -1 /],
    [{ maxSessions: 1.5 }, /^option maxSessions is invalid: 1\.5 /],
    [{ maxSessions: NaN }, /^option maxSessions is invalid: NaN /],
    [{ maxSessions: '10' }, /^option maxSessions is invalid: "10" /],
    [{ maxSessions: null }, /^option maxSessions is invalid: null /],
    [{ maxBytes: 0 }, /^option maxBytes is invalid: 0 /],
    [{ maxBytes: -Infinity }, /^option maxBytes is invalid: -Infinity /],
    [{ maxBytes: 2 ** 60 }, /^option maxBytes is invalid: 1152921504606847000 /],
    [{ sweepInterval: -1 }, /^option sweepInterval is invalid: -1 \(integer milliseconds from 1 to 2147483647, or 0 for no timer\)$/],
    [{ sweepInterval: 1.5 }, /^option sweepInterval is invalid: 1\.5 /],
    [{ sweepInterval: 2 ** 31 }, /^option sweepInterval is invalid: 2147483648 /],
    [{ sweepInterval: Infinity }, /^option sweepInterval is invalid: Infinity /],
    [{ maxSessionsPerOwner: 0 }, /^option maxSessionsPerOwner is invalid: 0 \(a positive integer, or Infinity for no limit\)$/],
    [{ now: 1234 }, /^option now is invalid: "number" \(a function returning milliseconds since the epoch\)$/],
    [null, /^option options is invalid: null \(an object\)$/],
    [42, /^option options is invalid: 42 /],
  ])('rejects %o at construction with CONFIG', (options, message) => {
    expectConfig(options, message)
  })
})

describe('MemoryStore bytes', () => {
  it('counts the overhead, the key, the times and every packed field, and gives them back', async () => {
    const { store, meta } = clocked()
    const id = newId()
    const m = meta()
    const base = sessionBytes(id, m)
    expect(base).toBe(SESSION_OVERHEAD + 24 + 6 + 6) // a 32-character ID is a 24-byte key; a 2030 time takes 6 bytes
    await store.create(id, m)
    expect(store.bytes).toBe(base)
    await store.commit(id, { set: new Map([['ab', new Uint8Array(10)], ['xyz', new Uint8Array(1000)]]), expiresAt: m.expiresAt })
    expect(store.bytes).toBe(base + (1 + 1 + 10) + (1 + 2 + 1000))
    await store.commit(id, { delete: ['xyz'], set: one('ab', new Uint8Array(3)), expiresAt: m.expiresAt })
    expect(store.bytes).toBe(base + 1 + 1 + 3)
    await store.touch(id, Infinity) // Infinity takes one byte where the old expiry took 6
    expect(store.bytes).toBe(base + 5 - 5)
    const other = newId()
    await store.create(other, m, one('', new Uint8Array(0)))
    expect(store.bytes).toBe(base + 5 - 5 + sessionBytes(other, m, 0))
    await store.destroy(id)
    await store.destroy(other)
    expect([store.size, store.bytes]).toEqual([0, 0])
  })

  it('counts an ID that is not base64url whole, at two bytes a character plus one', async () => {
    const { store, meta } = clocked()
    const m = meta()
    await store.create('s:not/base64url.id', m)
    expect(store.bytes).toBe(SESSION_OVERHEAD + 2 * ('s:not/base64url.id'.length + 1) + 12)
    await store.destroy('s:not/base64url.id')
    expect(store.bytes).toBe(0)
  })

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

  it('takes Buffers and foreign-realm Uint8Arrays, returns plain Uint8Arrays, and refuses other views', async () => {
    const { store, meta } = clocked()
    const id = newId()
    const { runInNewContext } = await import('node:vm')
    const foreign = runInNewContext('new Uint8Array([7, 8, 9])') as Uint8Array
    expect(foreign instanceof Uint8Array).toBe(false)
    await store.create(id, meta(), new Map([['buf', Buffer.from('hi')], ['foreign', foreign]]))
    const f = (await store.load(id))!.fields
    expect(Object.getPrototypeOf(f.get('buf'))).toBe(Uint8Array.prototype)
    expect([hex(f.get('buf')), hex(f.get('foreign'))]).toEqual(['6869', '070809'])
    await expect(store.commit(id, { set: one('x', new Int8Array(2) as unknown as Uint8Array), expiresAt: meta().expiresAt })).rejects.toThrow(TypeError)
  })
})

describe('MemoryStore packing', () => {
  it('keeps IDs of every length and alphabet apart, including those whose decoded bytes look alike', async () => {
    const { store, meta } = clocked()
    const ids = new Set<string>()
    // Every base64url tail (4k + 0..3 characters), all-zero sextets included: 'A' is 0 and '_' is 63.
    for (let n = 1; n <= 13; n++) for (const c of ['A', '_', '-', 'z']) ids.add(c.repeat(n))
    for (const id of ['AAAAAAA', 'AAAAAAAA', 'AAAAAAAAA', 'AAA_', 'AAA__', 'AAAA' + '\u00ff', 'AAAA\u0100', 'AAAA\u0100\u0100']) ids.add(id)
    // Not base64url: kept whole (with '\u0100' appended), which must not meet a decoded key either.
    for (const id of ['a:b', 'a.b', 'a b', 'é', '\u0100', '\u0100\u0100', '名前', '🙂', '=', 'AAAA=', 'AAA\u0000', '\u0000', ' ', 'a'.repeat(2000)]) ids.add(id)
    const list = [...ids]
    for (const [i, id] of list.entries()) expect(await store.create(id, meta(), one('i', Uint8Array.of(i & 255, i >> 8)))).toBe(true)
    expect(store.size).toBe(list.length)
    for (const [i, id] of list.entries()) expect(hex((await store.load(id))!.fields.get('i')), JSON.stringify(id)).toBe(toHex(Uint8Array.of(i & 255, i >> 8)))
    for (const id of list) await store.destroy(id)
    expect([store.size, store.bytes]).toEqual([0, 0])
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

describe('MemoryStore eviction', () => {
  it.each(['load', 'getMulti', 'commit', 'touch'] as const)('is LRU by count: %s makes a session recently used', async (use) => {
    const { store, meta } = clocked({ maxSessions: 3 })
    const [a, b, c, d] = [newId(), newId(), newId(), newId()]
    for (const id of [a, b, c]) await store.create(id, meta(), one('k', Uint8Array.of(1)))
    if (use === 'load') await store.load(a)
    if (use === 'getMulti') await store.getMulti(a, ['k'])
    if (use === 'commit') await store.commit(a, { expiresAt: meta().expiresAt })
    if (use === 'touch') await store.touch(a, meta().expiresAt)
    await store.create(d, meta())
    expect(store.size).toBe(3)
    expect(await store.load(b)).toBeNull() // the least recently used went
    for (const id of [a, c, d]) expect(await store.load(id)).not.toBeNull()
  })

  it('using the most recently used session again keeps the order exact', async () => {
    const { store, meta } = clocked({ maxSessions: 3 })
    const [a, b, c, d, e] = [newId(), newId(), newId(), newId(), newId()]
    for (const id of [a, b, c]) await store.create(id, meta(), one('k', Uint8Array.of(1)))
    await store.load(c)
    await store.commit(c, { set: one('k', Uint8Array.of(2)), expiresAt: meta().expiresAt })
    await store.touch(c, meta().expiresAt)
    await store.load(a) // order: b, c, a
    await store.load(a)
    await store.commit(a, { set: one('k', Uint8Array.of(3)), expiresAt: meta().expiresAt })
    await store.create(d, meta()) // evicts b
    expect(await store.load(b)).toBeNull()
    await store.destroy(d) // the most recent one goes: order c, a
    await store.load(a)
    await store.create(e, meta()) // order: c, a, e
    await store.create(d, meta()) // evicts c
    expect(await store.load(c)).toBeNull()
    expect(hex((await store.load(a))!.fields.get('k'))).toBe('03')
    expect(await store.load(e)).not.toBeNull()
    expect(await store.load(d)).not.toBeNull()
  })

  it('is LRU by bytes, and a growing session pushes out others, never itself', async () => {
    const ids = Array.from({ length: 5 }, () => newId())
    const value = new Uint8Array(100)
    const clock = manualClock()
    const meta = () => ({ createdAt: clock.now(), expiresAt: clock.now() + HOUR })
    const per = sessionBytes(ids[0]!, meta(), 100)
    const store = make({ now: clock.now, maxBytes: 3 * per, maxSessions: Infinity })
    for (const id of ids.slice(0, 3)) await store.create(id, meta(), one('v', value))
    expect(store.bytes).toBe(3 * per)
    await store.load(ids[0]!) // order now: 1, 2, 0
    await store.create(ids[3]!, meta(), one('v', value)) // evicts 1
    expect(await store.load(ids[1]!)).toBeNull()
    expect(store.bytes).toBe(3 * per)
    // order: 2, 0, 3 (the load of 1 found nothing). Grow 3 by 150 bytes: 2 must go, 0 stays.
    await store.commit(ids[3]!, { set: one('w', new Uint8Array(valueFor(150))), expiresAt: meta().expiresAt })
    expect(await store.load(ids[2]!)).toBeNull()
    expect(await store.load(ids[0]!)).not.toBeNull()
    expect(await store.load(ids[3]!)).not.toBeNull()
    expect(store.bytes).toBe(2 * per + 150)
    // A session that fills the store alone pushes out every other one.
    await store.commit(ids[3]!, { set: one('w', new Uint8Array(valueFor(3 * per - per))), expiresAt: meta().expiresAt })
    expect(store.bytes).toBe(3 * per)
    expect(store.size).toBe(1)
    expect(await store.load(ids[3]!)).not.toBeNull()
  })

  it('destroy and sweep free room without evicting anyone', async () => {
    const { store, clock, meta } = clocked({ maxSessions: 2 })
    const [a, b, c, d] = [newId(), newId(), newId(), newId()]
    await store.create(a, meta(), one('k', Uint8Array.of(1)))
    await store.create(b, meta(10), one('k', Uint8Array.of(2)))
    await store.destroy(a)
    await store.create(c, meta(), one('k', Uint8Array.of(3)))
    clock.advance(10)
    expect(store.sweep()).toBe(1) // b
    await store.create(d, meta(), one('k', Uint8Array.of(4)))
    expect(await store.load(c)).not.toBeNull()
    expect(await store.load(d)).not.toBeNull()
  })

  // What a flood costs per create, at the cap and below it, is a row of `npm run bench` (the
  // memory rows), not a timing here.
  it(`a flood of creates with maxSessions 10^4 stays at the cap and keeps the newest`, async () => {
    const n = 200_000 // twenty times the cap
    const cap = 10_000
    const store = make({ maxSessions: cap })
    const now = Date.now()
    const meta = { createdAt: now, expiresAt: now + HOUR }
    const fields = one('user', Uint8Array.of(1, 2, 3, 4))
    const per = sessionBytes('flood-0000000', meta, 4) // the 13-character IDs are 10-byte keys
    let over = 0
    for (let i = 0; i < n; i++) {
      if (!(await store.create(`flood-${String(i).padStart(7, '0')}`, meta, fields))) throw new Error(`create ${i} refused`)
      if (store.size > cap) over++
    }
    expect(over).toBe(0)
    expect(store.size).toBe(cap)
    expect(store.bytes).toBe(cap * per)
    expect(await store.load(`flood-${String(n - 1).padStart(7, '0')}`)).not.toBeNull()
    expect(await store.load(`flood-${String(n - cap).padStart(7, '0')}`)).not.toBeNull()
    expect(await store.load(`flood-${String(n - cap - 1).padStart(7, '0')}`)).toBeNull()
  })
  it('in a store of >= 1024 sessions, a session moved within the last 64 uses stays in place', async () => {
    // Re-inserting a few hot keys over and over is pathological in V8's Map (holes in one bucket
    // chain), so recent movers are replaced in place: the order is LRU except among the newest 64.
    const { store, meta } = clocked({ maxSessions: 1024 })
    const ids = Array.from({ length: 1024 }, () => newId())
    for (const id of ids) await store.create(id, meta(), one('k', Uint8Array.of(1)))
    const [a, b] = [ids[0]!, ids[1]!]
    await store.load(a) // moved to the back: ..., a
    await store.load(b) // ..., a, b
    await store.load(a) // moved within the last 64: stays, so still ..., a, b (exact LRU: ..., b, a)
    for (let i = 0; i < 1022; i++) await store.create(newId(), meta()) // evicts ids[2..1023]
    expect(await store.load(ids[2]!)).toBeNull()
    expect(await store.load(ids[1023]!)).toBeNull()
    await store.create(newId(), meta()) // the front is now a
    expect(await store.load(a)).toBeNull()
    expect(await store.load(b)).not.toBeNull()
  })

  it('stays exactly LRU through a long random mix of every call, against a reference model', async () => {
    const clock = manualClock()
    const cap = 40
    const store = make({ now: clock.now, maxSessions: cap })
    /** The model: insertion order is recency, as in the store. */
    const model = new Map<string, number>()
    const touch = (id: string, v: number) => {
      model.delete(id)
      model.set(id, v)
      if (model.size > cap) model.delete(model.keys().next().value!)
    }
    const pool = Array.from({ length: 120 }, () => newId())
    let seed = 12345
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const m = { createdAt: clock.now(), expiresAt: clock.now() + HOUR }
    let id = pool[0]!
    for (let step = 0; step < 30_000; step++) {
      if (rand(3) > 0) id = pool[rand(pool.length)]! // else the same session again
      const op = rand(6)
      const v = step & 255
      if (op === 0) {
        const created = await store.create(id, m, one('v', Uint8Array.of(v)))
        expect(created).toBe(!model.has(id))
        if (created) touch(id, v)
      } else if (op === 1) {
        const r = await store.load(id)
        expect(r === null ? undefined : r.fields.get('v')![0]).toBe(model.get(id))
        if (r) touch(id, model.get(id)!)
      } else if (op === 2) {
        const ok = await store.commit(id, { set: one('v', Uint8Array.of(v)), expiresAt: m.expiresAt })
        expect(ok).toBe(model.has(id))
        if (ok) touch(id, v)
      } else if (op === 3) {
        const ok = await store.touch(id, m.expiresAt)
        expect(ok).toBe(model.has(id))
        if (ok) touch(id, model.get(id)!)
      } else if (op === 4) {
        const r = await store.getMulti(id, ['v'])
        expect(r === null ? undefined : r.values[0]![0]).toBe(model.get(id))
        if (r) touch(id, model.get(id)!)
      } else {
        await store.destroy(id)
        model.delete(id)
      }
      expect(store.size).toBe(model.size)
    }
    expect(store.bytes).toBe(model.size * sessionBytes(pool[0]!, m, 1))
  })
})

describe('MemoryStore TOO_LARGE', () => {
  it('refuses a session larger than maxBytes on create, storing and evicting nothing', async () => {
    const { store, meta } = clocked({ maxBytes: 2000 })
    const small = newId()
    await store.create(small, meta(), one('k', Uint8Array.of(1)))
    const before = store.bytes
    const id = newId()
    const err = await rejection(store.create(id, meta(), one('big', new Uint8Array(2000))))
    expect(isSessionError(err, 'TOO_LARGE')).toBe(true)
    expect((err as Error).message).not.toContain(id) // the ID is a secret
    expect(await store.load(id)).toBeNull()
    expect(await store.load(small)).not.toBeNull()
    expect([store.size, store.bytes]).toEqual([1, before])
  })

  it('refuses a commit that would grow a session past maxBytes, leaving it as it was', async () => {
    const { store, meta } = clocked({ maxBytes: 2000 })
    const other = newId()
    const id = newId()
    const m = meta()
    await store.create(other, m, one('k', Uint8Array.of(1)))
    await store.create(id, m, one('a', Uint8Array.of(1)))
    const err = await rejection(store.commit(id, { clear: true, set: one('big', new Uint8Array(2000)), expiresAt: m.expiresAt + 5 }))
    expect(isSessionError(err, 'TOO_LARGE')).toBe(true)
    const record = await store.load(id)
    expect(record!.meta).toEqual(m)
    expect([...record!.fields.keys()]).toEqual(['a'])
    expect(await store.load(other)).not.toBeNull()
  })

  it('a session of exactly maxBytes fits', async () => {
    const id = newId()
    const clock = manualClock()
    const meta = () => ({ createdAt: clock.now(), expiresAt: clock.now() + HOUR })
    const max = sessionBytes(id, meta(), 500)
    const store = make({ now: clock.now, maxBytes: max })
    expect(await store.create(id, meta(), one('v', new Uint8Array(500)))).toBe(true)
    expect(store.bytes).toBe(max)
    await expect(store.commit(id, { set: one('v', new Uint8Array(501)), expiresAt: meta().expiresAt })).rejects.toThrow(/maxBytes/)
  })
})

describe('MemoryStore expiry', () => {
  it('a session is live until the millisecond before expiresAt, and gone at it', async () => {
    const { store, clock, meta } = clocked()
    const id = newId()
    await store.create(id, meta(1000), one('k', Uint8Array.of(1)))
    clock.advance(999)
    expect(await store.load(id)).not.toBeNull()
    clock.advance(1)
    expect(await store.load(id)).toBeNull()
  })

  it('a read that finds an expired session removes it', async () => {
    const { store, clock, meta } = clocked()
    const [a, b] = [newId(), newId()]
    await store.create(a, meta(10), one('k', Uint8Array.of(1)))
    await store.create(b, meta(), one('k', Uint8Array.of(1)))
    clock.advance(10)
    expect(store.size).toBe(2)
    expect(await store.getMulti(a, ['k'])).toBeNull()
    expect(store.size).toBe(1)
    expect(store.bytes).toBe(sessionBytes(b, meta(), 1))
  })

  it('sweep() removes exactly the expired sessions and returns how many', async () => {
    const { store, clock, meta } = clocked()
    const ids = Array.from({ length: 6 }, () => newId())
    for (const [i, id] of ids.entries()) await store.create(id, meta(i % 2 ? 100 : HOUR), one('i', Uint8Array.of(i)))
    expect(store.sweep()).toBe(0)
    clock.advance(100)
    expect(store.sweep()).toBe(3)
    expect(store.sweep()).toBe(0)
    expect(store.size).toBe(3)
    expect(store.bytes).toBe(3 * sessionBytes(ids[0]!, meta(), 1))
    for (const [i, id] of ids.entries()) expect((await store.load(id)) === null).toBe(i % 2 === 1)
  })

  it('the timer sweeps every sweepInterval, and close() stops it', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const clock = manualClock()
    const store = make({ now: clock.now, sweepInterval: 1000 })
    expect(vi.getTimerCount()).toBe(1)
    await store.create(newId(), { createdAt: clock.now(), expiresAt: clock.now() + 500 })
    await store.create(newId(), { createdAt: clock.now(), expiresAt: clock.now() + 1500 })
    clock.advance(600)
    vi.advanceTimersByTime(999)
    expect(store.size).toBe(2)
    vi.advanceTimersByTime(1)
    expect(store.size).toBe(1)
    clock.advance(1000)
    vi.advanceTimersByTime(1000)
    expect(store.size).toBe(0)
    store.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('the timer is unref’d: it is not among the resources keeping the process alive', () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const base = timeouts()
    const probe = setInterval(() => {}, 1000) // the probe sees a ref'd timer…
    expect(timeouts()).toBe(base + 1)
    clearInterval(probe)
    const store = make({ sweepInterval: 1000 })
    expect(timeouts()).toBe(base) // …and not the store's
    store.close()
  })

  it('a process with an open MemoryStore exits on its own, and its timer does run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simplesessions-memory-'))
    try {
      const entry = fileURLToPath(new URL('../../src/stores/memory.ts', import.meta.url))
      await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: join(dir, 'memory.mjs'), logLevel: 'silent' })
      const script = join(dir, 'child.mjs')
      await writeFile(
        script,
        `import { MemoryStore } from ${JSON.stringify(pathToFileURL(join(dir, 'memory.mjs')).href)}\n` +
          `let reads = 0\n` +
          `const store = new MemoryStore({ sweepInterval: 20, now: () => (reads++, Date.now()) })\n` +
          `await store.create('some-session-id', { createdAt: Date.now(), expiresAt: Date.now() + 60000 })\n` +
          `reads = 0\n` +
          `if (process.argv[2] === 'wait') setTimeout(() => {}, 300)\n` +
          `process.on('exit', () => console.log(JSON.stringify({ sweeps: reads, size: store.size })))\n`,
      )
      const run = (arg: string) =>
        new Promise<{ ms: number; out: { sweeps: number; size: number } }>((resolve, reject) => {
          const t0 = performance.now()
          execFile(process.execPath, [script, arg], { timeout: 10_000 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`child failed (${String(err.signal ?? err.code)}): ${stderr}`))
            else resolve({ ms: performance.now() - t0, out: JSON.parse(stdout) as { sweeps: number; size: number } })
          })
        })
      const alone = await run('alone')
      expect(alone.out.size).toBe(1)
      // With a ref'd 20 ms interval it would never exit (and the timeout would kill it).
      const waited = await run('wait')
      expect(waited.out.sweeps).toBeGreaterThan(3) // the timer ran while something else kept the process up
      expect(alone.ms).toBeLessThan(15_000)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('MemoryStore owner index', () => {
  const owned = (m: SessionMeta, owner: string, handle: string): SessionMeta => ({ ...m, owner, handle })
  const handles = async (store: MemoryStore, owner: string) => (await store.listSessions(owner)).map((s) => s.handle).sort()

  it('follows LRU eviction: an evicted session is no longer listed nor counted', async () => {
    const { store, meta } = clocked({ maxSessions: 3 })
    const ids = [newId(), newId(), newId(), newId()]
    for (const [i, id] of ids.entries()) await store.create(id, owned(meta(), 'ada', `h${i}`))
    expect(store.size).toBe(3)
    expect(await handles(store, 'ada')).toEqual(['h1', 'h2', 'h3'])
    expect(await store.destroySessions('ada')).toBe(3)
    expect(store.size).toBe(0)
  })

  it('follows sweep and close', async () => {
    const { store, clock, meta } = clocked()
    await store.create(newId(), owned(meta(1000), 'ada', 'short'))
    await store.create(newId(), owned(meta(), 'ada', 'long'))
    clock.advance(1000)
    expect(store.sweep()).toBe(1)
    expect(await handles(store, 'ada')).toEqual(['long'])
    store.close()
    const reopened = make()
    expect(await reopened.listSessions('ada')).toEqual([])
  })

  it('caps the sessions of one owner: past maxSessionsPerOwner the owner’s oldest is evicted, no one else’s', async () => {
    const { store, meta } = clocked({ maxSessionsPerOwner: 3 })
    const other = newId()
    await store.create(other, owned(meta(), 'grace', 'g'))
    const ids = Array.from({ length: 5 }, () => newId())
    for (const [i, id] of ids.entries()) await store.create(id, owned(meta(), 'ada', `h${i}`))
    expect(await handles(store, 'ada')).toEqual(['h2', 'h3', 'h4'])
    expect(await store.load(ids[0]!)).toBeNull()
    expect(await store.load(ids[1]!)).toBeNull()
    expect(await store.load(other)).not.toBeNull()
    expect(store.size).toBe(4)
  })

  it('an owner with very many sessions costs a request no more: the index of one owner stays at the cap', async () => {
    // 20 000 logins of one owner (a bot) under a cap of 1000: the owner never holds more, and a
    // listing returns at most the cap. (Counted, not timed: see the flood test above.)
    const { store, meta } = clocked({ maxSessions: Infinity })
    for (let i = 0; i < 20_000; i++) await store.create(newId(), owned(meta(), 'bot', `h${i}`))
    expect(store.size).toBe(1000)
    const list = await store.listSessions('bot')
    expect(list).toHaveLength(1000)
    expect(list[0]!.handle).toBe('h19000')
  })

  it('sessions without extras have no entry beside their packed value', async () => {
    const { store, meta } = clocked()
    const id = newId()
    await store.create(id, meta())
    expect((await store.load(id))!.meta).toStrictEqual({ createdAt: meta().createdAt, expiresAt: meta().expiresAt })
  })
})

describe('MemoryStore close', () => {
  it('drops every session, stops sweeping and rejects later calls with STORE_UNAVAILABLE', async () => {
    const { store, meta } = clocked()
    const id = newId()
    await store.create(id, meta(), one('k', Uint8Array.of(1)))
    store.close()
    expect([store.size, store.bytes, store.sweep()]).toEqual([0, 0, 0])
    const err = await rejection(store.load(id))
    expect(isSessionError(err, 'STORE_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toBe('the MemoryStore was closed')
    store.close()
  })
})

describe('MemoryStore contract violations', () => {
  it('are TypeErrors that write nothing', async () => {
    const { store, meta } = clocked()
    const id = newId()
    const m = meta()
    const bad = <T>(v: unknown) => v as T
    await expect(store.create(id, m, bad(new Map([['k', 'not bytes']])))).rejects.toThrow(TypeError)
    await expect(store.create(id, m, bad(new Map([[1, Uint8Array.of(1)]])))).rejects.toThrow(TypeError)
    await expect(store.create(id, { createdAt: m.createdAt, expiresAt: 1.5 })).rejects.toThrow(/expiresAt must be integer milliseconds/)
    await expect(store.create(id, { createdAt: Infinity, expiresAt: m.expiresAt })).rejects.toThrow(/createdAt must be integer milliseconds/)
    await expect(store.create(id, bad(undefined))).rejects.toThrow(TypeError)
    await expect(store.create('', m)).rejects.toThrow(/non-empty string/)
    await expect(store.load(bad(42))).rejects.toThrow(TypeError)
    expect(await store.load(id)).toBeNull()

    await store.create(id, m, one('a', Uint8Array.of(1)))
    await expect(store.commit(id, { set: bad(new Map<string, unknown>([['b', Uint8Array.of(2)], ['c', 3]])), expiresAt: m.expiresAt })).rejects.toThrow(TypeError)
    await expect(store.commit(id, { delete: bad(['a', null]), expiresAt: m.expiresAt })).rejects.toThrow(TypeError)
    await expect(store.commit(id, { set: one('b', Uint8Array.of(2)), expiresAt: NaN })).rejects.toThrow(TypeError)
    await expect(store.touch(id, bad('soon'))).rejects.toThrow(TypeError)
    await expect(store.getMulti(id, bad([undefined]))).rejects.toThrow(TypeError)
    const record = await store.load(id)
    expect(record!.meta).toEqual(m)
    expect([...record!.fields.keys()]).toEqual(['a'])
  })
})
