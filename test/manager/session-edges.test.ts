// Behaviours of the Session that are right today but that no other test would notice breaking
// (mutation testing found them): pending writes and destroy, reads after commit, stores without
// getMulti, the Session's own expiry check when the store's clock lags, the guards for loads that
// finish late or fail, the ID-collision retry, and the cookie's lifetime against the session's.

import { afterEach, describe, expect, it } from 'vitest'
import { SessionError } from '../../src/errors'
import type { CommitBatch, SessionMeta, SessionRecord, Store } from '../../src/stores/types'
import type { Session } from '../../src/session'
import { MemoryStore } from '../../src/stores/memory'
import { expectRejectsWith } from '../helpers/async'
import { SECRET_A, SpyStore, closeManagers, deferred, fakeManager, fakeReq, fakeRes, idOf, liveKeys, manualClock, stored } from './harness'

afterEach(async () => {
  await closeManagers()
})

/** The SpyStore without getMulti (a custom store may leave it out: it is optional). */
function withoutGetMulti(spy: SpyStore): Store {
  return {
    create: (id, meta, fields) => spy.create(id, meta, fields),
    load: (id) => spy.load(id),
    commit: (id, batch) => spy.commit(id, batch),
    touch: (id, at) => spy.touch(id, at),
    regenerate: (a, b, batch) => spy.regenerate(a, b, batch),
    destroy: (id) => spy.destroy(id),
  }
}

describe('pending writes', () => {
  it('set, then destroy, then commit: the writes do not bring the session back', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    await s.set('b', 2)
    await s.destroy()
    await s.commit()
    expect(store.size).toBe(0)
    expect(store.count('create')).toBe(1) // the one from stored()
    expect(await s.getAll()).toEqual({})
  })

  it('a get after commit in the same request sees the committed value; so does a later request', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const cookie = await stored(m, { n: 1 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.get('n')
    await s.set('n', 2)
    await s.delete('gone')
    await s.commit()
    expect(await s.get('n')).toBe(2)
    expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('n')).toBe(2)
  })

  it('a write before any read, on a store without getMulti, is kept (the load comes first)', async () => {
    const spy = new SpyStore()
    const m = fakeManager({ store: withoutGetMulti(spy) })
    const cookie = await stored(m, { a: 1 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.set('b', 2)
    await s.commit()
    expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).getAll()).toEqual({ a: 1, b: 2 })
    const t = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(await t.getMulti('a', 'b', 'c')).toEqual(Object.assign(Object.create(null), { a: 1, b: 2, c: undefined }))
  })
})

describe('the Session checks expiry itself (a store whose clock lags the Manager’s)', () => {
  // The store reads a clock frozen at the start, so it would serve the session forever; the
  // Manager's clock moves on, and the Session must find the session expired by its metadata.
  for (const half of ['idle', 'absolute'] as const) {
    for (const read of ['get', 'getMulti'] as const) {
      it(`${half} timeout, on ${read}: a fresh session, the old one destroyed`, async () => {
        const storeClock = manualClock()
        const clock = manualClock()
        const store = new SpyStore({ now: storeClock.now })
        const m = fakeManager(half === 'idle' ? { store, now: clock.now, idleTimeout: 60, absoluteTimeout: 0 } : { store, now: clock.now, idleTimeout: 0, absoluteTimeout: 60 })
        const cookie = await stored(m, { a: 1 })
        const reasons: string[] = []
        const m2 = fakeManager({ store, now: clock.now, idleTimeout: half === 'idle' ? 60 : 0, absoluteTimeout: half === 'idle' ? 0 : 60, onInvalidCookie: (e) => reasons.push(e.reason) })
        clock.advance(59_000)
        const alive = await m2.acquire(fakeReq({ session: cookie }), fakeRes())
        expect(read === 'get' ? await alive.get('a') : (await alive.getMulti('a')).a).toBe(1)
        clock.advance(2_000)
        const s = await m2.acquire(fakeReq({ session: cookie }), fakeRes())
        const v = read === 'get' ? await s.get('a') : (await s.getMulti('a')).a
        expect(v).toBeUndefined()
        expect(s.id).not.toBe(idOf(cookie))
        expect(reasons).toEqual(['expired'])
        expect(store.ids('destroy')).toEqual([idOf(cookie)])
      })
    }
  }
})

