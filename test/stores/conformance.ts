// The store conformance suite: the contract of src/stores/types.ts as tests, one scenario list
// that every store runs (after tower-sessions' route_tests!). A store's test file calls
//
//   describeStore('MemoryStore', () => {
//     const clock = manualClock()
//     const store = new MemoryStore({ now: clock.now })
//     return { store, clock, cleanup: () => store.close() }
//   })
//
// `make` runs before every test and `cleanup` after it, so each test gets a fresh store (a
// shared server should get a fresh key prefix, or at least the random IDs the suite uses).
//
// Time: when the fixture gives a `clock` that the store reads, the expiry cases move it and run
// instantly. A store that reads real time (Redis expires keys by the server's clock) gives
// `clock: undefined`: the same cases then use real deadlines `realTtl` ms away (default 300)
// and sleep past them. Every other case uses deadlines an hour away.

import { createHash, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest'
import { isSessionError } from '../../src/errors'
import type { FieldValues, SessionMeta, SessionRecord, Store } from '../../src/stores/types'
import { patternBytes, toHex, utf8 } from '../helpers/bytes'
import { expectRejectsWith } from '../helpers/async'

/** A clock the test moves by hand. `now` is bound, so it can be passed as a store's clock. */
export interface TestClock {
  readonly now: () => number
  set(ms: number): void
  advance(ms: number): void
}

/** A TestClock starting at `start` (ms since the epoch; default 2030-01-01, an integer). */
export function manualClock(start: number = Date.UTC(2030, 0, 1)): TestClock {
  let t = start
  return {
    now: () => t,
    set(ms) {
      t = ms
    },
    advance(ms) {
      t += ms
    },
  }
}

export interface StoreFixture {
  store: Store
  /** The clock the store reads, when the test controls it; undefined for a store on real time. */
  clock: TestClock | undefined
  /** Runs after each test (close the store, delete the test's keys). Must tolerate a closed store. */
  cleanup?: (() => Promise<void> | void) | undefined
}

export interface DescribeStoreOptions {
  /** Without a clock: how far away (ms) the deadlines of the expiry cases are. Default 300. */
  realTtl?: number
}

const HOUR = 3_600_000
export const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i)

/** A random 32-character base64url ID (so '-' and '_' show up too). */
export const newId = (): string => randomBytes(24).toString('base64url')

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Bytes shown so that a diff is readable: hex when short, length and digest when long. */
function show(b: unknown): string {
  if (!(b instanceof Uint8Array)) return `not a Uint8Array: ${Object.prototype.toString.call(b)}`
  if (b.length <= 64) return `hex:${toHex(b)}`
  return `${b.length} bytes, sha256 ${createHash('sha256').update(b).digest('hex')}`
}

