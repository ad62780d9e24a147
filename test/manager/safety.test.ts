// The defects a hostile client and a careless app found, each as the scenario that must hold:
// regenerate never brings back a session that was destroyed or expired; a cookie the response
// can no longer carry fails loudly (HEADERS_SENT) before any store write, on node:http and on
// fetch Headers; keys no store can hold are refused at set() alike; a store's TypeError stays a
// TypeError; newSession for apps with autoCreate off; onRead once per request.

import { afterEach, describe, expect, it } from 'vitest'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Manager } from '../../src/manager'
import { isSessionError } from '../../src/errors'
import type { CommitBatch, RegenerateResult, SessionMeta, Store } from '../../src/stores/types'
import * as fetchAdapter from '../../src/adapters/fetch/index'
import { expectRejectsWith } from '../helpers/async'
import {
  Client,
  SECRET_A,
  SpyStore,
  closeManagers,
  closeServers,
  deferred,
  fakeManager,
  fakeReq,
  fakeRes,
  idOf,
  manualClock,
  nodeManager,
  serve,
  stored,
  track,
  type FakeRes,
} from './harness'

afterEach(async () => {
  await closeServers()
  await closeManagers()
})

/** Every live session of a SpyStore's memory store, by ID. */
async function liveFields(store: SpyStore, ids: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const id of ids) {
    const r = await store.inner.load(id)
    if (r) out[id] = [...r.fields.keys()].sort()
  }
  return out
}

describe('regenerate never brings back a session that is gone', () => {
  it('request A reads, request B logs out, A regenerates: a fresh session without the old data', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada', role: 'admin' })
    const oldId = idOf(cookie)

    const resA = fakeRes()
    const a = await m.acquire(fakeReq({ session: cookie }), resA)
    expect(await a.get('user')).toBe('ada')

    const b = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await b.destroy()

    await a.regenerate()
    expect(a.id).not.toBe(oldId)
    expect(await a.getAll()).toEqual({})
    await a.commit()
    // Nothing under any ID holds the logged-out data; the client is told to drop its cookie.
    expect(await liveFields(store, [oldId, a.id])).toEqual({})
    expect(store.size).toBe(0)
    expect(resA.set.map((c) => c.maxAge)).toEqual([0])
  })

  it('keeps only this request pending writes when the session is gone (a login after logout)', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada', role: 'admin', cart: 3 })
    const a = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await a.get('user')
    await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).destroy()

    await a.set('user', 'bob')
    await a.delete('cart')
    await a.regenerate()
    await a.commit()
    expect(await liveFields(store, [a.id])).toEqual({ [a.id]: ['user'] })
    expect(await a.getAll()).toEqual({ user: 'bob' })
  })

  it('a session that expired between the read and the regenerate: fresh, and a login after an idle expiry works', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = fakeManager({ store, now: clock.now, idleTimeout: 60, absoluteTimeout: 0 })
    const cookie = await stored(m, { user: 'ada', role: 'admin' })
    const res = fakeRes()
    const a = await m.acquire(fakeReq({ session: cookie }), res)
    expect(await a.get('role')).toBe('admin')
    clock.advance(61_000)

    await a.regenerate()
    await a.set('user', 'ada-again')
    await a.commit()
    expect(await a.getAll()).toEqual({ user: 'ada-again' })
    expect(await liveFields(store, [idOf(cookie), a.id])).toEqual({ [a.id]: ['user'] })
    const sent = res.set.at(-1)!
    expect(idOf(sent.value)).toBe(a.id)
    expect(sent.maxAge).toBeGreaterThan(0)
  })

  it('a regenerate that wins the race keeps fields other requests committed since it read (a move, not a copy)', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const a = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await a.get('user')
    const other = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await other.set('theme', 'dark')
    await other.commit()

    await a.set('role', 'admin')
    await a.regenerate()
    expect(await liveFields(store, [idOf(cookie), a.id])).toEqual({ [a.id]: ['role', 'theme', 'user'] })
    // The logout that comes after the regenerate names the old ID, which is already gone.
    await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).destroy()
    expect(await liveFields(store, [a.id])).toEqual({ [a.id]: ['role', 'theme', 'user'] })
  })

  it('regenerate keeps createdAt (no longer absolute lifetime) and needs no full load', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = fakeManager({ store, now: clock.now })
    const cookie = await stored(m, { user: 'ada' })
    const created = (await store.inner.load(idOf(cookie)))!.meta.createdAt
    clock.advance(5_000)
    store.reset()
    const s = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    await s.regenerate()
    expect(store.count('load')).toBe(0)
    expect((await store.inner.load(s.id))!.meta.createdAt).toBe(created)
  })
})