/** A store whose load can be held and released by the test. */
class HeldLoadStore extends SpyStore {
  held: ReturnType<typeof deferred<void>> | undefined
  failNext: Error | undefined
  override async load(id: string): Promise<SessionRecord | null> {
    const fail = this.failNext
    this.failNext = undefined
    if (fail) throw fail
    const r = await super.load(id)
    if (this.held) await this.held.promise
    return r
  }
}

describe('guards around loads', () => {
  it('a load that finishes after destroy does not bring the old data into the fresh session', async () => {
    const store = new HeldLoadStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { secret: 'old' })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    store.held = deferred()
    const reading = s.get('secret')
    await s.destroy()
    store.held.resolve()
    expect(await reading).toBeUndefined()
    expect(await s.getAll()).toEqual({})
  })

  it('a load that finishes after regenerate does not replace what regenerate knows', async () => {
    const store = new HeldLoadStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    store.held = deferred()
    const reading = s.getAll()
    await s.regenerate()
    const newId = s.id
    store.held.resolve()
    expect(await reading).toEqual({ user: 'ada' }) // loaded again under the new ID, not empty
    expect(s.id).toBe(newId)
    expect(await s.get('user')).toBe('ada')
  })

  it('a failed load is retried by the next read (it is not remembered as empty)', async () => {
    const store = new HeldLoadStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    store.failNext = new Error('ECONNRESET')
    await expectRejectsWith(s.get('a'), 'STORE_UNAVAILABLE')
    expect(await s.get('a')).toBe(1)
  })

  it('a load that throws instead of rejecting is wrapped the same, and retried by the next read', async () => {
    const spy = new SpyStore()
    let fail = true
    const store: Store = {
      ...withoutGetMulti(spy),
      load: (id) => {
        if (fail) throw new Error('ECONNRESET')
        return spy.load(id)
      },
    }
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await expectRejectsWith(s.get('a'), 'STORE_UNAVAILABLE')
    await expectRejectsWith(s.getAll(), 'STORE_UNAVAILABLE')
    fail = false
    expect(await s.get('a')).toBe(1)
  })

  it('a store’s own SessionError passes through unwrapped, with its code', async () => {
    const store = new HeldLoadStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const own = new SessionError('TOO_LARGE', 'over the limit')
    store.failNext = own
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await expect(s.get('a')).rejects.toBe(own)
  })
})

describe('ID collisions', () => {
  /** A generator that returns `taken` `times` times, then fresh IDs. */
  function collidingGenerator(taken: string, times: number): () => string {
    let n = 0
    return () => (n++ < times ? taken : `fresh-${n}-${Math.random().toString(36).slice(2)}`)
  }

  it('create retries with a new ID when the store says taken, and gives up after 3 tries', async () => {
    const store = new SpyStore()
    const seed = fakeManager({ store, generateId: () => 'the-taken-id' })
    await stored(seed, { owner: 'first' })
    const m = fakeManager({ store, generateId: collidingGenerator('the-taken-id', 2) })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('owner', 'second')
    await s.commit()
    expect(s.id).not.toBe('the-taken-id')
    expect(store.count('create')).toBe(1 + 3) // the seed's, two refused, then the fresh one
    expect(await (await m.acquire(fakeReq({ session: res.set.at(-1)!.value }), fakeRes())).get('owner')).toBe('second')
    expect([...(await store.inner.load('the-taken-id'))!.fields.keys()]).toEqual(['owner'])

    const stuck = fakeManager({ store, generateId: () => 'the-taken-id' })
    const t = await stuck.acquire(fakeReq(), fakeRes())
    await t.set('x', 1)
    await expectRejectsWith(t.commit(), 'STORE_UNAVAILABLE')
  })

  it('regenerate retries on a taken ID too, and the session ends up under a fresh one', async () => {
    const store = new SpyStore()
    const seed = fakeManager({ store, generateId: () => 'taken-by-another' })
    await stored(seed, { who: 'other' })
    let next = 0
    const ids = ['mine-0', 'taken-by-another', 'mine-2']
    const m = fakeManager({ store, generateId: () => ids[next++] ?? `mine-x-${next}` })
    const cookie = await stored(m, { who: 'me' })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.regenerate()
    expect(s.id).toBe('mine-2')
    expect(await s.get('who')).toBe('me')
    expect((await store.inner.load('taken-by-another'))!.fields.size).toBe(1)
  })
})

