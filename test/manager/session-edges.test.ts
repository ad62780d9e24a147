// Behaviours of the Session that are right today but that no other test would notice breaking
// (mutation testing found them): pending writes and destroy, reads after commit, stores without
// getMulti, the Session's own expiry check when the store's clock lags, the guards for loads that
// finish late or fail, the ID-collision retry, and the cookie's lifetime against the session's.

import { afterEach, describe, expect, it } from 'vitest'
import { SessionError } from '../../src/errors'
import type { SessionRecord, Store } from '../../src/stores/types'
import { expectRejectsWith } from '../helpers/async'
import { SpyStore, closeManagers, deferred, fakeManager, fakeReq, fakeRes, idOf, manualClock, type FakeManager } from './harness'

afterEach(async () => {
  await closeManagers()
})

/** A stored session with `values`; returns its cookie value. */
async function stored(m: FakeManager, values: Record<string, string | number>): Promise<string> {
  const res = fakeRes()
  const s = await m.acquire(fakeReq(), res)
  await s.setMulti(values)
  await s.commit()
  return res.set.at(-1)!.value
}

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
    await reading
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
