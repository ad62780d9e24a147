// MemoryStore: the conformance suite (on a manual clock, and on real time the way a Redis store
// will run it), then what is its own: options validated at construction, byte counting, LRU
// eviction by count and by bytes, TOO_LARGE, a flood that stays at the cap, expiry on read and by
// sweep, a sweep timer that never keeps the process alive, the owner index, close(), and
// TypeErrors for callers that break the contract. The packed format and the keys have their own
// files beside this one (record.test.ts, keys.test.ts).

import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as esbuild from 'esbuild'
import { describe, expect, it, vi } from 'vitest'
import { isSessionError } from '../../../src/errors'
import { MemoryStore, SESSION_OVERHEAD } from '../../../src/stores/memory/index'
import type { SessionMeta } from '../../../src/stores/types'
import { rejection } from '../../helpers/async'
import { describeStore, manualClock, newId } from '../conformance'
import { HOUR, MiB, clocked, expectConfig, fieldLen, hex, make, one, sessionBytes, useStores, valueFor } from './fixture'

/** The engine's garbage collector, to show that a dropped store is collected. */
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

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

useStores()


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

  it('sweepInterval 0 starts no timer: an expired session waits for a call or sweep()', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const { store, clock, meta } = clocked({ sweepInterval: 0 })
    expect(vi.getTimerCount()).toBe(0)
    await store.create(newId(), meta(10))
    clock.advance(10)
    vi.advanceTimersByTime(10 * 60_000)
    expect(store.size).toBe(1)
  })

  // Node's timers have unref(); Deno's setInterval returns a number that Deno.unrefTimer takes;
  // a browser's returns a number and has neither. A store must start on each.
  /** Makes and closes a store with a sweep timer while setInterval returns `timer` and globalThis.Deno is `deno`. */
  const startOn = (timer: unknown, deno: unknown): MemoryStore => {
    vi.stubGlobal('setInterval', () => timer)
    vi.stubGlobal('clearInterval', () => {})
    vi.stubGlobal('Deno', deno)
    try {
      const store = new MemoryStore({ sweepInterval: 1000 })
      store.close()
      return store
    } finally {
      vi.unstubAllGlobals()
    }
  }

  it.each([
    ['an object without unref', {}, undefined],
    ['null', null, undefined],
    ['a number, and there is no Deno', 7, undefined],
    ['a number, and Deno has no unrefTimer', 7, {}],
  ])('starts when setInterval returns %s', (_what, timer, deno) => {
    expect(startOn(timer, deno).sweepInterval).toBe(1000)
  })

  it('on Deno, a numeric timer is unref’d through Deno.unrefTimer', () => {
    const unrefTimer = vi.fn()
    startOn(7, { unrefTimer })
    expect(unrefTimer.mock.calls).toEqual([[7]])
  })

  it('a timer with unref() is unref’d by it, whatever the runtime; Deno.unrefTimer gets only numbers', () => {
    const unref = vi.fn()
    const unrefTimer = vi.fn()
    startOn({ unref }, { unrefTimer })
    expect(unref).toHaveBeenCalledTimes(1)
    startOn({}, { unrefTimer })
    startOn(null, { unrefTimer })
    expect(unrefTimer).not.toHaveBeenCalled()
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

  it('regenerate moves the counted bytes with the session', async () => {
    const { store, meta } = clocked()
    const [a, b] = [newId(), newId()]
    const m = meta()
    await store.create(a, m, one('k', Uint8Array.of(1)))
    expect(await store.regenerate(a, b, { set: one('l', new Uint8Array(10)), expiresAt: m.expiresAt })).toBe('ok')
    expect([store.size, store.bytes]).toEqual([1, sessionBytes(b, m, 1, 10)])
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

describe('MemoryStore eviction', () => {
  /** A store of maxSessions 1024 (so it keeps the last moves in place), filled with its 1024 sessions, the oldest first. */
  async function full1024() {
    const { store, meta } = clocked({ maxSessions: 1024 })
    const ids = Array.from({ length: 1024 }, () => newId())
    for (const id of ids) await store.create(id, meta(), one('k', Uint8Array.of(1)))
    return { store, meta, ids }
  }

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

  it('a growing session pushes out others, never itself, also when it moved lately in a store of >= 1024 sessions', async () => {
    // There a session moved within the last 64 moves is written in place, not at the back, so
    // the front the eviction starts from may be the very session being written.
    const clock = manualClock()
    const meta = () => ({ createdAt: clock.now(), expiresAt: clock.now() + HOUR })
    const [a, b] = [newId(), newId()]
    const per = sessionBytes(a, meta(), 100)
    const store = make({ now: clock.now, maxSessions: 1024, maxBytes: 3 * per })
    for (const id of [a, b]) await store.create(id, meta(), one('v', new Uint8Array(100)))
    await store.load(a) // b, a
    await store.load(b) // a, b: a is among the last moves, so it stays in front when written
    expect(await store.commit(a, { set: one('w', new Uint8Array(valueFor(per + 1))), expiresAt: meta().expiresAt })).toBe(true)
    expect(await store.load(b)).toBeNull()
    expect(hex((await store.load(a))!.fields.get('v'))).toBe(hex(new Uint8Array(100)))
    expect([store.size, store.bytes]).toEqual([1, 2 * per + 1])
  })

  it('a write that needs the room of several sessions evicts as many as it takes, the least recently used first', async () => {
    const clock = manualClock()
    const meta = () => ({ createdAt: clock.now(), expiresAt: clock.now() + HOUR })
    const ids = [newId(), newId(), newId(), newId()]
    const per = sessionBytes(ids[0]!, meta(), 100)
    const store = make({ now: clock.now, maxBytes: 4 * per, maxSessions: Infinity })
    for (const id of ids.slice(0, 3)) await store.create(id, meta(), one('v', new Uint8Array(100)))
    await store.create(ids[3]!, meta(), one('v', new Uint8Array(valueFor(2 * per + fieldLen(100))))) // 3 * per bytes
    expect([store.size, store.bytes]).toEqual([2, 4 * per])
    for (const [i, id] of ids.entries()) expect((await store.load(id)) === null).toBe(i < 2)
  })

  it('in a store of >= 1024 sessions, a write that brings the bytes to exactly maxBytes keeps a recently moved session in place', async () => {
    const clock = manualClock()
    const meta = () => ({ createdAt: clock.now(), expiresAt: clock.now() + HOUR })
    const [a, b, c] = [newId(), newId(), newId()]
    const per = sessionBytes(a, meta(), 100)
    const store = make({ now: clock.now, maxSessions: 1024, maxBytes: 2 * per + 50 })
    for (const id of [a, b]) await store.create(id, meta(), one('v', new Uint8Array(100)))
    await store.load(a) // b, a
    await store.load(b) // a, b: both among the last moves
    expect(await store.commit(a, { set: one('w', new Uint8Array(valueFor(50))), expiresAt: meta().expiresAt })).toBe(true)
    expect(store.bytes).toBe(2 * per + 50) // at the limit, not past it: a stays in front
    await store.create(c, meta(), one('v', new Uint8Array(100)))
    expect(await store.load(a)).toBeNull()
    expect(await store.load(b)).not.toBeNull()
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
    const { store, meta, ids } = await full1024()
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

  it('in a store of >= 1024 sessions, a commit or touch that fits keeps a session moved within the last 64 uses in place too', async () => {
    const { store, meta, ids } = await full1024()
    const [a, b] = [ids[0]!, ids[1]!]
    await store.load(a) // ..., a
    await store.load(b) // ..., a, b
    expect(await store.commit(a, { set: one('k', Uint8Array.of(2)), expiresAt: meta().expiresAt })).toBe(true) // in place
    expect(await store.touch(a, meta().expiresAt)).toBe(true) // in place: still ..., a, b
    for (let i = 0; i < 1023; i++) await store.create(newId(), meta()) // evicts ids[2..1023], then a
    expect(await store.load(a)).toBeNull()
    expect(await store.load(b)).not.toBeNull()
  })

  it('in a store of >= 1024 sessions, a session last moved more than 64 moves ago moves to the back again', async () => {
    const { store, meta, ids } = await full1024()
    const a = ids[0]!
    await store.load(a) // moved: ids[1..1023], a
    for (const id of ids.slice(1, 65)) await store.load(id) // 64 more moves: a's is no longer among the last 64
    await store.load(a) // so a moves again: ids[65..1023], ids[1..64], a
    for (let i = 0; i < 959 + 64; i++) await store.create(newId(), meta()) // evicts ids[65..1023] and ids[1..64]
    expect(await store.load(ids[64]!)).toBeNull()
    expect(await store.load(a)).not.toBeNull()
  })

  it('in a store of >= 1024 sessions, creating a session or using the newest one again is not a move', async () => {
    // Only moves count towards the last 64: were the newest session's use one, it would push the
    // oldest of them out, and that one would then move instead of staying in place.
    const { store, meta, ids } = await full1024()
    const x = ids[0]!
    await store.load(x) // a move: ..., x
    for (const id of ids.slice(1, 64)) await store.load(id) // 63 more: x's is the oldest of the last 64
    const w = newId()
    await store.create(w, meta()) // evicts ids[64]; w is the newest
    await store.destroy(ids[65]!)
    await store.load(w) // the newest used again: no move
    await store.load(x) // so x, moved within the last 64, stays: ids[66..1023], x, ids[1..63], w
    for (let i = 0; i < 960; i++) await store.create(newId(), meta()) // one to the cap, then 959 evictions
    expect(await store.load(x)).toBeNull()
    expect(await store.load(ids[1]!)).not.toBeNull()
  })

  it('in a store of fewer than 1024 sessions the order is exact: a session used again moves back even when it moved lately', async () => {
    const { store, meta } = clocked({ maxSessions: 3 })
    const [a, b, c, d, e] = [newId(), newId(), newId(), newId(), newId()]
    for (const id of [a, b, c]) await store.create(id, meta())
    await store.load(a) // b, c, a
    await store.load(b) // c, a, b
    await store.load(a) // c, b, a
    await store.create(d, meta()) // evicts c
    await store.create(e, meta()) // evicts b
    expect(await store.load(b)).toBeNull()
    expect(await store.load(a)).not.toBeNull()
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

  it('a create, commit, touch or regenerate whose deadline has come keeps nothing, and evicts no one', async () => {
    const { store, clock, meta } = clocked({ maxSessions: 3 })
    const [a, b, c] = [newId(), newId(), newId()]
    for (const id of [a, b, c]) await store.create(id, meta(), one('k', Uint8Array.of(1)))
    const now = clock.now()
    const per = sessionBytes(a, meta(), 1)
    expect(await store.create(newId(), { createdAt: now, expiresAt: now }, one('k', Uint8Array.of(1)))).toBe(true)
    expect([store.size, store.bytes]).toEqual([3, 3 * per])
    expect(await store.commit(c, { set: one('big', new Uint8Array(1000)), expiresAt: now })).toBe(true)
    expect([store.size, store.bytes]).toEqual([2, 2 * per])
    expect(await store.touch(b, now)).toBe(true)
    expect([store.size, store.bytes]).toEqual([1, per])
    const next = newId()
    expect(await store.regenerate(a, next, { expiresAt: now })).toBe('ok')
    expect([store.size, store.bytes]).toEqual([0, 0])
    for (const id of [a, b, c, next]) expect(await store.load(id)).toBeNull()
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

  it('the timer does not keep a dropped store alive, and stops once the store is collected', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const ref = ((): WeakRef<MemoryStore> => new WeakRef(new MemoryStore({ sweepInterval: 1000 })))()
    expect(vi.getTimerCount()).toBe(1)
    for (let i = 0; i < 20 && ref.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0)) // a WeakRef holds its target until the job ends
      gc()
    }
    expect(ref.deref()).toBeUndefined()
    vi.advanceTimersByTime(1000)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a process with an open MemoryStore exits on its own, and its timer does run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simplesessions-memory-'))
    try {
      const entry = fileURLToPath(new URL('../../../src/stores/memory/index.ts', import.meta.url))
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

  it('an owner given by a commit without a handle is kept and loaded, but in no listing (a listing names sessions by handle)', async () => {
    const { store, meta } = clocked()
    const id = newId()
    await store.create(id, meta())
    expect(await store.commit(id, { owner: 'ada', expiresAt: meta().expiresAt })).toBe(true)
    expect((await store.load(id))!.meta).toStrictEqual({ ...meta(), owner: 'ada' })
    expect(await store.listSessions('ada')).toEqual([])
  })

  it('two sessions of one owner under one handle: the later one is listed, and ending the earlier one leaves it listed', async () => {
    const { store, meta } = clocked()
    const [a, b] = [newId(), newId()]
    await store.create(a, owned(meta(), 'ada', 'h'))
    await store.create(b, owned(meta(), 'ada', 'h')) // takes the handle's place in the index
    await store.destroy(a)
    expect(await handles(store, 'ada')).toEqual(['h'])
    await store.destroy(b)
    expect(await handles(store, 'ada')).toEqual([])
    await store.create(a, owned(meta(), 'ada', 'h'))
    await store.create(b, owned(meta(), 'ada', 'h'))
    await store.destroy(b) // the owner's index goes with its last entry…
    await store.destroy(a) // …and a session it no longer holds is ended all the same
    expect([store.size, await handles(store, 'ada')]).toEqual([0, []])
  })

  it('keeps exactly the extras it was given, and a commit changes only those its batch names', async () => {
    const { store, meta } = clocked()
    const m = meta()
    const [a, b, c] = [newId(), newId(), newId()]
    await store.create(a, { ...m, handle: 'h' })
    await store.create(b, { ...m, persist: true })
    await store.create(c, m)
    expect((await store.load(a))!.meta).toStrictEqual({ ...m, handle: 'h' })
    expect((await store.load(b))!.meta).toStrictEqual({ ...m, persist: true })
    expect(await store.commit(b, { persist: false, expiresAt: m.expiresAt })).toBe(true)
    expect((await store.load(b))!.meta).toStrictEqual({ ...m, persist: false })
    expect(await store.commit(c, { handle: 'h2', expiresAt: m.expiresAt })).toBe(true)
    expect((await store.load(c))!.meta).toStrictEqual({ ...m, handle: 'h2' })
  })

  it('a commit that changes no metadata keeps the session’s place in its owner’s index: the cap takes the oldest', async () => {
    const { store, meta } = clocked({ maxSessionsPerOwner: 2 })
    const [a, b, c] = [newId(), newId(), newId()]
    await store.create(a, owned(meta(), 'ada', 'a'))
    await store.create(b, owned(meta(), 'ada', 'b'))
    expect(await store.commit(a, { set: one('k', Uint8Array.of(1)), expiresAt: meta().expiresAt })).toBe(true)
    await store.create(c, owned(meta(), 'ada', 'c'))
    expect(await handles(store, 'ada')).toEqual(['b', 'c'])
    expect(await store.load(a)).toBeNull()
  })

  it('a session whose owner was removed is in no owner’s index, so no cap evicts it', async () => {
    const { store, meta } = clocked({ maxSessionsPerOwner: 2 })
    const ids = [newId(), newId(), newId()]
    for (const [i, id] of ids.entries()) {
      await store.create(id, owned(meta(), 'ada', `h${i}`))
      expect(await store.commit(id, { owner: null, expiresAt: meta().expiresAt })).toBe(true)
    }
    expect(store.size).toBe(3)
    for (const [i, id] of ids.entries()) expect((await store.load(id))!.meta).toStrictEqual({ ...meta(), handle: `h${i}` })
    expect(await store.listSessions('ada')).toEqual([])
  })

  it('a commit that ends an owned session at once leaves nothing of it behind', async () => {
    const { store, clock, meta } = clocked()
    const id = newId()
    await store.create(id, owned(meta(), 'ada', 'h'))
    expect(await store.commit(id, { persist: true, expiresAt: clock.now() })).toBe(true)
    expect(await store.listSessions('ada')).toEqual([])
    expect(await store.destroySessions('ada')).toBe(0)
    await store.create(id, meta()) // the ID again: a new session, without the old one's metadata
    expect((await store.load(id))!.meta).toStrictEqual(meta())
  })

  it('destroySessions ends a session at its deadline that no call has removed yet, without counting it', async () => {
    const { store, clock, meta } = clocked()
    await store.create(newId(), owned(meta(10), 'ada', 'short'))
    await store.create(newId(), owned(meta(), 'ada', 'long'))
    clock.advance(10)
    expect(store.size).toBe(2)
    expect(await store.destroySessions('ada')).toBe(1)
    expect([store.size, store.bytes]).toEqual([0, 0])
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

  it('a closed store’s sweep does nothing, not even read the clock', () => {
    let reads = 0
    const store = make({ now: () => (reads++, Date.now()) })
    store.close()
    expect(store.sweep()).toBe(0)
    expect(reads).toBe(0)
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
    await expect(store.commit(id, { set: one('b', Uint8Array.of(2)), expiresAt: NaN })).rejects.toThrow(/^expiresAt must be integer milliseconds since the epoch or Infinity, got NaN$/)
    await expect(store.commit(id, bad(undefined))).rejects.toThrow(/^expiresAt must be integer milliseconds .* got undefined$/)
    await expect(store.regenerate(id, newId(), bad(undefined))).rejects.toThrow(/^expiresAt must be integer milliseconds .* got undefined$/)
    await expect(store.touch(id, bad('soon'))).rejects.toThrow(/^expiresAt must be integer milliseconds .* got soon$/)
    await expect(store.listSessions(bad(null))).rejects.toThrow(TypeError)
    await expect(store.destroySessions(bad(null))).rejects.toThrow(TypeError)
    await expect(store.getMulti(id, bad([undefined]))).rejects.toThrow(TypeError)
    const record = await store.load(id)
    expect(record!.meta).toEqual(m)
    expect([...record!.fields.keys()]).toEqual(['a'])
  })
})