describe('cookies', () => {
  it('destroy with an onInvalidCookie hook and no cookie calls no hook and sends no removal', async () => {
    const reasons: string[] = []
    const m = fakeManager({ store: new SpyStore(), onInvalidCookie: (e) => reasons.push(e.reason) })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.destroy()
    expect(reasons).toEqual([])
    expect(res.set).toEqual([])
  })

  it('cookie.maxAge longer than the session can live: Max-Age is the session’s remaining life', async () => {
    const clock = manualClock()
    const m = fakeManager({ store: new SpyStore({ now: clock.now }), now: clock.now, idleTimeout: 0, absoluteTimeout: 600, cookie: { maxAge: 86_400 } })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    await s.commit()
    expect(res.set.at(-1)!.maxAge).toBe(600)
    expect(res.set.at(-1)!.expires!.getTime()).toBe(clock.now() + 600_000)
  })

  it('with absoluteTimeout and cookie.maxAge the cookie follows activity: re-sent on a write, capped by what is left', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = fakeManager({ store, now: clock.now, idleTimeout: 0, absoluteTimeout: 3600, cookie: { maxAge: 600 } })
    const cookie = await stored(m, { n: 0 })
    clock.advance(3_300_000) // 300 s of the absolute lifetime left
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    await s.set('n', 1)
    await s.commit()
    expect(res.set).toHaveLength(1)
    expect(res.set[0]!.value).toBe(cookie)
    expect(res.set[0]!.maxAge).toBe(300)
  })

  it('without cookie.maxAge and with an absolute timeout a write sends no cookie', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { n: 0 })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    await s.set('n', 1)
    await s.commit()
    expect(res.set).toEqual([])
  })
})

/** A SpyStore whose methods reject with `failing` while it is set (only `only`, when that is set). */
class FailingStore extends SpyStore {
  failing: Error | undefined
  only: string | undefined
  #gate<R>(name: string, op: () => Promise<R>): Promise<R> {
    return this.failing && (this.only === undefined || this.only === name) ? Promise.reject(this.failing) : op()
  }
  override load(id: string) {
    return this.#gate('load', () => super.load(id))
  }
  override getMulti(id: string, names: readonly string[]) {
    return this.#gate('getMulti', () => super.getMulti(id, names))
  }
  override create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>) {
    return this.#gate('create', () => super.create(id, meta, fields))
  }
  override commit(id: string, batch: CommitBatch) {
    return this.#gate('commit', () => super.commit(id, batch))
  }
  override touch(id: string, at: number) {
    return this.#gate('touch', () => super.touch(id, at))
  }
  override regenerate(a: string, b: string, batch: CommitBatch) {
    return this.#gate('regenerate', () => super.regenerate(a, b, batch))
  }
  override destroy(id: string) {
    return this.#gate('destroy', () => super.destroy(id))
  }
}

