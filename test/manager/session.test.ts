// Manager and Session in process (no socket): reads of missing keys, objects without a
// prototype, fresh copies, acquire with a ctx, autoCreate off, options refused at construction
// with the one message shape, hooks registered later, store failures, and what close() closes.

import { afterEach, describe, expect, it } from 'vitest'
import { Manager, type ManagerOptions } from '../../src/manager'
import { SessionError, isSessionError } from '../../src/errors'
import { MemoryStore } from '../../src/stores/memory'
import type { Store } from '../../src/stores/types'
import { Signer } from '../../src/signing'
import type { CookieAttributes } from '../../src/cookie'
import { SECRET_A, SpyStore, closeManagers, fakeManager, fakeReq, fakeRes, idOf, manualClock, track, type FakeReq, type FakeRes } from './harness'

afterEach(async () => {
  await closeManagers()
})

/** The value of the last cookie `res` received, for the next request. */
function lastCookie(res: FakeRes): CookieAttributes {
  const c = res.set.at(-1)
  if (!c) throw new Error('no cookie was set')
  return c
}

/** A session created and committed with `values`; returns the cookie value. */
async function created(m: Manager<any, FakeReq, FakeRes>, values: Record<string, string | number>): Promise<string> {
  const res = fakeRes()
  const s = await m.acquire(fakeReq(), res)
  await s.setMulti(values)
  await s.commit()
  return lastCookie(res).value
}

describe('reads', () => {
  it('get of a missing key resolves undefined: fresh, loaded, deleted and cleared', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const fresh = await m.acquire(fakeReq(), fakeRes())
    await expect(fresh.get('nope')).resolves.toBeUndefined()

    const cookie = await created(m, { a: 1, b: 2 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await expect(s.get('nope')).resolves.toBeUndefined()
    await expect(s.get('a')).resolves.toBe(1)
    await s.delete('a')
    await expect(s.get('a')).resolves.toBeUndefined()
    await s.clear()
    await expect(s.get('b')).resolves.toBeUndefined()
    await s.set('c', 3)
    await expect(s.get('c')).resolves.toBe(3)
    await expect(s.get('b')).resolves.toBeUndefined()
  })

  it('getAll and getMulti return objects without a prototype; getMulti has missing keys as undefined', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const cookie = await created(m, { a: 'x', b: 2 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())

    const all = await s.getAll()
    expect(Object.getPrototypeOf(all)).toBeNull()
    expect(Object.keys(all).sort()).toEqual(['a', 'b'])
    expect(all.a).toBe('x')

    const multi = await s.getMulti('a', 'missing', 'toString', 'hasOwnProperty')
    expect(Object.getPrototypeOf(multi)).toBeNull()
    expect(Object.keys(multi)).toEqual(['a', 'missing', 'toString', 'hasOwnProperty'])
    expect(multi.a).toBe('x')
    expect('missing' in multi).toBe(true)
    expect(multi.missing).toBeUndefined()
    expect(multi.toString).toBeUndefined()
    expect(multi.hasOwnProperty).toBeUndefined()

    const none = await s.getMulti()
    expect(Object.getPrototypeOf(none)).toBeNull()
    expect(Object.keys(none)).toEqual([])

    const empty = await (await m.acquire(fakeReq(), fakeRes())).getAll()
    expect(Object.getPrototypeOf(empty)).toBeNull()
    expect(Object.keys(empty)).toEqual([])
  })

  it('getAll reflects pending writes, deletes and clear', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const cookie = await created(m, { a: 1, b: 2, c: 3 })
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.delete('a')
    await s.set('b', 20)
    await s.set('d', 4)
    expect({ ...(await s.getAll()) }).toEqual({ b: 20, c: 3, d: 4 })
    await s.clear()
    await s.set('e', 5)
    expect({ ...(await s.getAll()) }).toEqual({ e: 5 })
  })

  it('values are fresh copies: mutating a result changes neither the session nor the next read', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('obj', { list: [1, 2] })
    await s.set('raw', new Uint8Array([1, 2, 3]))
    await s.commit()
    const s2 = await m.acquire(fakeReq({ session: lastCookie(res).value }), fakeRes())
    const obj = (await s2.get('obj')) as { list: number[] }
    obj.list.push(3)
    const raw = (await s2.get('raw')) as Uint8Array
    raw[0] = 99
    const all = await s2.getAll()
    ;(all.obj as { list: number[] }).list.push(4)
    expect(await s2.get('obj')).toEqual({ list: [1, 2] })
    expect(await s2.get('raw')).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('a value set and mutated by the caller afterwards is stored as it was at set()', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    const v = { n: 1 }
    await s.set('v', v)
    v.n = 2
    await s.commit()
    const s2 = await m.acquire(fakeReq({ session: lastCookie(res).value }), fakeRes())
    expect(await s2.get('v')).toEqual({ n: 1 })
  })
})