/** Fields as sorted [name, shown bytes] pairs (a plain object would choke on '__proto__'). */
function shown(fields: ReadonlyMap<string, unknown>): [string, string][] {
  return [...fields].map(([k, v]): [string, string] => [k, show(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function expectRecord(record: SessionRecord | null, meta: SessionMeta, fields: ReadonlyMap<string, Uint8Array>): void {
  expect(record).not.toBeNull()
  expect(record!.fields).toBeInstanceOf(Map)
  expect(record!.meta).toEqual(meta)
  expect(shown(record!.fields)).toEqual(shown(fields))
}


/** Field names a store must keep apart from each other and from its own metadata. */
export const AWKWARD_NAMES = ['', '__proto__', 'constructor', 'hasOwnProperty', 'createdAt', 'expiresAt', 'meta', 'a:b', 'with space', '名前 ✓ 🙂', '\u0000nul']

/** Every kind of value: all byte values, empty, 1 MiB, and small ones under awkward names. */
function sampleFields(): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>([
    ['all-bytes', ALL_BYTES.slice()],
    ['all-bytes-reversed', ALL_BYTES.slice().reverse()],
    ['empty', new Uint8Array(0)],
    ['zeros', new Uint8Array(1000)],
    ['large', patternBytes(1 << 20, 7)],
    ['utf8', utf8('{"名前":"値"}')],
  ])
  AWKWARD_NAMES.forEach((name, i) => m.set(name, Uint8Array.of(i, 255 - i)))
  return m
}

export function describeStore(name: string, make: () => Promise<StoreFixture> | StoreFixture, options: DescribeStoreOptions = {}): void {
  const realTtl = options.realTtl ?? 300

  describe(`store conformance: ${name}`, () => {
    let fx: StoreFixture
    let store: Store

    beforeEach(async () => {
      fx = await make()
      store = fx.store
    })
    afterEach(async () => {
      await fx.cleanup?.()
    })

    /** The store's time. */
    const now = (): number => (fx.clock ? fx.clock.now() : Date.now())
    const meta = (): SessionMeta => ({ createdAt: now(), expiresAt: now() + HOUR })
    /** A deadline the expiry cases wait out. */
    const ttl = (): number => (fx.clock ? 1000 : realTtl)
    /** Lets the store's clock pass `ms`, and a little more on real time. */
    const pass = async (ms: number): Promise<void> => {
      if (fx.clock) fx.clock.advance(ms)
      else await sleep(ms + 50)
    }
    const fields = (entries: Record<string, string>): Map<string, Uint8Array> => new Map(Object.entries(entries).map(([k, v]) => [k, utf8(v)]))
    /** A session with fields a=1, b=2, c=3, expiring in an hour. */
    async function abc(): Promise<{ id: string; m: SessionMeta }> {
      const id = newId()
      const m = meta()
      expect(await store.create(id, m, fields({ a: '1', b: '2', c: '3' }))).toBe(true)
      return { id, m }
    }
    function getMulti(ctx: TestContext): NonNullable<Store['getMulti']> {
      if (typeof store.getMulti !== 'function') ctx.skip('this store has no getMulti (optional)')
      return store.getMulti.bind(store)
    }

    describe('create and load', () => {
      it('load returns what create stored: metadata and fields, binary-safe', async () => {
        const id = newId()
        const m = meta()
        const f = sampleFields()
        expect(await store.create(id, m, f)).toBe(true)
        const record = await store.load(id)
        expectRecord(record, m, f)
        for (const v of record!.fields.values()) expect(v).toBeInstanceOf(Uint8Array)
      })

      it('create without fields makes a session that exists with no fields', async () => {
        const id = newId()
        const m = meta()
        expect(await store.create(id, m)).toBe(true)
        expectRecord(await store.load(id), m, new Map())
        expect(await store.create(id, meta(), new Map())).toBe(false)
      })

      it('load of an unknown id is null, not an error', async () => {
        expect(await store.load(newId())).toBeNull()
      })

      it('create refuses an existing id and changes nothing', async () => {
        const { id, m } = await abc()
        const other = { createdAt: m.createdAt + 5, expiresAt: m.expiresAt + 5 }
        expect(await store.create(id, other, fields({ a: 'X', z: 'new' }))).toBe(false)
        expect(await store.create(id, other)).toBe(false)
        expectRecord(await store.load(id), m, fields({ a: '1', b: '2', c: '3' }))
      })

      it('of concurrent creates of one id exactly one wins, and the session is the winner’s', async () => {
        const id = newId()
        const base = meta()
        const attempts = Array.from({ length: 10 }, (_, i) => ({
          meta: { createdAt: base.createdAt + i, expiresAt: base.expiresAt + i },
          fields: fields({ who: String(i), [`only-${i}`]: 'x' }),
        }))
        const results = await Promise.all(attempts.map((a) => store.create(id, a.meta, a.fields)))
        expect(results.filter(Boolean)).toHaveLength(1)
        const winner = attempts[results.indexOf(true)]!
        expectRecord(await store.load(id), winner.meta, winner.fields)
      })

      it('ids with - and _, and ids differing only in case, are distinct sessions', async () => {
        const ids = ['-_-_' + newId(), '____' + newId().slice(4), '----' + newId().slice(4)]
        const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' + newId().slice(0, 8)
        ids.push(upper, upper.toLowerCase())
        for (const [i, id] of ids.entries()) expect(await store.create(id, meta(), fields({ i: String(i) }))).toBe(true)
        for (const [i, id] of ids.entries()) expect(shown((await store.load(id))!.fields)).toEqual(shown(fields({ i: String(i) })))
        await store.destroy(upper)
        expect(await store.load(upper)).toBeNull()
        expect(await store.load(upper.toLowerCase())).not.toBeNull()
      })
    })

    describe('commit', () => {
      it('applies sets and deletes together, keeps the other fields, returns true', async () => {
        const { id, m } = await abc()
        const expiresAt = m.expiresAt + 1000
        const ok = await store.commit(id, { set: fields({ a: 'A', d: '4' }), delete: ['b', 'no-such-field'], expiresAt })
        expect(ok).toBe(true)
        expectRecord(await store.load(id), { createdAt: m.createdAt, expiresAt }, fields({ a: 'A', c: '3', d: '4' }))
      })

      it('keeps binary values and awkward names through commits', async () => {
        const { id, m } = await abc()
        const f = sampleFields()
        expect(await store.commit(id, { set: f, delete: ['a'], expiresAt: m.expiresAt })).toBe(true)
        const expected = new Map([...fields({ b: '2', c: '3' }), ...f])
        expectRecord(await store.load(id), m, expected)
        expect(await store.commit(id, { delete: AWKWARD_NAMES, expiresAt: m.expiresAt })).toBe(true)
        for (const n of AWKWARD_NAMES) expected.delete(n)
        expectRecord(await store.load(id), m, expected)
      })

      it('with clear drops every field first; the session still exists, empty if nothing is set', async () => {
        const { id, m } = await abc()
        expect(await store.commit(id, { clear: true, set: fields({ z: '26', a: 'again' }), expiresAt: m.expiresAt })).toBe(true)
        expectRecord(await store.load(id), m, fields({ z: '26', a: 'again' }))
        expect(await store.commit(id, { clear: true, expiresAt: m.expiresAt })).toBe(true)
        expectRecord(await store.load(id), m, new Map())
      })

      it('a name both deleted and set ends up set (clear, then delete, then set)', async () => {
        const { id, m } = await abc()
        expect(await store.commit(id, { delete: ['a', 'b'], set: fields({ a: 'kept' }), expiresAt: m.expiresAt })).toBe(true)
        expectRecord(await store.load(id), m, fields({ a: 'kept', c: '3' }))
      })

      it('an empty batch only moves the expiry; createdAt never changes', async () => {
        const { id, m } = await abc()
        const expiresAt = m.expiresAt + 12_345
        expect(await store.commit(id, { expiresAt })).toBe(true)
        expectRecord(await store.load(id), { createdAt: m.createdAt, expiresAt }, fields({ a: '1', b: '2', c: '3' }))
      })

      it('on an unknown id returns false and creates nothing', async () => {
        const id = newId()
        expect(await store.commit(id, { set: fields({ a: '1' }), expiresAt: now() + HOUR })).toBe(false)
        expect(await store.commit(id, { clear: true, expiresAt: now() + HOUR })).toBe(false)
        expect(await store.load(id)).toBeNull()
      })

      it('after destroy returns false and does not resurrect the session', async () => {
        const { id, m } = await abc()
        await store.destroy(id)
        expect(await store.commit(id, { set: fields({ a: 'zombie' }), expiresAt: m.expiresAt })).toBe(false)
        expect(await store.load(id)).toBeNull()
        // Nor does a later create see leftovers: it starts from nothing.
        expect(await store.create(id, m, fields({ fresh: 'yes' }))).toBe(true)
        expectRecord(await store.load(id), m, fields({ fresh: 'yes' }))
      })

      it('racing a destroy never resurrects the session', async () => {
        const { id, m } = await abc()
        // Whatever order the store applies these in, a commit either lands before the destroy
        // (and is destroyed with the session) or finds it gone: nothing may be left.
        await Promise.all([
          store.commit(id, { set: fields({ early: '1' }), expiresAt: m.expiresAt }),
          store.destroy(id),
          store.commit(id, { set: fields({ late: '1' }), expiresAt: m.expiresAt }),
          store.commit(id, { clear: true, expiresAt: m.expiresAt }),
          store.touch(id, m.expiresAt),
        ])
        expect(await store.load(id)).toBeNull()
      })

      it('100 concurrent commits, each to its own field, all keep their writes', async () => {
        const { id, m } = await abc()
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => store.commit(id, { set: new Map([[`k${i}`, Uint8Array.of(i, i >> 8, 0xff)]]), expiresAt: m.expiresAt + i })),
        )
        expect(results.every((r) => r === true)).toBe(true)
        const record = await store.load(id)
        const expected = fields({ a: '1', b: '2', c: '3' })
        for (let i = 0; i < 100; i++) expected.set(`k${i}`, Uint8Array.of(i, i >> 8, 0xff))
        expect(shown(record!.fields)).toEqual(shown(expected))
        expect(record!.meta.createdAt).toBe(m.createdAt)
        expect(record!.meta.expiresAt).toBeGreaterThanOrEqual(m.expiresAt)
        expect(record!.meta.expiresAt).toBeLessThanOrEqual(m.expiresAt + 99)
      })

      it('two concurrent commits that set and delete different fields both keep their writes', async () => {
        const { id, m } = await abc()
        const [r1, r2] = await Promise.all([
          store.commit(id, { set: fields({ x: 'from-1' }), delete: ['a'], expiresAt: m.expiresAt }),
          store.commit(id, { set: fields({ y: 'from-2' }), delete: ['b'], expiresAt: m.expiresAt }),
        ])
        expect([r1, r2]).toEqual([true, true])
        expectRecord(await store.load(id), m, fields({ c: '3', x: 'from-1', y: 'from-2' }))
      })

      it('changes only its own session', async () => {
        const one = await abc()
        const two = await abc()
        await store.commit(one.id, { clear: true, set: fields({ only: 'one' }), expiresAt: one.m.expiresAt + 1 })
        expectRecord(await store.load(two.id), two.m, fields({ a: '1', b: '2', c: '3' }))
        await store.destroy(one.id)
        expectRecord(await store.load(two.id), two.m, fields({ a: '1', b: '2', c: '3' }))
      })
    })

    describe('regenerate', () => {
      it('moves the session to the new ID with the batch applied; createdAt stays, the old ID is gone', async () => {
        const { id, m } = await abc()
        const next = newId()
        const expiresAt = m.expiresAt + 5_000
        expect(await store.regenerate(id, next, { set: fields({ a: 'A', d: '4' }), delete: ['b'], expiresAt })).toBe('ok')
        expect(await store.load(id)).toBeNull()
        expectRecord(await store.load(next), { createdAt: m.createdAt, expiresAt }, fields({ a: 'A', c: '3', d: '4' }))
        expect(await store.commit(id, { set: fields({ z: 'zombie' }), expiresAt })).toBe(false)
        expect(await store.load(id)).toBeNull()
      })

      it('with clear the new session holds only what the batch sets', async () => {
        const { id, m } = await abc()
        const next = newId()
        expect(await store.regenerate(id, next, { clear: true, set: fields({ user: 'ada' }), expiresAt: m.expiresAt })).toBe('ok')
        expectRecord(await store.load(next), m, fields({ user: 'ada' }))
      })

      it('of a destroyed, unknown or expired session is "gone" and writes nothing (no resurrection)', async () => {
        const { id, m } = await abc()
        await store.destroy(id)
        const next = newId()
        expect(await store.regenerate(id, next, { set: fields({ a: 'back' }), expiresAt: m.expiresAt })).toBe('gone')
        expect(await store.load(next)).toBeNull()
        expect(await store.load(id)).toBeNull()
        expect(await store.regenerate(newId(), next, { expiresAt: m.expiresAt })).toBe('gone')
        expect(await store.load(next)).toBeNull()

        const short = newId()
        expect(await store.create(short, { createdAt: now(), expiresAt: now() + ttl() }, fields({ a: '1' }))).toBe(true)
        await pass(ttl())
        expect(await store.regenerate(short, next, { expiresAt: now() + HOUR })).toBe('gone')
        expect(await store.load(next)).toBeNull()
      })

      it('to an ID a live session has is "taken" and changes neither session', async () => {
        const one = await abc()
        const two = await abc()
        expect(await store.regenerate(one.id, two.id, { set: fields({ x: '1' }), expiresAt: one.m.expiresAt })).toBe('taken')
        expectRecord(await store.load(one.id), one.m, fields({ a: '1', b: '2', c: '3' }))
        expectRecord(await store.load(two.id), two.m, fields({ a: '1', b: '2', c: '3' }))
        expect(await store.regenerate(one.id, one.id, { expiresAt: one.m.expiresAt })).toBe('taken')
        expectRecord(await store.load(one.id), one.m, fields({ a: '1', b: '2', c: '3' }))
      })

      it('racing a destroy: afterwards at most one of the two IDs is live, never one after a destroy that won', async () => {
        for (let round = 0; round < 20; round++) {
          const { id, m } = await abc()
          const next = newId()
          const [result] = await Promise.all([store.regenerate(id, next, { set: fields({ r: String(round) }), expiresAt: m.expiresAt }), store.destroy(id)])
          const live = [await store.load(id), await store.load(next)].filter((r) => r !== null)
          expect(live.length).toBeLessThanOrEqual(1)
          expect(await store.load(id)).toBeNull()
          if (result === 'gone') expect(live).toEqual([])
          else expect(result).toBe('ok')
        }
      })

      it('two concurrent regenerates of one session: exactly one wins', async () => {
        const { id, m } = await abc()
        const [x, y] = [newId(), newId()]
        const results = await Promise.all([store.regenerate(id, x, { expiresAt: m.expiresAt }), store.regenerate(id, y, { expiresAt: m.expiresAt })])
        expect([...results].sort()).toEqual(['gone', 'ok'])
        const winner = results[0] === 'ok' ? x : y
        const loser = winner === x ? y : x
        expectRecord(await store.load(winner), m, fields({ a: '1', b: '2', c: '3' }))
        expect(await store.load(loser)).toBeNull()
      })
    })

    describe('destroy and touch', () => {
      it('destroy removes the session; destroying an unknown or already destroyed id is fine', async () => {
        const { id } = await abc()
        await store.destroy(id)
        expect(await store.load(id)).toBeNull()
        await expect(store.destroy(id)).resolves.toBeUndefined()
        await expect(store.destroy(newId())).resolves.toBeUndefined()
      })

      it('touch moves the expiry, later or sooner, and leaves the fields alone', async () => {
        const { id, m } = await abc()
        expect(await store.touch(id, m.expiresAt + 60_000)).toBe(true)
        expectRecord(await store.load(id), { createdAt: m.createdAt, expiresAt: m.expiresAt + 60_000 }, fields({ a: '1', b: '2', c: '3' }))
        expect(await store.touch(id, m.expiresAt - 60_000)).toBe(true)
        expect((await store.load(id))!.meta).toEqual({ createdAt: m.createdAt, expiresAt: m.expiresAt - 60_000 })
      })

      it('touch of an unknown or destroyed id returns false and creates nothing', async () => {
        const unknown = newId()
        expect(await store.touch(unknown, now() + HOUR)).toBe(false)
        expect(await store.load(unknown)).toBeNull()
        const { id } = await abc()
        await store.destroy(id)
        expect(await store.touch(id, now() + HOUR)).toBe(false)
        expect(await store.load(id)).toBeNull()
      })
    })

    describe('expiry', () => {
      it('a session is live before its deadline; after it, load is null and commit and touch return false', async () => {
        const id = newId()
        const m = { createdAt: now(), expiresAt: now() + ttl() }
        expect(await store.create(id, m, fields({ a: '1' }))).toBe(true)
        expectRecord(await store.load(id), m, fields({ a: '1' }))
        await pass(ttl())
        expect(await store.load(id)).toBeNull()
        expect(await store.commit(id, { set: fields({ a: '2' }), expiresAt: now() + HOUR })).toBe(false)
        expect(await store.touch(id, now() + HOUR)).toBe(false)
        expect(await store.load(id)).toBeNull()
      })

      it('commit and touch on an expired session, without a load first, do not resurrect it', async () => {
        const a = newId()
        const b = newId()
        const m = { createdAt: now(), expiresAt: now() + ttl() }
        await store.create(a, m, fields({ a: '1' }))
        await store.create(b, m, fields({ b: '1' }))
        await pass(ttl())
        expect(await store.commit(a, { set: fields({ a: '2' }), expiresAt: now() + HOUR })).toBe(false)
        expect(await store.touch(b, now() + HOUR)).toBe(false)
        expect(await store.load(a)).toBeNull()
        expect(await store.load(b)).toBeNull()
      })

      it('getMulti of an expired session is null', async (ctx) => {
        const gm = getMulti(ctx)
        const id = newId()
        await store.create(id, { createdAt: now(), expiresAt: now() + ttl() }, fields({ a: '1' }))
        await pass(ttl())
        expect(await gm(id, ['a'])).toBeNull()
      })

      it('touch keeps a session alive past its old deadline', async () => {
        const id = newId()
        await store.create(id, { createdAt: now(), expiresAt: now() + ttl() }, fields({ a: '1' }))
        expect(await store.touch(id, now() + 10 * ttl())).toBe(true)
        await pass(ttl())
        expect(shown((await store.load(id))!.fields)).toEqual(shown(fields({ a: '1' })))
      })

      it('commit keeps a session alive past its old deadline', async () => {
        const id = newId()
        await store.create(id, { createdAt: now(), expiresAt: now() + ttl() }, fields({ a: '1' }))
        expect(await store.commit(id, { set: fields({ b: '2' }), expiresAt: now() + 10 * ttl() })).toBe(true)
        await pass(ttl())
        expect(shown((await store.load(id))!.fields)).toEqual(shown(fields({ a: '1', b: '2' })))
      })

      it('touch, commit or create with a deadline already past succeed, and the session reads as missing', async () => {
        const past = now() - 1000
        const t = await abc()
        expect(await store.touch(t.id, past)).toBe(true)
        expect(await store.load(t.id)).toBeNull()
        const c = await abc()
        expect(await store.commit(c.id, { set: fields({ a: 'x' }), expiresAt: past })).toBe(true)
        expect(await store.load(c.id)).toBeNull()
        const id = newId()
        expect(await store.create(id, { createdAt: past - 1000, expiresAt: past }, fields({ a: '1' }))).toBe(true)
        expect(await store.load(id)).toBeNull()
      })

      it('create may reuse the id of an expired session, and starts from nothing', async () => {
        const id = newId()
        await store.create(id, { createdAt: now(), expiresAt: now() + ttl() }, fields({ old: '1' }))
        await pass(ttl())
        const m = meta()
        expect(await store.create(id, m, fields({ new: '1' }))).toBe(true)
        expectRecord(await store.load(id), m, fields({ new: '1' }))
      })

      it('a session with expiresAt Infinity never expires', async () => {
        const id = newId()
        const m = { createdAt: now(), expiresAt: Infinity }
        expect(await store.create(id, m, fields({ a: '1' }))).toBe(true)
        if (fx.clock) fx.clock.advance(100 * 365 * 24 * HOUR)
        expectRecord(await store.load(id), m, fields({ a: '1' }))
        expect(await store.touch(id, Infinity)).toBe(true)
        expect(await store.commit(id, { set: fields({ b: '2' }), expiresAt: Infinity })).toBe(true)
        expectRecord(await store.load(id), m, fields({ a: '1', b: '2' }))
      })
    })

    describe('getMulti', () => {
      it('returns the metadata and the asked values in order, undefined for missing names', async (ctx) => {
        const gm = getMulti(ctx)
        const id = newId()
        const m = meta()
        const f = sampleFields()
        await store.create(id, m, f)
        const names = ['large', 'nope', 'empty', '', '__proto__', 'all-bytes', 'empty', 'also-nope']
        const got = await gm(id, names)
        expect(got).not.toBeNull()
        expect(got!.meta).toEqual(m)
        expect(got!.values).toHaveLength(names.length)
        expect(got!.values.map((v) => (v === undefined ? undefined : show(v)))).toEqual(names.map((n) => (f.has(n) ? show(f.get(n)) : undefined)))
      })

      it('of no names returns the metadata and no values; of an unknown session is null', async (ctx) => {
        const gm = getMulti(ctx)
        const { id, m } = await abc()
        expect(await gm(id, [])).toEqual({ meta: m, values: [] } satisfies FieldValues)
        expect(await gm(newId(), ['a'])).toBeNull()
        expect(await gm(newId(), [])).toBeNull()
        await store.destroy(id)
        expect(await gm(id, ['a'])).toBeNull()
      })

      it('works on sessions with many fields', async (ctx) => {
        const gm = getMulti(ctx)
        const id = newId()
        const f = new Map(Array.from({ length: 200 }, (_, i): [string, Uint8Array] => [`f${i}`, Uint8Array.of(i)]))
        await store.create(id, meta(), f)
        const got = await gm(id, ['f199', 'f0', 'f200', 'f100'])
        expect(got!.values.map((v) => v && show(v))).toEqual([show(Uint8Array.of(199)), show(Uint8Array.of(0)), undefined, show(Uint8Array.of(100))])
      })
    })

    describe('ownership of bytes', () => {
      it('what a caller passes in is copied: mutating it afterwards changes nothing stored', async () => {
        const id = newId()
        const m = meta()
        const value = Uint8Array.of(1, 2, 3)
        const big = patternBytes(5000, 3)
        const input = new Map([
          ['v', value],
          ['big', big],
        ])
        await store.create(id, m, input)
        value.fill(9)
        big.fill(9)
        input.set('v', Uint8Array.of(7))
        input.set('intruder', Uint8Array.of(7))
        const expected = new Map([
          ['v', Uint8Array.of(1, 2, 3)],
          ['big', patternBytes(5000, 3)],
        ])
        expectRecord(await store.load(id), m, expected)

        const set = new Map([['w', Uint8Array.of(4, 5)]])
        const del = ['v']
        await store.commit(id, { set, delete: del, expiresAt: m.expiresAt })
        set.get('w')!.fill(0)
        set.set('x', Uint8Array.of(1))
        del.push('big')
        expected.delete('v')
        expected.set('w', Uint8Array.of(4, 5))
        expectRecord(await store.load(id), m, expected)
      })

      it('values passed as subarrays of a larger buffer store only their own bytes', async () => {
        const id = newId()
        const backing = patternBytes(1000, 11)
        const m = meta()
        await store.create(id, m, new Map([['part', backing.subarray(10, 20)], ['bigpart', backing.subarray(100, 900)]]))
        const record = await store.load(id)
        expect(show(record!.fields.get('part'))).toBe(show(backing.slice(10, 20)))
        expect(show(record!.fields.get('bigpart'))).toBe(show(backing.slice(100, 900)))
      })

      it('what a store returns is the caller’s: mutating it changes nothing stored', async () => {
        const id = newId()
        const m = meta()
        const f = sampleFields()
        await store.create(id, m, f)
        const first = (await store.load(id))!
        for (const v of first.fields.values()) v.fill(0x5a)
        first.fields.set('intruder', Uint8Array.of(1))
        first.fields.delete('large')
        first.meta.expiresAt = 0
        first.meta.createdAt = 0
        const second = (await store.load(id))!
        expectRecord(second, m, f)
        expect(second.fields.get('all-bytes')).not.toBe(first.fields.get('all-bytes'))
        if (typeof store.getMulti === 'function') {
          const got = (await store.getMulti(id, ['all-bytes', 'large']))!
          for (const v of got.values) v?.fill(1)
          got.meta.expiresAt = 0
        }
        expectRecord(await store.load(id), m, f)
      })
    })

    describe('metadata beyond the times (owner, handle, persist)', () => {
      it('create, load and getMulti round-trip them; a session without them has none', async () => {
        const id = newId()
        const m: SessionMeta = { ...meta(), owner: 'ada', handle: 'h-' + newId(), persist: false }
        expect(await store.create(id, m, fields({ a: '1' }))).toBe(true)
        expectRecord(await store.load(id), m, fields({ a: '1' }))
        if (typeof store.getMulti === 'function') expect((await store.getMulti(id, ['a']))!.meta).toEqual(m)
        const plain = await abc()
        expect((await store.load(plain.id))!.meta).toStrictEqual(plain.m)
      })

      it('a commit changes only what its batch names: persist, owner (null removes it), and keeps the handle', async () => {
        const id = newId()
        const m: SessionMeta = { ...meta(), owner: 'ada', handle: 'h1', persist: true }
        await store.create(id, m, fields({ a: '1' }))
        expect(await store.commit(id, { set: fields({ b: '2' }), expiresAt: m.expiresAt })).toBe(true)
        expect((await store.load(id))!.meta).toEqual(m)
        expect(await store.commit(id, { persist: false, expiresAt: m.expiresAt })).toBe(true)
        expect((await store.load(id))!.meta).toEqual({ ...m, persist: false })
        expect(await store.commit(id, { owner: 'grace', handle: 'ignored: it has one', expiresAt: m.expiresAt })).toBe(true)
        expect((await store.load(id))!.meta).toEqual({ ...m, persist: false, owner: 'grace' })
        expect(await store.commit(id, { owner: null, expiresAt: m.expiresAt })).toBe(true)
        expect((await store.load(id))!.meta).toEqual({ createdAt: m.createdAt, expiresAt: m.expiresAt, handle: 'h1', persist: false })
        expectRecord(await store.load(id), (await store.load(id))!.meta, fields({ a: '1', b: '2' }))
      })

      it('regenerate keeps them, and applies the batch’s', async () => {
        const id = newId()
        const m: SessionMeta = { ...meta(), owner: 'ada', handle: 'h1', persist: true }
        await store.create(id, m)
        const next = newId()
        expect(await store.regenerate(id, next, { persist: false, expiresAt: m.expiresAt + 1 })).toBe('ok')
        expect((await store.load(next))!.meta).toEqual({ ...m, persist: false, expiresAt: m.expiresAt + 1 })
      })
    })

    describe('owner index (listSessions, destroySessions)', () => {
      /** The store's index methods, or a skip: they are optional (a store without them has no index). */
      function index(ctx: TestContext): Required<Pick<Store, 'listSessions' | 'destroySessions'>> {
        if (typeof store.listSessions !== 'function' || typeof store.destroySessions !== 'function') ctx.skip('this store has no owner index (optional)')
        return { listSessions: store.listSessions.bind(store), destroySessions: store.destroySessions.bind(store) }
      }
      /** A session of `owner` with handle `handle`; its ID and metadata. */
      async function owned(owner: string, handle: string, m: SessionMeta = meta()): Promise<{ id: string; m: SessionMeta }> {
        const id = newId()
        const full = { ...m, owner, handle }
        expect(await store.create(id, full, fields({ a: '1' }))).toBe(true)
        return { id, m: full }
      }
      const sorted = (list: { handle: string }[]) => [...list].sort((a, b) => (a.handle < b.handle ? -1 : 1))

      it('lists the live sessions of one owner: handle, createdAt, expiresAt, and never an ID', async (ctx) => {
        const { listSessions } = index(ctx)
        const owner = 'owner-' + newId()
        const a = await owned(owner, 'h-a')
        const b = await owned(owner, 'h-b', { createdAt: now() - 5, expiresAt: now() + 2 * HOUR })
        await owned('other-' + newId(), 'h-c')
        await abc()
        const list = await listSessions(owner)
        expect(sorted(list)).toEqual([
          { handle: 'h-a', createdAt: a.m.createdAt, expiresAt: a.m.expiresAt },
          { handle: 'h-b', createdAt: b.m.createdAt, expiresAt: b.m.expiresAt },
        ])
        expect(JSON.stringify(list)).not.toContain(a.id)
        expect(await listSessions('nobody-' + newId())).toEqual([])
      })

      it('follows destroy, expiry, commit (a new owner, no owner) and a moved expiry', async (ctx) => {
        const { listSessions } = index(ctx)
        const owner = 'owner-' + newId()
        const other = 'other-' + newId()
        const destroyed = await owned(owner, 'destroyed')
        const expiring = await owned(owner, 'expiring', { createdAt: now(), expiresAt: now() + ttl() })
        const moved = await owned(owner, 'moved')
        const dropped = await owned(owner, 'dropped')
        const extended = await owned(owner, 'extended', { createdAt: now(), expiresAt: now() + ttl() })
        await store.destroy(destroyed.id)
        expect(await store.commit(moved.id, { owner: other, expiresAt: moved.m.expiresAt })).toBe(true)
        expect(await store.commit(dropped.id, { owner: null, expiresAt: dropped.m.expiresAt })).toBe(true)
        expect(await store.touch(extended.id, now() + HOUR)).toBe(true)
        await pass(ttl())
        expect((await listSessions(owner)).map((s) => s.handle)).toEqual(['extended'])
        expect((await listSessions(other)).map((s) => s.handle)).toEqual(['moved'])
        expect(await store.load(expiring.id)).toBeNull()
      })

      it('follows regenerate: the same handle, now for the new ID only', async (ctx) => {
        const { listSessions, destroySessions } = index(ctx)
        const owner = 'owner-' + newId()
        const s = await owned(owner, 'h')
        const next = newId()
        expect(await store.regenerate(s.id, next, { expiresAt: s.m.expiresAt + 7 })).toBe('ok')
        expect(await listSessions(owner)).toEqual([{ handle: 'h', createdAt: s.m.createdAt, expiresAt: s.m.expiresAt + 7 }])
        expect(await destroySessions(owner)).toBe(1)
        expect(await store.load(next)).toBeNull()
      })

      it('a session gets an owner by commit or regenerate, and is listed from then on', async (ctx) => {
        const { listSessions } = index(ctx)
        const owner = 'owner-' + newId()
        const a = await abc()
        expect(await store.commit(a.id, { owner, handle: 'by-commit', expiresAt: a.m.expiresAt })).toBe(true)
        const b = await abc()
        const next = newId()
        expect(await store.regenerate(b.id, next, { owner, handle: 'by-regenerate', expiresAt: b.m.expiresAt })).toBe('ok')
        expect(sorted(await listSessions(owner)).map((s) => s.handle)).toEqual(['by-commit', 'by-regenerate'])
        expect((await store.load(next))!.meta).toEqual({ ...b.m, owner, handle: 'by-regenerate' })
      })

      it('destroySessions ends all of them, or all but `except`, or `only` those; counts the live ones it ended', async (ctx) => {
        const { listSessions, destroySessions } = index(ctx)
        const owner = 'owner-' + newId()
        const other = await owned('other-' + newId(), 'x')
        const s = await Promise.all(['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => owned(owner, h)))
        expect(await destroySessions(owner, { only: ['h2', 'nope', other.m.handle!] })).toBe(1)
        expect(await store.load(s[1]!.id)).toBeNull()
        expect(await destroySessions(owner, { only: ['h3', 'h4'], except: 'h4' })).toBe(1)
        expect(await destroySessions(owner, { except: 'h1' })).toBe(2)
        expect((await listSessions(owner)).map((x) => x.handle)).toEqual(['h1'])
        expect(await store.load(s[4]!.id)).toBeNull()
        expect(await destroySessions(owner)).toBe(1)
        expect(await listSessions(owner)).toEqual([])
        expect(await store.load(s[0]!.id)).toBeNull()
        expect(await destroySessions(owner)).toBe(0)
        expect(await store.load(other.id)).not.toBeNull()
      })

      it('a session given an owner without a handle (only a direct store caller can make one) is in no listing, and destroySessions leaves it', async (ctx) => {
        // The handle is what puts a session in its owner's index: what a listing shows is what
        // a destroy-all ends and counts, on every store.
        const { listSessions, destroySessions } = index(ctx)
        const owner = 'owner-' + newId()
        const bare = await abc()
        expect(await store.commit(bare.id, { owner, expiresAt: bare.m.expiresAt })).toBe(true)
        const s = await owned(owner, 'h')
        expect((await listSessions(owner)).map((x) => x.handle)).toEqual(['h'])
        expect(await destroySessions(owner, { except: 'other' })).toBe(1)
        expect(await store.load(s.id)).toBeNull()
        expect(await destroySessions(owner)).toBe(0)
        expect((await store.load(bare.id))!.meta).toEqual({ ...bare.m, owner })
      })

      it('an ended session stays ended: commit, touch and regenerate of it in flight or after write nothing', async (ctx) => {
        const { destroySessions } = index(ctx)
        const owner = 'owner-' + newId()
        const a = await owned(owner, 'a')
        const b = await owned(owner, 'b')
        const [, committed] = await Promise.all([
          destroySessions(owner),
          store.commit(a.id, { set: fields({ late: '1' }), expiresAt: a.m.expiresAt }),
          store.regenerate(b.id, newId(), { expiresAt: b.m.expiresAt }),
        ])
        expect(await store.commit(a.id, { set: fields({ later: '1' }), expiresAt: a.m.expiresAt })).toBe(false)
        expect(await store.touch(b.id, b.m.expiresAt)).toBe(false)
        expect(await store.load(a.id)).toBeNull()
        expect(await store.load(b.id)).toBeNull()
        expect(typeof committed).toBe('boolean')
        // Whatever order they ran in, nothing of the owner is live afterwards that a second call would not end.
        await destroySessions(owner)
        expect(await index(ctx).listSessions(owner)).toEqual([])
      })

      it('an owner is any non-empty string; an empty one is a TypeError (a caller bug)', async (ctx) => {
        const { listSessions } = index(ctx)
        const owner = '名前 ✓ 🙂 :{tag} ' + newId()
        await owned(owner, 'h')
        expect((await listSessions(owner)).map((x) => x.handle)).toEqual(['h'])
        await expect(listSessions('')).rejects.toBeInstanceOf(TypeError)
        await expect(store.create(newId(), { ...meta(), owner: 'x' })).rejects.toBeInstanceOf(TypeError) // an owner needs a handle
      })
    })

    describe('close', () => {
      it('is idempotent, and later calls reject with STORE_UNAVAILABLE', async (ctx) => {
        if (typeof store.close !== 'function') ctx.skip('this store has no close (optional)')
        const { id, m } = await abc()
        await store.close!()
        await store.close!()
        await expectRejectsWith(store.load(id), 'STORE_UNAVAILABLE')
        await expectRejectsWith(store.create(newId(), m), 'STORE_UNAVAILABLE')
        await expectRejectsWith(store.commit(id, { expiresAt: m.expiresAt }), 'STORE_UNAVAILABLE')
        await expectRejectsWith(store.touch(id, m.expiresAt), 'STORE_UNAVAILABLE')
        await expectRejectsWith(store.destroy(id), 'STORE_UNAVAILABLE')
        if (typeof store.getMulti === 'function') await expectRejectsWith(store.getMulti(id, ['a']), 'STORE_UNAVAILABLE')
      })
    })
  })
}