/** The message of what `p` rejects with (a SessionError of `code`). */
async function messageOf(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected a rejection with ${code}`).toBeInstanceOf(SessionError)
  expect((err as SessionError).code).toBe(code)
  return (err as Error).message
}

describe('diagnostics: each error says what failed', () => {
  it('STORE_UNAVAILABLE names the store operation, and carries the cause', async () => {
    const store = new FailingStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const boom = new Error('ECONNRESET')
    const at = async () => m.acquire(fakeReq({ session: cookie }), fakeRes())
    store.failing = boom
    expect(await messageOf((await at()).get('a'), 'STORE_UNAVAILABLE')).toBe('session store failed to load the session: ECONNRESET')
    expect(await messageOf((await at()).getMulti('a'), 'STORE_UNAVAILABLE')).toMatch(/^session store failed to read the session: ECONNRESET$/)
    expect(await messageOf((await at()).regenerate(), 'STORE_UNAVAILABLE')).toMatch(/failed to read the session/)
    const fresh = await m.acquire(fakeReq(), fakeRes())
    await fresh.set('a', 1)
    expect(await messageOf(fresh.commit(), 'STORE_UNAVAILABLE')).toMatch(/failed to create the session: ECONNRESET$/)

    store.failing = undefined
    const s = await at()
    await s.set('a', 2)
    store.failing = boom
    expect(await messageOf(s.commit(), 'STORE_UNAVAILABLE')).toMatch(/failed to commit the session: /)
    expect(await messageOf(s.regenerate(), 'STORE_UNAVAILABLE')).toMatch(/failed to regenerate the session: /)
    expect(await messageOf(s.destroy(), 'STORE_UNAVAILABLE')).toMatch(/failed to destroy the session: /)
  })

  it('a touch that fails names the touch; an expired session that cannot be removed names that', async () => {
    const clock = manualClock()
    const storeClock = manualClock()
    const store = new FailingStore({ now: storeClock.now })
    const m = fakeManager({ store, now: clock.now, idleTimeout: 600, absoluteTimeout: 0, touchAfter: 1 })
    const cookie = await stored(m, { a: 1 })
    clock.advance(5_000)
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.get('a')
    store.failing = new Error('down')
    expect(await messageOf(s.commit(), 'STORE_UNAVAILABLE')).toBe('session store failed to touch the session: down')
    clock.advance(600_000) // expired for the Manager, still live for the lagging store clock
    store.only = 'destroy'
    const t = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(await messageOf(t.getMulti('a'), 'STORE_UNAVAILABLE')).toBe('session store failed to destroy an expired session: down')
  })

  it('HEADERS_SENT says what could not be sent', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    res.sent = true
    expect(await messageOf(s.commit(), 'HEADERS_SENT')).toMatch(/^cannot create the session: the response's headers were already sent/)
    expect(await messageOf(s.regenerate(), 'HEADERS_SENT')).toMatch(/^cannot regenerate the session: /)

    const cookie = await stored(m, { a: 1 })
    const rotated = fakeManager({ store, secrets: ['secret-R-0123456789abcdef0123456789abcdef', SECRET_A] })
    const late = fakeRes()
    const r = await rotated.acquire(fakeReq({ session: cookie }), late)
    await r.set('a', 2)
    late.sent = true
    expect(await messageOf(r.commit(), 'HEADERS_SENT')).toMatch(/^cannot re-sign the session cookie with the newest secret: /)
  })

  it('TYPE and CODEC messages name the problem with the key or value', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const s = await m.acquire(fakeReq(), fakeRes())
    expect(await messageOf(s.set('', 1), 'TYPE')).toBe('session key must be a non-empty string, got ""')
    expect(await messageOf(s.set(5 as unknown as string, 1), 'TYPE')).toBe('session key must be a non-empty string, got number')
    expect(await messageOf(s.set('a\uD800', 1), 'TYPE')).toMatch(/lone surrogate/)
    expect(await messageOf(s.set('k', undefined as never), 'CODEC')).toBe('cannot set "k" to undefined: use delete("k")')
  })
})

describe('what each request costs and leaves behind', () => {
  it('getMulti on a store with getMulti reads only the asked fields, and never loads the whole session', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1, b: 2 })
    store.reset()
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(await s.getMulti('a')).toEqual(Object.assign(Object.create(null), { a: 1 }))
    expect([store.count('getMulti'), store.count('load')]).toEqual([1, 0])
    // A key no store can hold (a lone surrogate) goes through a full load, never to getMulti.
    store.reset()
    const t = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(await t.getMulti('a', 'b\uD800')).toEqual(Object.assign(Object.create(null), { a: 1, 'b\uD800': undefined }))
    expect([store.count('getMulti'), store.count('load')]).toEqual([0, 1])
  })

  it('a session created in this request is read back without a store call', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const s = await m.acquire(fakeReq(), fakeRes())
    await s.set('a', 1)
    await s.commit()
    store.reset()
    expect(await s.getAll()).toEqual({ a: 1 })
    expect(store.calls).toEqual([])
  })

  it('clear then set leaves only the new fields in this request’s view; a plain commit keeps the others', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const cookie = await stored(m, { x: 1, y: 2 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.getAll()
    await s.set('z', 3)
    await s.commit()
    expect(await s.getAll()).toEqual({ x: 1, y: 2, z: 3 })
    await s.clear()
    await s.set('a', 1)
    await s.commit()
    expect(await s.getAll()).toEqual({ a: 1 })
  })

  it('with idleTimeout off, a read-only request never touches the store', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = fakeManager({ store, now: clock.now, idleTimeout: 0, absoluteTimeout: 3600 })
    const cookie = await stored(m, { a: 1 })
    clock.advance(600_000)
    store.reset()
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.get('a')
    await s.commit()
    expect(store.count('touch')).toBe(0)
  })

  it('destroy of a session never stored makes no store call and sends nothing', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.destroy()
    expect(store.calls).toEqual([])
    expect(res.set).toEqual([])
  })

  it('a session created and destroyed in one request: the removal cookie goes out', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    await s.commit()
    await s.destroy()
    expect(res.set.map((c) => c.maxAge)).toEqual([expect.any(Number), 0])
    expect(res.set[0]!.maxAge).toBeGreaterThan(0)
    expect(store.size).toBe(0)
  })

  it('a removal is sent once, however many commits follow', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    await store.inner.destroy(idOf(cookie))
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    expect(await s.get('a')).toBeUndefined()
    await s.commit()
    await s.commit()
    expect(res.set.map((c) => c.maxAge)).toEqual([0])
  })

  it('a re-signed cookie is sent once, however many commits follow, and not again after a regenerate', async () => {
    const store = new SpyStore()
    const old = fakeManager({ store, secrets: [SECRET_A] })
    const cookie = await stored(old, { a: 1 })
    const rotated = fakeManager({ store, secrets: ['secret-R-0123456789abcdef0123456789abcdef', SECRET_A] })
    const res = fakeRes()
    const s = await rotated.acquire(fakeReq({ session: cookie }), res)
    await s.set('a', 2)
    await s.commit()
    await s.set('a', 3)
    await s.commit()
    expect(res.set).toHaveLength(1)
    expect(res.set[0]!.value).not.toBe(cookie)

    const res2 = fakeRes()
    const t = await rotated.acquire(fakeReq({ session: cookie }), res2)
    await t.regenerate()
    await t.commit()
    expect(res2.set).toHaveLength(1)
    expect(idOf(res2.set[0]!.value)).toBe(t.id)
  })

  it('a commit that loses to a logout leaves a new session: isNew, and a later write creates a fresh one', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.get('a')
    await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).destroy()
    await s.set('a', 2)
    await s.commit()
    expect(s.isNew).toBe(true)
    await s.set('b', 1)
    await s.commit()
    expect(s.isNew).toBe(false)
    expect(s.id).not.toBe(idOf(cookie))
    expect(await liveKeys(store, s.id)).toEqual(['b'])
  })

  it('the ID-collision retries stop at three: create and regenerate', async () => {
    const store = new SpyStore()
    const seed = fakeManager({ store, generateId: () => 'always-the-same-id' })
    await stored(seed, { a: 1 })
    store.reset()
    const stuck = fakeManager({ store, generateId: () => 'always-the-same-id' })
    const t = await stuck.acquire(fakeReq(), fakeRes())
    await t.set('x', 1)
    await expect(t.commit()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    expect(store.count('create')).toBe(3)

    let n = 0
    const mine = fakeManager({ store, generateId: () => (n++ === 0 ? 'mine-first' : 'always-the-same-id') })
    const cookie = await stored(mine, { who: 'me' })
    store.reset()
    const s = await mine.acquire(fakeReq({ session: cookie }), fakeRes())
    await expect(s.regenerate()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    expect(store.count('regenerate')).toBe(3)
    expect(await liveKeys(store, 'mine-first')).toEqual(['who'])
  })

  it('regenerate of a loaded session keeps this request’s writes in its view; the gone case reports "unknown"', async () => {
    const reasons: string[] = []
    const store = new SpyStore()
    const m = fakeManager({ store, onInvalidCookie: (e) => reasons.push(e.reason) })
    const cookie = await stored(m, { a: 1 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.getAll()
    await s.set('b', 2)
    await s.regenerate()
    store.reset()
    expect(await s.getAll()).toEqual({ a: 1, b: 2 })
    expect(store.calls).toEqual([])

    const t = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await t.regenerate()
    expect(reasons).toEqual(['unknown'])
  })

  it('a load held up by the store while the session is regenerated with a write: the write is seen afterwards', async () => {
    const store = new HeldLoadStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    store.held = deferred()
    const reading = s.getAll()
    await s.set('role', 'admin')
    await s.regenerate()
    store.held.resolve()
    expect(await reading).toEqual({ user: 'ada', role: 'admin' })
    expect(await s.get('role')).toBe('admin')
  })

  it('destroy while a regenerate is in flight: neither ID is left live', async () => {
    const store = new HeldRegenerateStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    const held = (store.held = deferred())
    const regenerating = s.regenerate()
    await store.entered.promise
    const destroying = s.destroy()
    held.resolve()
    await Promise.all([regenerating, destroying])
    expect(store.size).toBe(0)
  })

  it('headers that leave during create: the session is new again afterwards', async () => {
    const store = new HeldCreateStore()
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    const held = (store.held = deferred())
    const committing = s.commit()
    await store.entered.promise
    res.sent = true
    held.resolve()
    await expect(committing).rejects.toMatchObject({ code: 'HEADERS_SENT' })
    expect(s.isNew).toBe(true)
  })
})

/** A store whose next regenerate waits for `held`. */
class HeldRegenerateStore extends SpyStore {
  held: ReturnType<typeof deferred<void>> | undefined
  entered = deferred()
  override async regenerate(a: string, b: string, batch: CommitBatch) {
    const held = this.held
    this.held = undefined
    this.entered.resolve()
    if (held) await held.promise
    return super.regenerate(a, b, batch)
  }
}

/** A store whose next create waits for `held`. */
class HeldCreateStore extends SpyStore {
  held: ReturnType<typeof deferred<void>> | undefined
  entered = deferred()
  override async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>) {
    const held = this.held
    this.held = undefined
    this.entered.resolve()
    if (held) await held.promise
    return super.create(id, meta, fields)
  }
}

describe('the Session’s expiry check at the boundary (store clock lagging)', () => {
  // A session is live while the clock is before its deadline and gone from the deadline on
  // (the store contract's rule), for the idle and the absolute deadline alike.
  for (const half of ['idle', 'absolute'] as const) {
    it(`${half}: live 1 ms before the deadline, gone at it`, async () => {
      const clock = manualClock()
      const store = new SpyStore({ now: manualClock().now })
      const opts = half === 'idle' ? { idleTimeout: 60, absoluteTimeout: 0 } : { idleTimeout: 0, absoluteTimeout: 60 }
      const m = fakeManager({ store, now: clock.now, ...opts })
      const cookie = await stored(m, { a: 1 })
      clock.advance(60_000 - 1)
      expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('a')).toBe(1)
      clock.advance(1)
      expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('a')).toBeUndefined()
    })
  }
})

describe('an expired session found by two reads at once', () => {
  it('is reported once and turns fresh once', async () => {
    const clock = manualClock()
    const reasons: string[] = []
    const store = new SpyStore({ now: manualClock().now })
    const m = fakeManager({ store, now: clock.now, idleTimeout: 60, absoluteTimeout: 0, onInvalidCookie: (e) => reasons.push(e.reason) })
    const cookie = await stored(m, { a: 1 })
    clock.advance(61_000)
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    const [multi, one] = await Promise.all([s.getMulti('a'), s.get('a')])
    expect([multi.a, one]).toEqual([undefined, undefined])
    expect(reasons).toEqual(['expired'])
    const id = s.id
    await s.set('b', 1)
    expect(s.id).toBe(id)
  })
})

describe('the refresh throttle never lets an active session lapse', () => {
  const SEC = 1000

  it('touchAfter must be shorter than idleTimeout and cookie.maxAge (CONFIG); the default is 60 s or half the shorter', async () => {
    expect(() => fakeManager({ idleTimeout: 60, touchAfter: 60 })).toThrow(/^option touchAfter is invalid: 60 \(less than idleTimeout/)
    expect(() => fakeManager({ cookie: { maxAge: 30 }, touchAfter: 30 })).toThrow(/^option touchAfter is invalid: 30 \(less than cookie\.maxAge/)
    expect(() => fakeManager({ idleTimeout: 0, absoluteTimeout: 3600, touchAfter: 600 })).not.toThrow()

    // cookie.maxAge 30 s, a write every 10 s: the default touchAfter (15 s) re-sends the cookie
    // before it lapses, every time.
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = fakeManager({ store, now: clock.now, cookie: { maxAge: 30 } })
    const first = fakeRes()
    const s0 = await m.acquire(fakeReq(), first)
    await s0.set('n', 0)
    await s0.commit()
    let cookie = first.set[0]!
    let cookieExpires = clock.now() + cookie.maxAge! * SEC
    for (let i = 1; i <= 12; i++) {
      clock.advance(10 * SEC)
      expect(clock.now(), `write ${i}: the client's cookie has lapsed`).toBeLessThan(cookieExpires)
      const res = fakeRes()
      const s = await m.acquire(fakeReq({ session: cookie.value }), res)
      expect(await s.get('n')).toBe(i - 1)
      await s.set('n', i)
      await s.commit()
      if (res.set.length > 0) {
        cookie = res.set[0]!
        cookieExpires = clock.now() + cookie.maxAge! * SEC
      }
    }
  })

  it('a commit whose headers are gone does not move the expiry its cookie cannot follow', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    // No absolute deadline: the cookie follows the idle expiry.
    const m = fakeManager({ store, now: clock.now, idleTimeout: 120, absoluteTimeout: 0, touchAfter: 60 })
    const t0 = clock.now()
    const first = fakeRes()
    const s0 = await m.acquire(fakeReq(), first)
    await s0.set('n', 0)
    await s0.commit()
    const value = first.set[0]!.value
    const id = idOf(value)

    clock.advance(61 * SEC)
    const late = fakeRes()
    const s1 = await m.acquire(fakeReq({ session: value }), late)
    await s1.set('n', 1)
    late.sent = true
    await s1.commit() // an existing session's fields: written, no cookie
    expect(late.set).toEqual([])
    expect((await store.inner.load(id))!.meta.expiresAt).toBe(t0 + 120 * SEC)

    // A read-only request cannot carry it either: no touch.
    const ro = fakeRes()
    const s2 = await m.acquire(fakeReq({ session: value }), ro)
    expect(await s2.get('n')).toBe(1)
    ro.sent = true
    await s2.commit()
    expect((await store.inner.load(id))!.meta.expiresAt).toBe(t0 + 120 * SEC)

    // The next response that can carry it moves the expiry and sends the cookie.
    clock.advance(40 * SEC)
    const next = fakeRes()
    const s3 = await m.acquire(fakeReq({ session: value }), next)
    await s3.set('n', 2)
    await s3.commit()
    expect(next.set).toHaveLength(1)
    expect(next.set[0]!.maxAge).toBe(120)
    expect((await store.inner.load(id))!.meta.expiresAt).toBe(clock.now() + 120 * SEC)
  })
})