describe('store round trips', () => {
  it('acquire makes no store call; concurrent first reads share one load', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await created(m, { a: 1, b: 2 })
    store.reset()
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(store.calls).toEqual([])
    const [a, b, all, multi] = await Promise.all([s.get('a'), s.get('b'), s.getAll(), s.getMulti('a', 'b')])
    expect([a, b, { ...all }, { ...multi }]).toEqual([1, 2, { a: 1, b: 2 }, { a: 1, b: 2 }])
    expect(store.calls).toEqual([{ op: 'load', id: idOf(cookie) }])
    await s.get('a')
    expect(store.count('load')).toBe(1)
  })

  it('cookie.maxAge caps Max-Age, and Expires follows the injected clock', async () => {
    const clock = manualClock()
    const m = fakeManager({ store: new SpyStore({ now: clock.now }), now: clock.now, idleTimeout: 3600, cookie: { maxAge: 60 } })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    await s.commit()
    const c = lastCookie(res)
    expect(c.maxAge).toBe(60)
    expect(c.expires?.getTime()).toBe(clock.now() + 60_000)
  })
})

describe('writes', () => {
  it('set of undefined or of an unsupported value fails at set() with CODEC; a bad setMulti writes nothing', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const s = await m.acquire(fakeReq(), fakeRes())
    await expect(s.set('u', undefined as never)).rejects.toMatchObject({ code: 'CODEC' })
    await expect(s.set('m', new Map() as never)).rejects.toMatchObject({ code: 'CODEC' })
    await expect(s.set('f', (() => 1) as never)).rejects.toMatchObject({ code: 'CODEC' })
    await expect(s.setMulti({ ok: 1, bad: undefined as never })).rejects.toMatchObject({ code: 'CODEC' })
    await expect(s.setMulti({ ok: 1, bad: NaN })).rejects.toMatchObject({ code: 'CODEC' })
    expect(await s.get('ok')).toBeUndefined()
    expect(Object.keys(await s.getAll())).toEqual([])
  })

  it('set with an empty key is TYPE', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const s = await m.acquire(fakeReq(), fakeRes())
    await expect(s.set('', 1)).rejects.toMatchObject({ code: 'TYPE' })
  })

  it('delete and clear reach the store at commit', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await created(m, { a: 1, b: 2, c: 3 })
    const id = idOf(cookie)
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.delete('a')
    await s.commit()
    expect([...(await store.inner.load(id))!.fields.keys()].sort()).toEqual(['b', 'c'])
    const s2 = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s2.clear()
    await s2.commit()
    const rec = await store.inner.load(id)
    expect(rec).not.toBeNull()
    expect(rec!.fields.size).toBe(0)
  })
})

describe('acquire', () => {
  it('twice with the same ctx gives the same Session; another ctx or none gives another', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const req = fakeReq()
    const res = fakeRes()
    const ctx = {}
    const a = await m.acquire(req, res, ctx)
    const b = await m.acquire(req, res, ctx)
    expect(b).toBe(a)
    await a.set('x', 1)
    expect(await b.get('x')).toBe(1)
    const c = await m.acquire(req, res, {})
    expect(c).not.toBe(a)
    const d = await m.acquire(req, res)
    expect(d).not.toBe(a)
    expect(d.id).not.toBe(a.id)
  })

  it('the same ctx with two managers gives each manager its own Session', async () => {
    const one = fakeManager({ store: new SpyStore(), cookie: { name: 'one' } })
    const two = fakeManager({ store: new SpyStore(), cookie: { name: 'two' } })
    const ctx = {}
    const a = await one.acquire(fakeReq(), fakeRes(), ctx)
    const b = await two.acquire(fakeReq(), fakeRes(), ctx)
    expect(b).not.toBe(a)
    expect(await one.acquire(fakeReq(), fakeRes(), ctx)).toBe(a)
    expect(await two.acquire(fakeReq(), fakeRes(), ctx)).toBe(b)
  })

  it('without getCookie/setCookie rejects with CONFIG; registerGetCookie/registerSetCookie fix it', async () => {
    const m = track(new Manager<any, FakeReq, FakeRes>({ secrets: [SECRET_A], store: new SpyStore() }))
    await expect(m.acquire(fakeReq(), fakeRes())).rejects.toMatchObject({ code: 'CONFIG' })
    m.registerGetCookie((name, req) => req.cookies[name])
    await expect(m.acquire(fakeReq(), fakeRes())).rejects.toMatchObject({ code: 'CONFIG' })
    m.registerSetCookie((c, res) => void res.set.push(c))
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('x', 1)
    await s.commit()
    expect(res.set).toHaveLength(1)
    expect(() => m.registerGetCookie('nope' as never)).toThrow(/^option getCookie is invalid/)
  })

  it('useStore switches the store for later sessions', async () => {
    const first = new SpyStore()
    const second = new SpyStore()
    const m = fakeManager({ store: first })
    await created(m, { a: 1 })
    m.useStore(second)
    await created(m, { b: 2 })
    expect(first.size).toBe(1)
    expect(second.size).toBe(1)
    expect(() => m.useStore({} as Store)).toThrow(SessionError)
  })
})