/** A store whose next call of `op` waits for `gate` before it runs. */
class GatedStore extends SpyStore {
  gate: Promise<void> | undefined
  entered = deferred()
  constructor(readonly op: 'create' | 'regenerate', options = {}) {
    super(options)
  }
  override async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    if (this.op === 'create') await this.#wait()
    return super.create(id, meta, fields)
  }
  override async regenerate(oldId: string, newId: string, batch: CommitBatch): Promise<RegenerateResult> {
    if (this.op === 'regenerate') await this.#wait()
    return super.regenerate(oldId, newId, batch)
  }
  async #wait(): Promise<void> {
    const gate = this.gate
    this.gate = undefined
    this.entered.resolve()
    if (gate) await gate
  }
}

describe('HEADERS_SENT: a cookie the response can no longer carry fails before any store write', () => {
  it('commit of a new session after the headers went out rejects and writes nothing', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    res.sent = true
    await expectRejectsWith(s.commit(), 'HEADERS_SENT')
    expect(store.ids('create', 'commit', 'regenerate', 'touch')).toEqual([])
    expect(store.size).toBe(0)
  })

  it('regenerate after the headers went out rejects; the session the client holds stays as it was', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    await s.set('role', 'admin')
    res.sent = true
    store.reset()
    await expectRejectsWith(s.regenerate(), 'HEADERS_SENT')
    expect(store.ids('create', 'commit', 'regenerate', 'destroy')).toEqual([])
    expect(await liveFields(store, [idOf(cookie)])).toEqual({ [idOf(cookie)]: ['user'] })
  })

  it('a re-sign that cannot be sent rejects before the write; a plain field write proceeds', async () => {
    const store = new SpyStore()
    const old = fakeManager({ store, secrets: [SECRET_A] })
    const cookie = await stored(old, { n: 1 })
    const rotated = fakeManager({ store, secrets: ['secret-N-0123456789abcdef0123456789abcdef', SECRET_A] })
    const res = fakeRes()
    const s = await rotated.acquire(fakeReq({ session: cookie }), res)
    await s.set('n', 2)
    res.sent = true
    await expectRejectsWith(s.commit(), 'HEADERS_SENT')
    expect((await old.acquire(fakeReq({ session: cookie }), fakeRes()).then((x) => x.get('n')))).toBe(1)

    // Signed with the newest key: no cookie is due, so the write lands.
    const current = await stored(rotated, { n: 1 })
    const res2 = fakeRes()
    const t = await rotated.acquire(fakeReq({ session: current }), res2)
    await t.set('n', 5)
    res2.sent = true
    await t.commit()
    expect(await (await rotated.acquire(fakeReq({ session: current }), fakeRes())).get('n')).toBe(5)
    expect(res2.set).toEqual([])
  })

  it('a due refresh (a cookie that follows activity) waits for a later response; the write lands', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store, cookie: { maxAge: 3600 } })
    const cookie = await stored(m, { n: 1 })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    await s.set('n', 2)
    res.sent = true
    await s.commit()
    expect(res.set).toEqual([])
    expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('n')).toBe(2)
  })

  it('destroy after the headers went out removes the session and resolves', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    res.sent = true
    await s.destroy()
    expect(store.size).toBe(0)
    expect(res.set).toEqual([])
  })

  it('headers that leave while create is in flight: the created session is removed and commit rejects', async () => {
    const store = new GatedStore('create')
    const m = fakeManager({ store })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('a', 1)
    const gate = deferred()
    store.gate = gate.promise
    const committing = s.commit()
    await store.entered.promise
    res.sent = true
    gate.resolve()
    await expectRejectsWith(committing, 'HEADERS_SENT')
    expect(store.count('create')).toBe(1)
    expect(store.size).toBe(0)
  })

  it('headers that leave while regenerate is in flight: the session moves back to the client’s ID, and it rejects', async () => {
    const store = new GatedStore('regenerate')
    const m = fakeManager({ store })
    const cookie = await stored(m, { user: 'ada' })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    const gate = deferred()
    store.gate = gate.promise
    const regenerating = s.regenerate()
    await store.entered.promise
    res.sent = true
    gate.resolve()
    await expectRejectsWith(regenerating, 'HEADERS_SENT')
    expect(s.id).toBe(idOf(cookie))
    expect(store.size).toBe(1)
    expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('user')).toBe('ada')
  })

  it('node:http: res.end() then set + commit rejects HEADERS_SENT with nothing stored; regenerate keeps the user logged in', async () => {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const outcome = deferred<string>()
    const srv = await serve({
      '/login': async ({ req, res }) => {
        const s = await m.acquire(req, res)
        await s.set('user', 'ada')
        await s.commit()
      },
      '/late-set': async ({ req, res }) => {
        const s = await m.acquire(req, res)
        res.end()
        await s.set('late', 1)
        await s.commit().then(
          () => outcome.resolve('resolved'),
          (e: unknown) => outcome.resolve(isSessionError(e) ? e.code : String(e)),
        )
      },
      '/late-regenerate': async ({ req, res }) => {
        const s = await m.acquire(req, res)
        res.end()
        await s.regenerate().then(
          () => outcome.resolve('resolved'),
          (e: unknown) => outcome.resolve(isSessionError(e) ? e.code : String(e)),
        )
      },
      '/whoami': async ({ req, res }) => (await m.acquire(req, res)).get('user'),
    })
    const fresh = new Client(srv.url)
    await fresh.request('/late-set')
    expect(await outcome.promise).toBe('HEADERS_SENT')
    expect(store.ids('create')).toEqual([])
    expect(store.size).toBe(0)

    const c = new Client(srv.url)
    await c.ok('/login')
    const second = deferred<string>()
    outcome.resolve = second.resolve
    await c.request('/late-regenerate')
    expect(await second.promise).toBe('HEADERS_SENT')
    expect((await c.ok('/whoami')).body).toBe('ada')
  })
})