describe('a MemoryStore subclass, a lagging store clock, and reads during a regenerate', () => {
  /** A MemoryStore that counts the calls of its public load and commit. */
  class CountingStore extends MemoryStore {
    loads = 0
    commits = 0
    override async load(id: string): Promise<SessionRecord | null> {
      this.loads++
      return super.load(id)
    }
    override async commit(id: string, batch: CommitBatch): Promise<boolean> {
      this.commits++
      return super.commit(id, batch)
    }
  }

  async function readWrite(m: ReturnType<typeof fakeManager>, cookie: string): Promise<number> {
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    const n = s.int((await s.get('n')) ?? 0)
    await s.set('n', n + 1)
    await s.commit()
    return n
  }

  it('a subclass that overrides load and commit is called through them', async () => {
    const store = new CountingStore({ sweepInterval: 0 })
    const m = fakeManager({ store })
    const cookie = await stored(m, { n: 1 })
    store.loads = store.commits = 0
    expect(await readWrite(m, cookie)).toBe(1)
    expect(await readWrite(m, cookie)).toBe(2)
    expect([store.loads, store.commits]).toEqual([2, 2])
  })

  it('a session the Session finds expired itself (the store\'s clock lags) is removed, as on any store', async () => {
    const storeClock = manualClock()
    const clock = manualClock()
    const store = new MemoryStore({ sweepInterval: 0, now: storeClock.now })
    const reasons: string[] = []
    const m = fakeManager({ store, now: clock.now, idleTimeout: 60, absoluteTimeout: 0, onInvalidCookie: (e) => reasons.push(e.reason) })
    const cookie = await stored(m, { a: 1 })
    clock.advance(59_000)
    expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('a')).toBe(1)
    clock.advance(61_000)
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(await s.get('a')).toBeUndefined()
    expect(s.id).not.toBe(idOf(cookie))
    expect(reasons).toEqual(['expired'])
    expect(await store.load(idOf(cookie))).toBeNull()
  })

  // The read starts once regenerate() has begun (the field is not loaded yet), and ends while or
  // after the store moves the record to the new ID.
  it.each([
    ['get', async (s: Session<any>) => ({ cart: await s.get('cart') }), { cart: 'book' }],
    ['getMulti', async (s: Session<any>) => ({ ...(await s.getMulti('cart', 'user')) }), { cart: 'book', user: 'ada' }],
  ] as const)('a %s while a regenerate is under way neither ends the session nor loses what it held', async (_name, read, expected) => {
    for (const store of [new MemoryStore({ sweepInterval: 0 }), new SpyStore()]) {
      const reasons: string[] = []
      const m = fakeManager({ store, onInvalidCookie: (e) => reasons.push(e.reason) })
      const cookie = await stored(m, { user: 'ada', cart: 'book' })
      const res = fakeRes()
      const s = await m.acquire(fakeReq({ session: cookie }), res)
      await s.set('login', 1) // the metadata is known, the fields not loaded
      const [, got] = await Promise.all([s.regenerate(), Promise.resolve().then(() => read(s))])
      await s.commit()
      expect(reasons).toEqual([])
      expect(got).toEqual(expected)
      const next = res.set.at(-1)!.value
      expect(idOf(next)).not.toBe(idOf(cookie))
      expect(await (await m.acquire(fakeReq({ session: next }), fakeRes())).getAll()).toEqual({ user: 'ada', cart: 'book', login: 1 })
    }
  })
})