describe('autoCreate: false', () => {
  it('rejects with SessionError INVALID_SESSION without a cookie, with a bogus one, and with one of a destroyed session', async () => {
    const store = new SpyStore()
    const open = fakeManager({ store })
    const strict = fakeManager({ store, autoCreate: false })
    const none = strict.acquire(fakeReq(), fakeRes())
    await expect(none).rejects.toBeInstanceOf(SessionError)
    await expect(none).rejects.toMatchObject({ code: 'INVALID_SESSION' })
    await expect(strict.acquire(fakeReq({ session: 'bogus' }), fakeRes())).rejects.toMatchObject({ code: 'INVALID_SESSION' })

    const cookie = await created(open, { x: 1 })
    const live = await strict.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(live.isNew).toBe(false)
    expect(await live.get('x')).toBe(1)

    const res = fakeRes()
    const s = await open.acquire(fakeReq({ session: cookie }), res)
    await s.destroy()
    const dead = strict.acquire(fakeReq({ session: cookie }), fakeRes())
    await expect(dead).rejects.toBeInstanceOf(SessionError)
    await expect(dead).rejects.toMatchObject({ code: 'INVALID_SESSION' })
    expect(store.ids('create')).toHaveLength(1)
  })

  it('rejects for a validly signed ID the store never had', async () => {
    const strict = fakeManager({ store: new SpyStore(), autoCreate: false })
    const signer = new Signer([SECRET_A])
    const forged = signer.sign('CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC')
    signer.close()
    await expect(strict.acquire(fakeReq({ session: forged }), fakeRes())).rejects.toMatchObject({ code: 'INVALID_SESSION' })
  })
})

describe('options are checked at construction', () => {
  const base = (): ManagerOptions => ({ secrets: [SECRET_A], store: new MemoryStore({ sweepInterval: 0 }) })
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['cookie.maxAge -1', { cookie: { maxAge: -1 } }, /^option cookie\.maxAge is invalid: -1 \(/],
    ['cookie.maxAge 1.5', { cookie: { maxAge: 1.5 } }, /^option cookie\.maxAge is invalid: 1\.5/],
    ['idleTimeout 1.5', { idleTimeout: 1.5 }, /^option idleTimeout is invalid: 1\.5/],
    ['idleTimeout -1', { idleTimeout: -1 }, /^option idleTimeout is invalid: -1/],
    ['absoluteTimeout "60"', { absoluteTimeout: '60' }, /^option absoluteTimeout is invalid: "60"/],
    ['touchAfter NaN', { touchAfter: NaN }, /^option touchAfter is invalid: NaN/],
    ['both timeouts off', { idleTimeout: 0, absoluteTimeout: 0 }, /^option idleTimeout is invalid: 0/],
    ['a secret too short', { secrets: ['short'] }, /^option secrets\[0\] is invalid: .*5 bytes/],
    ['the second secret too short', { secrets: [SECRET_A, 'x'.repeat(31)] }, /^option secrets\[1\] is invalid: .*31 bytes/],
    ['no secrets', { secrets: [] }, /^option secrets is invalid/],
    ['a secret that is not a string', { secrets: [42] }, /^option secrets\[0\] is invalid/],
    ["sameSite 'none' with secure false", { cookie: { sameSite: 'none', secure: false } }, /^option cookie\.sameSite is invalid: "none"/],
    ['a __Host- name with a domain', { cookie: { name: '__Host-sid', domain: 'example.com' } }, /^option cookie\.domain is invalid: "example\.com"/],
    ['a __Host- name with a path', { cookie: { name: '__Host-sid', path: '/app' } }, /^option cookie\.path is invalid: "\/app"/],
    ['a __Secure- name without secure', { cookie: { name: '__Secure-sid', secure: false } }, /^option cookie\.secure is invalid: false/],
    ['partitioned without secure', { cookie: { partitioned: true, secure: false } }, /^option cookie\.partitioned is invalid: true/],
    ['a cookie name with a space', { cookie: { name: 'my session' } }, /^option cookie\.name is invalid: "my session"/],
    ['a path without a leading slash', { cookie: { path: 'app' } }, /^option cookie\.path is invalid: "app"/],
    ['a domain with a semicolon', { cookie: { domain: 'a.com;x' } }, /^option cookie\.domain is invalid/],
    ['sameSite in capitals', { cookie: { sameSite: 'Lax' } }, /^option cookie\.sameSite is invalid: "Lax"/],
    ['idLength 8', { idLength: 8 }, /^option idLength is invalid: 8/],
    ['autoCreate "no"', { autoCreate: 'no' }, /^option autoCreate is invalid: "no"/],
    ['a store without methods', { store: {} }, /^option store is invalid/],
    ['getCookie not a function', { getCookie: 'x' }, /^option getCookie is invalid/],
    ['now not a function', { now: 5 }, /^option now is invalid/],
  ]
  for (const [name, override, message] of cases) {
    it(`${name}: SessionError CONFIG "${message.source}"`, () => {
      let err: unknown
      try {
        track(new Manager({ ...base(), ...override } as ManagerOptions))
      } catch (e) {
        err = e
      }
      expect(isSessionError(err, 'CONFIG'), String(err)).toBe(true)
      expect((err as Error).message).toMatch(message)
    })
  }

  it('a secret passed where the list belongs is refused without echoing it', () => {
    const secret = 'do-not-print-me-0123456789abcdef0123456789'
    let err: unknown
    try {
      track(new Manager({ secrets: secret as never }))
    } catch (e) {
      err = e
    }
    expect(isSessionError(err, 'CONFIG')).toBe(true)
    expect((err as Error).message).toMatch(/^option secrets is invalid/)
    expect((err as Error).message).not.toContain(secret)
  })

  it('a too-short secret is not echoed', () => {
    const secret = 'tiny-secret'
    expect(() => track(new Manager({ secrets: [secret] }))).toThrow(SessionError)
    try {
      track(new Manager({ secrets: [secret] }))
    } catch (e) {
      expect((e as Error).message).not.toContain(secret)
    }
  })

  it('the valid extremes construct', () => {
    expect(() => track(new Manager({ ...base(), cookie: { maxAge: 1 }, idleTimeout: 0 }))).not.toThrow()
    expect(() => track(new Manager({ ...base(), cookie: { name: '__Host-sid' } }))).not.toThrow()
    expect(() => track(new Manager({ ...base(), cookie: { sameSite: 'none', partitioned: true, domain: 'example.com' } }))).not.toThrow()
  })
})