describe('fetch adapter: immutable Headers', () => {
  it('commit into a Response.redirect’s Headers rejects HEADERS_SENT before any store write (not a raw TypeError)', async () => {
    const store = new SpyStore()
    const m = track(new Manager<any, Request, Headers>({ store, secrets: [SECRET_A], getCookie: fetchAdapter.getCookie, setCookie: fetchAdapter.setCookie }))
    const headers = Response.redirect('https://example.com/next', 303).headers
    const s = await m.acquire(new Request('https://example.com/'), headers)
    await s.set('a', 1)
    await expectRejectsWith(s.commit(), 'HEADERS_SENT')
    expect(store.size).toBe(0)
    expect(store.ids('create')).toEqual([])
    // The adapter's setCookie itself refuses the same way, should anything call it.
    expect(() => fetchAdapter.setCookie({ name: 'x', value: 'y' }, headers)).toThrow(expect.objectContaining({ code: 'HEADERS_SENT' }))
    expect(fetchAdapter.canSetCookie(headers)).toBe(false)
    expect(fetchAdapter.canSetCookie(new Headers())).toBe(true)
  })

  it('a read marks mutable Headers Vary: Cookie without a cookie, and leaves immutable ones alone', async () => {
    const m = track(new Manager<any, Request, Headers>({ store: new SpyStore(), secrets: [SECRET_A], getCookie: fetchAdapter.getCookie, setCookie: fetchAdapter.setCookie }))
    const headers = new Headers({ vary: 'Accept-Encoding' })
    const s = await m.acquire(new Request('https://example.com/'), headers)
    expect(headers.get('vary')).toBe('Accept-Encoding')
    await s.get('x')
    expect(headers.get('vary')).toBe('Accept-Encoding, Cookie')
    expect(headers.getSetCookie()).toEqual([])
    const immutable = Response.redirect('https://example.com/', 302).headers
    await expect((await m.acquire(new Request('https://example.com/'), immutable)).get('x')).resolves.toBeUndefined()
  })
})

describe('keys no store can hold', () => {
  const LONE = ['a\uD800', '\uDC00', 'x\uDBFFy']

  it('a lone surrogate is refused with TYPE at set, setMulti and delete, whatever the store', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const s = await m.acquire(fakeReq(), fakeRes())
    for (const key of LONE) {
      await expectRejectsWith(s.set(key, 1), 'TYPE')
      await expectRejectsWith(s.setMulti({ ok: 1, [key]: 2 }), 'TYPE')
      await expectRejectsWith(s.delete(key), 'TYPE')
      await expect(s.get(key)).resolves.toBeUndefined()
      expect(await s.getMulti(key, 'ok')).toEqual(Object.assign(Object.create(null), { [key]: undefined, ok: undefined }))
    }
    // A well-formed pair and the empty-string edge: a surrogate pair is fine, '' is not.
    await s.set('😀', 1)
    await expectRejectsWith(s.set('', 1), 'TYPE')
    await s.commit()
    expect(await s.get('😀')).toBe(1)
  })

  it('a TypeError from a store (a caller bug by the contract) is passed on, never relabelled STORE_UNAVAILABLE', async () => {
    const spy = new SpyStore()
    const bug = new TypeError('field name must be a string')
    const store: Store = Object.assign(Object.create(spy) as SpyStore, { create: () => Promise.reject(bug) })
    const m = fakeManager({ store })
    const s = await m.acquire(fakeReq(), fakeRes())
    await s.set('a', 1)
    await expect(s.commit()).rejects.toBe(bug)
    const boom = new Error('ECONNRESET')
    m.useStore(Object.assign(Object.create(spy) as SpyStore, { create: () => Promise.reject(boom) }))
    const t = await m.acquire(fakeReq(), fakeRes())
    await t.set('a', 1)
    await expect(t.commit()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', cause: boom })
  })
})