describe('store failures', () => {
  it('a store that throws surfaces as STORE_UNAVAILABLE with the cause, never an empty session', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await created(m, { a: 1 })
    const boom = new Error('connection refused')
    const failing: Store = {
      create: () => Promise.reject(boom),
      load: () => Promise.reject(boom),
      commit: () => Promise.reject(boom),
      touch: () => Promise.reject(boom),
      regenerate: () => Promise.reject(boom),
      destroy: () => Promise.reject(boom),
    }
    m.useStore(failing)
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    const err = await s.get('a').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSessionError(err, 'STORE_UNAVAILABLE')).toBe(true)
    expect((err as Error).cause).toBe(boom)
    const fresh = await m.acquire(fakeReq(), fakeRes())
    await fresh.set('x', 1)
    await expect(fresh.commit()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
  })
})

describe('close', () => {
  it('Manager.close() leaves a store it was given open for the others that share it', async () => {
    const shared = new SpyStore()
    const a = fakeManager({ store: shared })
    const b = fakeManager({ store: shared })
    const cookie = await created(a, { x: 1 })
    await a.close()
    const s = await b.acquire(fakeReq({ session: cookie }), fakeRes())
    await expect(s.get('x')).resolves.toBe(1)
  })
})

describe("pending writes are each session's own", () => {
  // Sessions start with shared empty collections and make their own at the first write: a write,
  // a delete or a clear of one session must never reach another.
  it('a write, a delete and a commit in one session leave every other session empty', async () => {
    const m = fakeManager()
    const cookie = await created(m, { kept: 1 })
    const a = await m.acquire(fakeReq(), fakeRes())
    const b = await m.acquire(fakeReq(), fakeRes())
    const c = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await a.set('x', 1)
    await c.delete('kept')
    await c.set('y', 2)
    expect(await b.getAll()).toEqual({})
    expect(await b.get('x')).toBeUndefined()
    await a.commit()
    await c.commit()
    const res = fakeRes()
    await b.commit()
    expect(res.set).toEqual([])
    expect({ ...(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).getAll()) }).toEqual({ y: 2 })
    const d = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await d.clear()
    expect({ ...(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).getAll()) }).toEqual({ y: 2 })
    expect({ ...(await c.getAll()) }).toEqual({ y: 2 })
    expect(await d.getAll()).toEqual({})
  })
})