describe('newSession: a way in for apps with autoCreate off', () => {
  it('starts a fresh, lazy session whatever the request carries; acquire then finds it', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store, autoCreate: false })
    await expectRejectsWith(m.acquire(fakeReq(), fakeRes()), 'INVALID_SESSION')

    const res = fakeRes()
    const ctx = {}
    const s = await m.newSession(fakeReq(), res, ctx)
    expect(s.isNew).toBe(true)
    expect(await m.acquire(fakeReq(), res, ctx)).toBe(s)
    await s.commit()
    expect(store.ids('create')).toEqual([]) // lazy: nothing set, nothing stored
    await s.set('user', 'ada')
    await s.commit()
    const cookie = res.set.at(-1)!.value
    expect(idOf(cookie)).toBe(s.id)

    const again = await m.acquire(fakeReq({ session: cookie }), fakeRes())
    expect(await again.get('user')).toBe('ada')
    // A request that has a session still gets a new one from newSession; the old one stays.
    const other = await m.newSession(fakeReq({ session: cookie }), fakeRes())
    expect(other.id).not.toBe(s.id)
    expect(await other.get('user')).toBeUndefined()
    expect(await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).get('user')).toBe('ada')
  })

  it('needs the cookie hooks like acquire', async () => {
    const m = track(new Manager({ secrets: [SECRET_A] }))
    await expectRejectsWith(m.newSession({}, {}), 'CONFIG')
  })
})

describe('onRead', () => {
  it('is called once per session, at its first read, and not for a write-only request', async () => {
    const m = fakeManager({ store: new SpyStore() })
    const cookie = await stored(m, { a: 1 })
    const res: FakeRes = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    expect(res.reads ?? 0).toBe(0)
    await s.get('a')
    await s.getMulti('a')
    await s.getAll()
    expect(res.reads).toBe(1)
    const w = fakeRes()
    const t = await m.acquire(fakeReq({ session: cookie }), w)
    await t.set('b', 2)
    await t.commit()
    expect(w.reads ?? 0).toBe(0)
  })

  it('node adapter: a response that read the session says Vary: Cookie, one that did not, nothing', async () => {
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve({
      '/read': async ({ req, res }) => (await m.acquire(req, res)).get('x'),
      '/none': async ({ req, res }) => void (await m.acquire(req as IncomingMessage, res as ServerResponse)),
    })
    const c = new Client(srv.url)
    expect((await c.ok('/read')).headers.get('vary')).toBe('Cookie')
    expect((await c.ok('/none')).headers.get('vary')).toBeNull()
  })
})

describe('removal cookies and late responses', () => {
  it('a commit that finds its session logged out sends the removal only while the response can take it', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await stored(m, { a: 1 })
    const res = fakeRes()
    const s = await m.acquire(fakeReq({ session: cookie }), res)
    await s.get('a')
    await (await m.acquire(fakeReq({ session: cookie }), fakeRes())).destroy()
    await s.set('a', 2)
    res.sent = true
    await s.commit()
    expect(res.set).toEqual([])
    expect(store.size).toBe(0)
  })
})

describe('per-call hooks: how a framework adapter acquires without touching the Manager', () => {
  it('a Manager with no hooks serves requests through the hooks given to acquire and newSession', async () => {
    const store = new SpyStore()
    const m = track(new Manager<any, Request, Headers>({ store, secrets: [SECRET_A] }))
    const hooks = { getCookie: fetchAdapter.getCookie, setCookie: fetchAdapter.setCookie }
    await expectRejectsWith(m.acquire(new Request('https://example.com/'), new Headers()), 'CONFIG')

    const headers = new Headers()
    const s = await m.acquire(new Request('https://example.com/'), headers, undefined, hooks)
    await s.set('user', 'ada')
    await s.commit()
    const cookie = headers.getSetCookie()[0]!.split(';')[0]!
    const again = await m.acquire(new Request('https://example.com/', { headers: { cookie } }), new Headers(), undefined, hooks)
    expect(await again.get('user')).toBe('ada')

    // The response hooks come from the adapter's setCookie: immutable Headers are HEADERS_SENT.
    const late = await m.newSession(new Request('https://example.com/'), Response.redirect('https://example.com/', 302).headers, undefined, hooks)
    await late.set('a', 1)
    await expectRejectsWith(late.commit(), 'HEADERS_SENT')
    expect(store.size).toBe(1)
  })

  it('hooks that are not functions are refused with CONFIG', async () => {
    const m = track(new Manager({ secrets: [SECRET_A] }))
    await expectRejectsWith(m.acquire({}, {}, undefined, { getCookie: 'x', setCookie: () => {} } as never), 'CONFIG')
  })
})
