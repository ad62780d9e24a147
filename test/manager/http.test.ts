// The Manager and Session over a real node:http server (127.0.0.1, a free port) with a
// cookie-keeping client: lazy creation, invalid cookies, login/logout, concurrency and the
// logout race, idle and absolute expiry on an injected clock, touch throttling, key rotation,
// typed values, prototype pollution through cookie names and keys, autoCreate off, several
// managers side by side, cache headers and one Set-Cookie after regenerate.

import { afterEach, describe, expect, it } from 'vitest'
import { Signer } from '../../src/signing'
import { isSessionError } from '../../src/errors'
import type { Value } from '../../src/codec'
import type { InvalidCookieReason, Session } from '../../src/session'
import {
  Client,
  SECRET_A,
  SECRET_B,
  SpyStore,
  closeManagers,
  closeServers,
  cookiesNamed,
  deferred,
  idOf,
  isRemoval,
  manualClock,
  nodeManager,
  serve,
  withSession,
  type NodeManager,
  type Route,
} from './harness'

afterEach(async () => {
  await closeServers()
  await closeManagers()
})

/** Routes every suite uses: set/get/all/id/logout/login on one manager. */
function basicRoutes(m: NodeManager): Record<string, Route> {
  return {
    '/set': withSession(m, async (s, { url }) => {
      await s.set(url.searchParams.get('k') ?? 'k', url.searchParams.get('v') ?? 'v')
      return s.id
    }),
    '/get': withSession(m, async (s, { url }) => {
      const v = await s.get(url.searchParams.get('k') ?? 'k')
      return v === undefined ? { missing: true, id: s.id } : { value: v, id: s.id }
    }),
    '/all': withSession(m, async (s) => (await s.getAll()) as Value),
    '/id': withSession(m, async (s) => {
      await s.get('anything') // loads, so a dead session turns fresh here
      return { id: s.id, isNew: s.isNew }
    }),
    '/noop': withSession(m, () => undefined),
    '/logout': withSession(m, async (s) => {
      await s.destroy()
    }),
    '/login': withSession(m, async (s) => {
      await s.set('user', 'ada')
      await s.regenerate()
      return s.id
    }),
  }
}

/** The session ID of the jar's `session` cookie. */
function jarId(c: Client, name = 'session'): string {
  const v = c.jar.get(name)
  if (v === undefined) throw new Error(`no ${name} cookie in the jar`)
  return idOf(v)
}

function reasonsRecorder(): { reasons: InvalidCookieReason[]; cookies: string[]; hook: (e: { reason: InvalidCookieReason; cookie: string }) => void } {
  const reasons: InvalidCookieReason[] = []
  const cookies: string[] = []
  return {
    reasons,
    cookies,
    hook: (e) => {
      reasons.push(e.reason)
      cookies.push(e.cookie)
    },
  }
}

// ---------------------------------------------------------------------------------------------

describe('lazy creation', () => {
  it('a client without a cookie gets no Set-Cookie and no store write until a value is set', async () => {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)

    for (const path of ['/noop', '/get?k=x', '/all', '/id']) {
      const r = await c.ok(path)
      expect(r.setCookies, path).toEqual([])
      // A response that read the session depends on the Cookie header, cookie or not.
      expect(r.headers.get('vary'), path).toBe(path === '/noop' ? null : 'Cookie')
    }
    expect(store.ids('create', 'commit', 'touch')).toEqual([])
    expect(store.size).toBe(0)
    expect(c.jar.size).toBe(0)

    const r = await c.ok('/set?k=x&v=1')
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    const id = idOf(sc[0]!.value)
    expect(r.body).toBe(id)
    expect(store.ids('create')).toEqual([id])
    expect(store.size).toBe(1)

    const back = await c.ok('/get?k=x')
    expect(back.body).toEqual({ value: '1', id })
  })

  it('the created cookie carries the default attributes and lives until the absolute deadline', async () => {
    const m = nodeManager({ store: new SpyStore(), idleTimeout: 1800 })
    const srv = await serve(basicRoutes(m))
    const r = await new Client(srv.url).ok('/set')
    const [sc] = cookiesNamed(r, 'session')
    expect(sc).toBeDefined()
    expect(sc!.path).toBe('/')
    expect(sc!.httpOnly).toBe(true)
    expect(sc!.secure).toBe(true)
    expect(sc!.sameSite).toBe('lax')
    // The idle timeout is the server's to enforce; the cookie lasts the absolute lifetime (7 days).
    expect(sc!.maxAge).toBe(7 * 86400)
    expect(sc!.domain).toBeUndefined()
  })

  it('with an absolute deadline, later writes send no Set-Cookie; without one, a write refreshes Max-Age (touchAfter 0: each write)', async () => {
    const withDeadline = nodeManager({ store: new SpyStore() })
    const a = new Client((await serve(basicRoutes(withDeadline))).url)
    await a.ok('/set?k=x&v=1')
    expect(cookiesNamed(await a.ok('/set?k=x&v=2'), 'session')).toHaveLength(0)

    const idleOnly = nodeManager({ store: new SpyStore(), idleTimeout: 600, absoluteTimeout: 0, touchAfter: 0 })
    const b = new Client((await serve(basicRoutes(idleOnly))).url)
    await b.ok('/set?k=x&v=1')
    const [again] = cookiesNamed(await b.ok('/set?k=x&v=2'), 'session')
    expect(again?.maxAge).toBe(600)
  })
})

// ---------------------------------------------------------------------------------------------

describe('invalid cookies never lead to a client-chosen ID', () => {
  const flip = (ch: string) => (ch === 'A' ? 'B' : 'A')
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

  type Case = { name: string; make: (valid: string) => { cookie: string; clientId: string }; reasons: InvalidCookieReason[] }
  const cases: Case[] = [
    { name: 'bogus text', make: () => ({ cookie: 'hello', clientId: 'hello' }), reasons: ['malformed'] },
    {
      name: 'a bare unsigned ID',
      make: (v) => ({ cookie: idOf(v), clientId: idOf(v) }),
      reasons: ['malformed'],
    },
    {
      name: 'an unknown version',
      make: (v) => ({ cookie: `2${v.slice(1)}`, clientId: idOf(v) }),
      reasons: ['malformed'],
    },
    { name: 'a missing MAC', make: (v) => ({ cookie: `1.${idOf(v)}.`, clientId: idOf(v) }), reasons: ['malformed'] },
    { name: 'empty parts', make: () => ({ cookie: '1..', clientId: '' }), reasons: ['malformed'] },
    {
      name: 'a tampered ID',
      make: (v) => {
        const id = idOf(v)
        const bad = flip(id[0]!) + id.slice(1)
        return { cookie: `1.${bad}.${v.split('.')[2]}`, clientId: bad }
      },
      reasons: ['signature'],
    },
    {
      name: 'a tampered MAC',
      make: (v) => {
        const mac = v.split('.')[2]!
        return { cookie: `1.${idOf(v)}.${flip(mac[0]!)}${mac.slice(1)}`, clientId: idOf(v) }
      },
      reasons: ['signature'],
    },
    {
      name: 'a non-canonical MAC (same bytes, low bits of the last character set)',
      make: (v) => {
        const mac = v.split('.')[2]!
        const last = B64.indexOf(mac.at(-1)!)
        return { cookie: `1.${idOf(v)}.${mac.slice(0, -1)}${B64[last | 1]}`, clientId: idOf(v) }
      },
      reasons: ['malformed', 'signature'],
    },
    {
      name: 'a value signed with a foreign secret',
      make: (v) => {
        const s = new Signer([SECRET_B])
        try {
          return { cookie: s.sign(idOf(v)), clientId: idOf(v) }
        } finally {
          s.close()
        }
      },
      reasons: ['signature'],
    },
  ]

  for (const k of cases) {
    it(`${k.name}: a new ID, no store call under the client's ID, reason ${k.reasons.join('|')}`, async () => {
      const store = new SpyStore()
      const rec = reasonsRecorder()
      const m = nodeManager({ store, onInvalidCookie: rec.hook })
      const srv = await serve(basicRoutes(m))
      // A genuine session of someone else, whose ID the attacker knows.
      const victim = new Client(srv.url)
      await victim.ok('/set?k=secret&v=victim')
      const valid = victim.jar.get('session')!
      const { cookie, clientId } = k.make(valid)
      store.reset()

      const c = new Client(srv.url)
      const r = await c.ok('/set?k=x&v=mine', { cookie: `session=${cookie}` })
      expect(rec.reasons).toHaveLength(1)
      expect(k.reasons).toContain(rec.reasons[0])
      const sc = cookiesNamed(r, 'session')
      expect(sc).toHaveLength(1)
      const newId = idOf(sc[0]!.value)
      expect(newId).not.toBe(clientId)
      expect(newId).not.toBe(idOf(valid))
      // Rejected before any store call: the client's ID (and the victim's) reached no method.
      expect(store.ids()).not.toContain(clientId)
      expect(store.ids()).not.toContain(idOf(valid))
      expect(store.ids('create', 'commit', 'touch')).toEqual([newId])
      // The victim's session is untouched and ours is separate.
      expect((await c.ok('/get?k=secret')).body).toEqual({ missing: true, id: newId })
      expect((await victim.ok('/get?k=secret')).body).toEqual({ value: 'victim', id: idOf(valid) })
    })
  }

  it('a validly signed but unknown ID: a new ID, nothing created, committed or touched under it, reason unknown', async () => {
    const store = new SpyStore()
    const rec = reasonsRecorder()
    const m = nodeManager({ store, onInvalidCookie: rec.hook })
    const srv = await serve({
      ...basicRoutes(m),
      '/read-set': withSession(m, async (s) => {
        await s.get('x')
        await s.set('x', '1')
      }),
    })
    const chosen = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    const signer = new Signer([SECRET_A])
    const forged = signer.sign(chosen)
    signer.close()

    const c = new Client(srv.url)
    const r = await c.ok('/read-set', { cookie: `session=${forged}` })
    expect(rec.reasons).toEqual(['unknown'])
    // The start of the value (version and ID prefix), never the whole bearer token.
    expect(rec.cookies).toEqual([forged.slice(0, 12)])
    expect(cookiesNamed(r, 'session')).toHaveLength(1)
    const newId = jarId(c)
    expect(newId).not.toBe(chosen)
    expect(store.ids('create', 'commit', 'touch')).not.toContain(chosen)
    expect(store.ids('create', 'commit', 'touch')).toEqual([newId])
    expect(await store.inner.load(chosen)).toBeNull()
    expect((await c.ok('/get?k=x')).body).toEqual({ value: '1', id: newId })
  })

  it('a validly signed but unknown ID on a write without a read: the write goes into a fresh session under a new ID', async () => {
    const store = new SpyStore()
    const rec = reasonsRecorder()
    const m = nodeManager({ store, onInvalidCookie: rec.hook })
    const srv = await serve(basicRoutes(m))
    const chosen = 'DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD'
    const signer = new Signer([SECRET_A])
    const forged = signer.sign(chosen)
    signer.close()
    const c = new Client(srv.url)
    c.jar.set('session', forged)
    const r = await c.ok('/set?k=x&v=1')
    expect(rec.reasons).toEqual(['unknown'])
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    expect(isRemoval(sc[0]!)).toBe(false)
    const newId = idOf(sc[0]!.value)
    expect(newId).not.toBe(chosen)
    // The route returned session.id after set(): already the new one.
    expect(r.body).toBe(newId)
    expect(store.ids('create', 'commit', 'touch')).toEqual([newId])
    expect(await store.inner.load(chosen)).toBeNull()
    expect((await c.ok('/get?k=x')).body).toEqual({ value: '1', id: newId })
  })

  it('an unknown cookie on a request that writes nothing is removed, and nothing is stored', async () => {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const srv = await serve(basicRoutes(m))
    const signer = new Signer([SECRET_A])
    const forged = signer.sign('BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB')
    signer.close()
    const c = new Client(srv.url)
    c.jar.set('session', forged)
    const r = await c.ok('/get?k=x')
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    expect(isRemoval(sc[0]!)).toBe(true)
    expect(c.jar.has('session')).toBe(false)
    expect(store.size).toBe(0)
    expect(store.ids('create', 'commit', 'touch')).toEqual([])
  })

  it('onInvalidCookie sees only the first 12 characters of a cookie', async () => {
    const rec = reasonsRecorder()
    const m = nodeManager({ store: new SpyStore(), onInvalidCookie: rec.hook })
    const srv = await serve(basicRoutes(m))
    const long = 'x'.repeat(1000)
    await new Client(srv.url).ok('/get', { cookie: `session=${long}` })
    expect(rec.reasons).toEqual(['malformed'])
    expect(rec.cookies[0]).toBe('x'.repeat(12))
  })
})

// ---------------------------------------------------------------------------------------------

describe('login and logout', () => {
  it('login regenerates: a new ID with the data, the old ID dead in the store, its cookie starts fresh', async () => {
    const store = new SpyStore()
    const rec = reasonsRecorder()
    const m = nodeManager({ store, onInvalidCookie: rec.hook })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    await c.ok('/set?k=cart&v=3')
    const oldCookie = c.jar.get('session')!
    const oldId = idOf(oldCookie)

    const r = await c.ok('/login')
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    const newId = idOf(sc[0]!.value)
    expect(newId).not.toBe(oldId)
    expect(r.body).toBe(newId)
    expect(await store.inner.load(oldId)).toBeNull()
    const rec2 = await store.inner.load(newId)
    expect(rec2).not.toBeNull()
    expect([...rec2!.fields.keys()].sort()).toEqual(['cart', 'user'])
    expect((await c.ok('/get?k=cart')).body).toEqual({ value: '3', id: newId })
    expect((await c.ok('/get?k=user')).body).toEqual({ value: 'ada', id: newId })

    // The planted/old cookie is worthless now.
    const attacker = new Client(srv.url)
    const a = await attacker.ok('/get?k=user', { cookie: `session=${oldCookie}` })
    expect(a.body).toMatchObject({ missing: true })
    expect((a.body as { id: string }).id).not.toBe(oldId)
    expect((a.body as { id: string }).id).not.toBe(newId)
    expect(rec.reasons).toEqual(['unknown'])
  })

  it('logout removes the cookie with Max-Age=0 and the same Path, Domain, Secure, SameSite, Partitioned, HttpOnly', async () => {
    const store = new SpyStore()
    const m = nodeManager({
      store,
      cookie: { name: '__Secure-sid', path: '/app', domain: 'example.com', sameSite: 'none', secure: true, partitioned: true, httpOnly: true },
    })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    const created = cookiesNamed(await c.ok('/set?k=x&v=1'), '__Secure-sid')
    expect(created).toHaveLength(1)
    const orig = created[0]!
    expect(orig.domain).toBe('example.com')
    expect(orig.path).toBe('/app')
    expect(orig.partitioned).toBe(true)
    const id = idOf(orig.value)

    const r = await c.ok('/logout')
    const removal = cookiesNamed(r, '__Secure-sid')
    expect(removal).toHaveLength(1)
    const rm = removal[0]!
    expect(rm.value).toBe('')
    expect(rm.maxAge).toBe(0)
    expect(rm.expires!.getTime()).toBeLessThanOrEqual(Date.now())
    for (const attr of ['path', 'domain', 'secure', 'sameSite', 'partitioned', 'httpOnly'] as const) {
      expect(rm[attr], attr).toBe(orig[attr])
    }
    expect(c.jar.has('__Secure-sid')).toBe(false)
    expect(await store.inner.load(id)).toBeNull()
    expect(store.size).toBe(0)
    expect(r.headers.get('vary')).toContain('Cookie')
  })

  it('logout without a session sends no removal cookie', async () => {
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve(basicRoutes(m))
    const r = await new Client(srv.url).ok('/logout')
    expect(r.setCookies).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------

describe('concurrency', () => {
  it('100 concurrent requests on one session, each setting its own key, keep every key', async () => {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    await c.ok('/set?k=init&v=0')
    const id = jarId(c)
    const cookie = c.cookieHeader()
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => c.request(`/set?k=k${i}&v=${i}`, { cookie })))
    for (const r of replies) expect(r.status).toBe(200)
    expect(new Set(replies.map((r) => r.body))).toEqual(new Set([id]))
    expect(jarId(c)).toBe(id)
    const all = (await c.ok('/all')).body as Record<string, string>
    const expected: Record<string, string> = { init: '0' }
    for (let i = 0; i < 100; i++) expected[`k${i}`] = String(i)
    expect({ ...all }).toEqual(expected)
    expect(store.size).toBe(1)
  })

  async function logoutRace(readFirst: boolean) {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const reached = deferred()
    const gate = deferred()
    const srv = await serve({
      ...basicRoutes(m),
      '/slow': withSession(m, async (s) => {
        if (readFirst) await s.get('x')
        await s.set('late', 'write')
        reached.resolve()
        await gate.promise
        // withSession commits after this returns
      }),
    })
    const c = new Client(srv.url)
    await c.ok('/set?k=x&v=1')
    const oldCookie = c.jar.get('session')!
    const oldId = idOf(oldCookie)

    const slow = c.request('/slow', { cookie: `session=${oldCookie}` })
    await reached.promise
    const out = await c.ok('/logout', { cookie: `session=${oldCookie}` })
    expect(isRemoval(cookiesNamed(out, 'session')[0]!)).toBe(true)
    gate.resolve()
    const late = await slow
    expect(late.status).toBe(200)

    // Logout wins: nothing in the store, no cookie handed out by the late request.
    expect(await store.inner.load(oldId)).toBeNull()
    expect(store.size).toBe(0)
    // The late response tells the client to drop the dead cookie (and hands out no new one).
    expect(cookiesNamed(late, 'session').map(isRemoval)).toEqual([true])

    // The old cookie now gets a fresh ID.
    const next = await new Client(srv.url).ok('/id', { cookie: `session=${oldCookie}` })
    const body = next.body as { id: string; isNew: boolean }
    expect(body.isNew).toBe(true)
    expect(body.id).not.toBe(oldId)
  }

  it('a slow request that read, set and commits after a logout does not resurrect the session', async () => {
    await logoutRace(true)
  })

  it('a slow request that set (without reading) and commits after a logout does not resurrect the session', async () => {
    await logoutRace(false)
  })
})

// ---------------------------------------------------------------------------------------------

describe('idle and absolute expiry on an injected clock', () => {
  const SEC = 1000

  function setup(options: { idleTimeout: number; absoluteTimeout: number; touchAfter?: number }) {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const rec = reasonsRecorder()
    const m = nodeManager({ store, now: clock.now, onInvalidCookie: rec.hook, ...options })
    return { clock, store, rec, m }
  }

  it('idle: alive 1 ms before idleTimeout, gone at idleTimeout without requests', async () => {
    const { clock, store, rec, m } = setup({ idleTimeout: 100, absoluteTimeout: 1000 })
    const srv = await serve(basicRoutes(m))
    const early = new Client(srv.url)
    const late = new Client(srv.url)
    await early.ok('/set?k=x&v=1')
    await late.ok('/set?k=x&v=2')
    const lateId = jarId(late)

    clock.advance(100 * SEC - 1)
    expect((await early.ok('/get?k=x')).body).toMatchObject({ value: '1' })

    clock.advance(1)
    const r = await late.ok('/get?k=x')
    expect(r.body).toMatchObject({ missing: true })
    expect((r.body as { id: string }).id).not.toBe(lateId)
    expect(await store.inner.load(lateId)).toBeNull()
    expect(rec.reasons).toHaveLength(1)
    expect(['unknown', 'expired']).toContain(rec.reasons[0])
    // The dead cookie is removed.
    expect(late.jar.has('session')).toBe(false)
  })

  it('absolute: activity every idleTimeout/2 keeps it alive until absoluteTimeout, then it is gone', async () => {
    const { clock, store, m } = setup({ idleTimeout: 100, absoluteTimeout: 1000 })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    await c.ok('/set?k=x&v=1')
    const id = jarId(c)
    for (let t = 50; t <= 950; t += 50) {
      clock.advance(50 * SEC)
      expect((await c.ok('/get?k=x')).body, `at ${t} s`).toEqual({ value: '1', id })
    }
    clock.advance(50 * SEC - 1) // 999.999 s
    expect((await c.ok('/get?k=x')).body).toEqual({ value: '1', id })
    clock.advance(1) // 1000 s
    const r = await c.ok('/get?k=x')
    expect(r.body).toMatchObject({ missing: true })
    expect((r.body as { id: string }).id).not.toBe(id)
    expect(await store.inner.load(id)).toBeNull()
  })

  it('expiry holds even when the store clock lags: the manager reports expired and destroys the record', async () => {
    const managerClock = manualClock()
    const storeClock = manualClock()
    const store = new SpyStore({ now: storeClock.now })
    const rec = reasonsRecorder()
    const m = nodeManager({ store, now: managerClock.now, onInvalidCookie: rec.hook, idleTimeout: 0, absoluteTimeout: 60 })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    await c.ok('/set?k=x&v=1')
    const id = jarId(c)
    managerClock.advance(60 * SEC)
    const r = await c.ok('/get?k=x')
    expect(r.body).toMatchObject({ missing: true })
    expect(rec.reasons).toEqual(['expired'])
    expect(store.ids('destroy')).toContain(id)
    expect(await store.inner.load(id)).toBeNull()
  })

  it('regenerate does not extend the absolute lifetime', async () => {
    const { clock, m } = setup({ idleTimeout: 0, absoluteTimeout: 100 })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    await c.ok('/set?k=x&v=1')
    clock.advance(90 * SEC)
    const r = await c.ok('/login')
    expect(cookiesNamed(r, 'session')[0]!.maxAge).toBe(10)
    clock.advance(10 * SEC)
    expect((await c.ok('/get?k=user')).body).toMatchObject({ missing: true })
  })
})

// ---------------------------------------------------------------------------------------------

describe('touch throttling', () => {
  const SEC = 1000

  it('with an absolute deadline, a touch moves the stored expiry and sends no cookie', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = nodeManager({ store, now: clock.now, idleTimeout: 3600, absoluteTimeout: 86400, touchAfter: 60 })
    const c = new Client((await serve(basicRoutes(m))).url)
    const created = await c.ok('/set?k=x&v=1')
    expect(cookiesNamed(created, 'session')[0]!.maxAge).toBe(86400)
    const id = jarId(c)
    clock.advance(60 * SEC)
    const touched = await c.ok('/get?k=x')
    expect(store.count('touch')).toBe(1)
    expect(touched.setCookies).toEqual([])
    expect((await store.inner.load(id))!.meta.expiresAt).toBe(clock.now() + 3600 * SEC)
  })

  it('within touchAfter: no Set-Cookie and no store.touch; after it: one touch and a Max-Age computed then', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    // No absolute deadline: the cookie follows the idle expiry, so a touch re-sends it.
    const m = nodeManager({ store, now: clock.now, idleTimeout: 3600, absoluteTimeout: 0, touchAfter: 60 })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    const created = await c.ok('/set?k=x&v=1')
    expect(cookiesNamed(created, 'session')[0]!.maxAge).toBe(3600)
    const id = jarId(c)
    const t0 = clock.now()
    store.reset()

    clock.advance(60 * SEC - 1)
    const quiet = await c.ok('/get?k=x')
    expect(quiet.body).toEqual({ value: '1', id })
    expect(quiet.setCookies).toEqual([])
    expect(store.count('touch')).toBe(0)

    clock.advance(1)
    const touched = await c.ok('/get?k=x')
    expect(store.count('touch')).toBe(1)
    expect(store.ids('touch')).toEqual([id])
    const sc = cookiesNamed(touched, 'session')
    expect(sc).toHaveLength(1)
    expect(idOf(sc[0]!.value)).toBe(id)
    expect(sc[0]!.maxAge).toBe(3600)
    expect(sc[0]!.expires?.toUTCString()).toBe(new Date(t0 + 60 * SEC + 3600 * SEC).toUTCString())
    const rec = await store.inner.load(id)
    expect(rec!.meta.expiresAt).toBe(t0 + 60 * SEC + 3600 * SEC)

    // Throttled again from the new expiry.
    store.reset()
    clock.advance(30 * SEC)
    const again = await c.ok('/get?k=x')
    expect(again.setCookies).toEqual([])
    expect(store.count('touch')).toBe(0)
  })

  describe('a cookie that follows activity is re-sent by a write at most once per touchAfter', () => {
    const DAY = 86400
    async function writes(options: { idleTimeout: number; absoluteTimeout: number; touchAfter: number; maxAge?: number }) {
      const clock = manualClock()
      const store = new SpyStore({ now: clock.now })
      const { maxAge, ...rest } = options
      const m = nodeManager({ store, now: clock.now, ...rest, ...(maxAge === undefined ? {} : { cookie: { maxAge } }) })
      const c = new Client((await serve(basicRoutes(m))).url)
      await c.ok('/set?k=n&v=0')
      const id = jarId(c)
      const t0 = clock.now()
      let v = 0
      /** One write after `ms`: the session cookie it sent (if any) and the stored expiry after it. */
      const write = async (ms: number) => {
        clock.advance(ms)
        const r = await c.ok(`/set?k=n&v=${++v}`)
        const [sent] = cookiesNamed(r, 'session')
        return { sent, expiresAt: (await store.inner.load(id))!.meta.expiresAt }
      }
      return { write, t0, id }
    }

    it('cookie.maxAge with the default deadlines: within touchAfter no Set-Cookie and the stored expiry stays; at touchAfter both move', async () => {
      const { write, t0, id } = await writes({ idleTimeout: DAY, absoluteTimeout: 7 * DAY, touchAfter: 60, maxAge: DAY })
      for (const ms of [1, 20 * SEC, 40 * SEC - 2]) {
        const r = await write(ms)
        expect(r.sent, 'a write within touchAfter').toBeUndefined()
        expect(r.expiresAt).toBe(t0 + DAY * SEC)
      }
      // 60 s after the cookie was sent: the expiry moves by touchAfter and the cookie follows.
      const moved = await write(1)
      expect(idOf(moved.sent!.value)).toBe(id)
      expect(moved.sent!.maxAge).toBe(DAY)
      expect(moved.sent!.expires?.toUTCString()).toBe(new Date(t0 + 60 * SEC + DAY * SEC).toUTCString())
      expect(moved.expiresAt).toBe(t0 + 60 * SEC + DAY * SEC)
      // Throttled again from there.
      expect((await write(59 * SEC)).sent).toBeUndefined()
      expect((await write(1 * SEC)).sent).toBeDefined()
    })

    it('no absolute deadline: the same rule', async () => {
      const { write, t0 } = await writes({ idleTimeout: 3600, absoluteTimeout: 0, touchAfter: 60 })
      expect((await write(59 * SEC)).sent).toBeUndefined()
      const moved = await write(1 * SEC)
      expect(moved.sent!.maxAge).toBe(3600)
      expect(moved.expiresAt).toBe(t0 + 60 * SEC + 3600 * SEC)
    })

    it('touchAfter 0: every write re-sends the cookie and moves the expiry', async () => {
      const { write, t0 } = await writes({ idleTimeout: DAY, absoluteTimeout: 7 * DAY, touchAfter: 0, maxAge: DAY })
      for (let i = 1; i <= 3; i++) {
        const r = await write(1)
        expect(r.sent!.expires?.toUTCString()).toBe(new Date(t0 + i + DAY * SEC).toUTCString())
        expect(r.expiresAt).toBe(t0 + i + DAY * SEC)
      }
    })

    it('no idle timeout: the stored expiry is the fixed deadline, so a capped cookie is re-sent by every write', async () => {
      const { write, t0 } = await writes({ idleTimeout: 0, absoluteTimeout: 7 * DAY, touchAfter: 60, maxAge: DAY })
      const r = await write(1)
      expect(r.sent!.expires?.toUTCString()).toBe(new Date(t0 + 1 + DAY * SEC).toUTCString())
      expect(r.expiresAt).toBe(t0 + 7 * DAY * SEC)
    })

    it('a deadline-bound cookie (no maxAge) is not re-sent, whatever the interval', async () => {
      const { write } = await writes({ idleTimeout: 3600, absoluteTimeout: DAY, touchAfter: 60 })
      expect((await write(1)).sent).toBeUndefined()
      expect((await write(120 * SEC)).sent).toBeUndefined()
    })
  })

  it('a request that does not read the session never touches it', async () => {
    const clock = manualClock()
    const store = new SpyStore({ now: clock.now })
    const m = nodeManager({ store, now: clock.now, idleTimeout: 3600, touchAfter: 60 })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    await c.ok('/set')
    store.reset()
    clock.advance(600 * SEC)
    const r = await c.ok('/noop')
    expect(r.setCookies).toEqual([])
    expect(store.calls).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------

describe('key rotation', () => {
  async function setup() {
    const store = new SpyStore()
    const rec = reasonsRecorder()
    const oldOnly = nodeManager({ store, secrets: [SECRET_A] })
    const rotated = nodeManager({ store, secrets: [SECRET_B, SECRET_A] })
    const newOnly = nodeManager({ store, secrets: [SECRET_B], onInvalidCookie: rec.hook })
    const routes: Record<string, Route> = {}
    for (const [prefix, m] of [
      ['/old', oldOnly],
      ['/rot', rotated],
      ['/new', newOnly],
    ] as const) {
      for (const [path, route] of Object.entries(basicRoutes(m))) routes[prefix + path] = route
    }
    const srv = await serve(routes)
    return { store, rec, srv }
  }

  it('a cookie signed with an older secret is re-signed with the newest, same ID, with a Max-Age', async () => {
    const { srv } = await setup()
    const c = new Client(srv.url)
    await c.ok('/old/set?k=x&v=1')
    const oldCookie = c.jar.get('session')!
    const id = idOf(oldCookie)

    const r = await c.ok('/rot/get?k=x')
    expect(r.body).toEqual({ value: '1', id })
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    const fresh = sc[0]!.value
    expect(fresh).not.toBe(oldCookie)
    expect(idOf(fresh)).toBe(id)
    expect(sc[0]!.maxAge).toBeDefined()
    const a = new Signer([SECRET_A])
    const b = new Signer([SECRET_B])
    try {
      expect(b.verify(fresh)).toEqual({ id, key: 0 })
      expect(a.verify(fresh)).toBeUndefined()
      expect(a.verify(oldCookie)).toEqual({ id, key: 0 })
    } finally {
      a.close()
      b.close()
    }

    // Signed with the newest now: no further re-sign.
    const again = await c.ok('/rot/get?k=x')
    expect(again.setCookies).toEqual([])
  })

  it('a manager with only the new secret rejects the old cookie (signature) and accepts the re-signed one', async () => {
    const { rec, srv } = await setup()
    const c = new Client(srv.url)
    await c.ok('/old/set?k=x&v=1')
    const oldCookie = c.jar.get('session')!
    const id = idOf(oldCookie)

    const stranger = new Client(srv.url)
    const rejected = await stranger.ok('/new/get?k=x', { cookie: `session=${oldCookie}` })
    expect(rejected.body).toMatchObject({ missing: true })
    expect((rejected.body as { id: string }).id).not.toBe(id)
    expect(rec.reasons).toEqual(['signature'])

    await c.ok('/rot/get?k=x')
    expect(c.jar.get('session')).not.toBe(oldCookie)
    expect((await c.ok('/new/get?k=x')).body).toEqual({ value: '1', id })
    expect(rec.reasons).toEqual(['signature'])
  })

  it('a request that does not read the session is still re-signed, and the cookie stays persistent (Max-Age)', async () => {
    const { srv } = await setup()
    const c = new Client(srv.url)
    await c.ok('/old/set?k=x&v=1')
    const id = jarId(c)
    const r = await c.ok('/rot/noop')
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    expect(idOf(sc[0]!.value)).toBe(id)
    expect(sc[0]!.maxAge, 'a re-sign must not turn the cookie into a browser-session cookie').toBeDefined()
    expect(sc[0]!.maxAge).toBeGreaterThan(0)
    const b = new Signer([SECRET_B])
    try {
      expect(b.verify(sc[0]!.value)).toEqual({ id, key: 0 })
    } finally {
      b.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------

describe('typed values over HTTP', () => {
  const INT64_MAX = (1n << 63n) - 1n
  const INT64_MIN = -(1n << 63n)
  const UINT64_MAX = (1n << 64n) - 1n
  const date = new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789))
  const values: Record<string, Value> = {
    one: 1,
    oneAndHalf: 1.5,
    neg: -42,
    int64max: INT64_MAX,
    int64min: INT64_MIN,
    uint64max: UINT64_MAX,
    bytes: new Uint8Array([0, 1, 127, 128, 255]),
    empty: new Uint8Array(0),
    date,
    yes: true,
    no: false,
    nil: null,
    str: 'héllo 🌍',
    nested: { list: [1, 'two', { three: null, four: [true, 2.5] }], when: new Date(0), raw: new Uint8Array([9]) },
  }

  type Outcome = { ok: Value } | { err: string }
  function attempt(fn: () => Value): Outcome {
    try {
      return { ok: fn() }
    } catch (err) {
      return { err: isSessionError(err) ? err.code : String(err) }
    }
  }

  async function setup() {
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve({
      '/put': withSession(m, async (s) => {
        await s.setMulti(values)
      }),
      '/all': withSession(m, async (s) => (await s.getAll()) as Value),
      '/check': withSession(m, async (s) => {
        const g = (k: string) => s.get(k)
        return {
          real: await (async () => {
            const r: Record<string, Outcome> = {}
            const run = async (label: string, key: string, fn: (v: unknown) => Value) => {
              const v = await g(key)
              r[label] = attempt(() => fn(v))
            }
            await run('int(one)', 'one', (v) => s.int(v))
            await run('int(oneAndHalf)', 'oneAndHalf', (v) => s.int(v))
            await run('float64(one)', 'one', (v) => s.float64(v))
            await run('float64(oneAndHalf)', 'oneAndHalf', (v) => s.float64(v))
            await run('int64(one)', 'one', (v) => s.int64(v))
            await run('int64(int64max)', 'int64max', (v) => s.int64(v))
            await run('int64(int64min)', 'int64min', (v) => s.int64(v))
            await run('int(int64max)', 'int64max', (v) => s.int(v))
            await run('uint64(uint64max)', 'uint64max', (v) => s.uint64(v))
            await run('int64(uint64max)', 'uint64max', (v) => s.int64(v))
            await run('uint64(neg)', 'neg', (v) => s.uint64(v))
            await run('int(neg)', 'neg', (v) => s.int(v))
            await run('bytes(bytes)', 'bytes', (v) => s.bytes(v))
            await run('bytes(str)', 'str', (v) => s.bytes(v))
            await run('bool(yes)', 'yes', (v) => s.bool(v))
            await run('bool(no)', 'no', (v) => s.bool(v))
            await run('bool(nil)', 'nil', (v) => s.bool(v))
            await run('string(nil)', 'nil', (v) => s.string(v))
            await run('string(str)', 'str', (v) => s.string(v))
            await run('string(missing)', 'missing', (v) => s.string(v))
            await run('float64(int64max)', 'int64max', (v) => s.float64(v))
            r['isInteger(one)'] = { ok: Number.isInteger(await g('one')) }
            r['typeof int64max'] = { ok: typeof (await g('int64max')) }
            r['date is Date'] = { ok: (await g('date')) instanceof Date }
            r['bytes is Uint8Array'] = { ok: (await g('bytes')) instanceof Uint8Array }
            return r as unknown as Value
          })(),
        }
      }),
    })
    return srv
  }

  it('every type comes back as itself after a round trip through the store', async () => {
    const srv = await setup()
    const c = new Client(srv.url)
    await c.ok('/put')
    const all = (await c.ok('/all')).body as Record<string, Value>
    expect({ ...all }).toEqual(values)
    expect(typeof all.int64max).toBe('bigint')
    expect(all.date).toBeInstanceOf(Date)
    expect((all.date as Date).getTime()).toBe(date.getTime())
    expect(all.bytes).toBeInstanceOf(Uint8Array)
    expect(Number.isInteger(all.one)).toBe(true)
    expect(all.oneAndHalf).toBe(1.5)
  })

  it('the helpers on stored values: int(1) ok, int(1.5) TYPE, float64(1) is 1, 2^63-1 as bigint, NIL for null and missing', async () => {
    const srv = await setup()
    const c = new Client(srv.url)
    await c.ok('/put')
    const body = (await c.ok('/check')).body as { real: Record<string, Outcome> }
    expect(body.real).toEqual({
      'int(one)': { ok: 1 },
      'int(oneAndHalf)': { err: 'TYPE' },
      'float64(one)': { ok: 1 },
      'float64(oneAndHalf)': { ok: 1.5 },
      'int64(one)': { ok: 1n },
      'int64(int64max)': { ok: INT64_MAX },
      'int64(int64min)': { ok: INT64_MIN },
      'int(int64max)': { err: 'TYPE' },
      'uint64(uint64max)': { ok: UINT64_MAX },
      'int64(uint64max)': { err: 'TYPE' },
      'uint64(neg)': { err: 'TYPE' },
      'int(neg)': { ok: -42 },
      'bytes(bytes)': { ok: new Uint8Array([0, 1, 127, 128, 255]) },
      'bytes(str)': { err: 'TYPE' },
      'bool(yes)': { ok: true },
      'bool(no)': { ok: false },
      'bool(nil)': { err: 'NIL' },
      'string(nil)': { err: 'NIL' },
      'string(str)': { ok: 'héllo 🌍' },
      'string(missing)': { err: 'NIL' },
      'float64(int64max)': { err: 'TYPE' },
      'isInteger(one)': { ok: true },
      'typeof int64max': { ok: 'bigint' },
      'date is Date': { ok: true },
      'bytes is Uint8Array': { ok: true },
    })
  })
})

// ---------------------------------------------------------------------------------------------

describe('prototype pollution through cookies and keys', () => {
  const snapshot = () => ({
    names: Object.getOwnPropertyNames(Object.prototype).sort(),
    proto: Object.getPrototypeOf(Object.prototype) as unknown,
    toString: Object.prototype.toString,
    hasOwn: Object.prototype.hasOwnProperty,
    constructor: Object.prototype.constructor,
  })

  it('Cookie: __proto__=x; constructor=y pollutes nothing and the server keeps working', async () => {
    const before = snapshot()
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    for (const cookie of ['__proto__=x', 'constructor=y', '__proto__=x; constructor=y; toString=z; hasOwnProperty=1; prototype=p', '__proto__[x]=1; constructor.prototype.x=2']) {
      const r = await c.request('/get?k=x', { cookie })
      expect(r.status, cookie).toBe(200)
    }
    await c.ok('/set?k=x&v=1')
    const valid = c.jar.get('session')!
    const r = await c.ok('/get?k=x', { cookie: `__proto__=x; constructor=y; session=${valid}` })
    expect(r.body).toEqual({ value: '1', id: idOf(valid) })
    expect(snapshot()).toEqual(before)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('a session cookie named __proto__ works and a bogus one pollutes nothing', async () => {
    const before = snapshot()
    const rec = reasonsRecorder()
    const m = nodeManager({ store: new SpyStore(), cookie: { name: '__proto__' }, onInvalidCookie: rec.hook })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    const r = await c.ok('/set?k=x&v=1')
    expect(cookiesNamed(r, '__proto__')).toHaveLength(1)
    const id = jarId(c, '__proto__')
    expect((await c.ok('/get?k=x')).body).toEqual({ value: '1', id })

    const bogus = await new Client(srv.url).ok('/get?k=x', { cookie: '__proto__=polluted; constructor=1' })
    expect(bogus.body).toMatchObject({ missing: true })
    expect(rec.reasons).toEqual(['malformed'])
    expect(snapshot()).toEqual(before)
  })

  it('session keys __proto__ and constructor are plain keys in the store and in getAll/getMulti', async () => {
    const before = snapshot()
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve({
      '/put': withSession(m, async (s) => {
        await s.set('__proto__', 'p')
        await s.set('constructor', 'c')
      }),
      '/read': withSession(m, async (s) => {
        const all = await s.getAll()
        const multi = await s.getMulti('__proto__', 'constructor', 'toString')
        return {
          allKeys: Object.keys(all).sort(),
          allProtoNull: Object.getPrototypeOf(all) === null,
          allProto: all['__proto__'] ?? 'absent',
          multiKeys: Object.keys(multi).sort(),
          multiProto: multi['__proto__'] ?? 'absent',
          multiToString: multi['toString'] === undefined,
          get: (await s.get('__proto__')) ?? 'absent',
          getCtor: (await s.get('constructor')) ?? 'absent',
          getToString: (await s.get('toString')) === undefined,
        }
      }),
    })
    const c = new Client(srv.url)
    await c.ok('/put')
    const body = (await c.ok('/read')).body
    expect(body).toEqual({
      allKeys: ['__proto__', 'constructor'],
      allProtoNull: true,
      allProto: 'p',
      multiKeys: ['__proto__', 'constructor', 'toString'],
      multiProto: 'p',
      multiToString: true,
      get: 'p',
      getCtor: 'c',
      getToString: true,
    })
    expect(snapshot()).toEqual(before)
  })
})

// ---------------------------------------------------------------------------------------------

describe('autoCreate: false', () => {
  it('rejects with INVALID_SESSION without a cookie, with a bogus one and with one of a destroyed session', async () => {
    const store = new SpyStore()
    const open = nodeManager({ store })
    const strict = nodeManager({ store, autoCreate: false })
    const srv = await serve({
      ...basicRoutes(open),
      '/strict': withSession(strict, async (s) => (await s.get('x')) ?? 'missing'),
    })
    const c = new Client(srv.url)
    const none = await c.request('/strict')
    expect(none.status).toBe(500)
    expect(none.body).toMatchObject({ error: 'INVALID_SESSION' })
    expect(none.setCookies).toEqual([])

    const bogus = await c.request('/strict', { cookie: 'session=nonsense' })
    expect(bogus.body).toMatchObject({ error: 'INVALID_SESSION' })

    await c.ok('/set?k=x&v=1')
    const cookie = c.jar.get('session')!
    expect((await c.ok('/strict')).body).toBe('1')

    await c.ok('/logout')
    const dead = await c.request('/strict', { cookie: `session=${cookie}` })
    expect(dead.status).toBe(500)
    expect(dead.body).toMatchObject({ error: 'INVALID_SESSION' })
    expect(store.size).toBe(0)
    expect(store.ids('create')).toHaveLength(1)
  })
})

// ---------------------------------------------------------------------------------------------

describe('several managers side by side', () => {
  it('different cookie names and stores keep separate sessions', async () => {
    const storeA = new SpyStore()
    const storeB = new SpyStore()
    const recB = reasonsRecorder()
    const a = nodeManager({ store: storeA, cookie: { name: 'a' } })
    const b = nodeManager({ store: storeB, cookie: { name: 'b' }, onInvalidCookie: recB.hook })
    const both = (fn: (sa: Session, sb: Session, url: URL) => Promise<Value | void>): Route => async ({ req, res, url }) => {
      const sa = await a.acquire(req, res)
      const sb = await b.acquire(req, res)
      const out = await fn(sa, sb, url)
      await sa.commit()
      await sb.commit()
      return out
    }
    const srv = await serve({
      '/set': both(async (sa, sb, url) => {
        const k = url.searchParams.get('k')!
        await sa.set(k, 'from-a')
        await sb.set(k, 'from-b')
      }),
      '/get': both(async (sa, sb, url) => {
        const k = url.searchParams.get('k')!
        return [(await sa.get(k)) ?? null, (await sb.get(k)) ?? null]
      }),
      '/a/logout': both(async (sa) => {
        await sa.destroy()
      }),
    })
    const c = new Client(srv.url)
    const r = await c.ok('/set?k=x')
    expect(cookiesNamed(r, 'a')).toHaveLength(1)
    expect(cookiesNamed(r, 'b')).toHaveLength(1)
    const idA = jarId(c, 'a')
    const idB = jarId(c, 'b')
    expect(idA).not.toBe(idB)
    expect(storeA.size).toBe(1)
    expect(storeB.size).toBe(1)
    expect(await storeA.inner.load(idB)).toBeNull()
    expect(await storeB.inner.load(idA)).toBeNull()
    expect((await c.ok('/get?k=x')).body).toEqual(['from-a', 'from-b'])

    // a's cookie presented as b's is someone else's session to b.
    const swapped = await new Client(srv.url).ok('/get?k=x', { cookie: `a=${c.jar.get('a')}; b=${c.jar.get('a')}` })
    expect(swapped.body).toEqual(['from-a', null])
    expect(recB.reasons).toEqual(['unknown'])
    // b drops the cookie it does not know; a keeps its own.
    expect(cookiesNamed(swapped, 'b').map(isRemoval)).toEqual([true])
    expect(cookiesNamed(swapped, 'a')).toEqual([])

    const out = await c.ok('/a/logout')
    expect(cookiesNamed(out, 'a')).toHaveLength(1)
    expect(cookiesNamed(out, 'b')).toHaveLength(0)
    expect((await c.ok('/get?k=x')).body).toEqual([null, 'from-b'])
    expect(storeA.size).toBe(0)
    expect(storeB.size).toBe(1)
  })
})

// ---------------------------------------------------------------------------------------------

describe('cache headers on responses that set cookies', () => {
  it('carry Vary: Cookie and Cache-Control: no-cache="Set-Cookie"', async () => {
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve(basicRoutes(m))
    const c = new Client(srv.url)
    for (const path of ['/set', '/login', '/logout']) {
      const r = await c.ok(path)
      expect(r.setCookies.length, path).toBeGreaterThan(0)
      expect(r.headers.get('vary'), path).toBe('Cookie')
      expect(r.headers.get('cache-control'), path).toBe('no-cache="Set-Cookie"')
    }
  })

  it('an existing Vary is extended, not replaced', async () => {
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve({
      '/set': withSession(m, async (s, { res }) => {
        res.setHeader('vary', 'Accept-Encoding')
        await s.set('x', 1)
      }),
    })
    const r = await new Client(srv.url).ok('/set')
    expect(r.headers.get('vary')).toBe('Accept-Encoding, Cookie')
  })

  it('an existing Cache-Control that allows shared caching gets no-cache="Set-Cookie" added', async () => {
    const m = nodeManager({ store: new SpyStore() })
    const srv = await serve({
      '/set': withSession(m, async (s, { res }) => {
        res.setHeader('cache-control', 'public, max-age=60')
        await s.set('x', 1)
      }),
    })
    const r = await new Client(srv.url).ok('/set')
    expect(r.setCookies).toHaveLength(1)
    expect(r.headers.get('cache-control')).toContain('no-cache="Set-Cookie"')
  })
})

// ---------------------------------------------------------------------------------------------

describe('regenerate followed by commit', () => {
  it('sends exactly one Set-Cookie for the session cookie, with the final ID, and keeps other cookies', async () => {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const srv = await serve({
      ...basicRoutes(m),
      '/escalate': withSession(m, async (s, { res }) => {
        res.setHeader('set-cookie', ['theme=dark; Path=/'])
        await s.get('x')
        await s.set('user', 'ada')
        await s.regenerate()
        await s.set('role', 'admin')
        return s.id
      }),
    })
    const c = new Client(srv.url)
    await c.ok('/set?k=x&v=1')
    const oldId = jarId(c)
    const r = await c.ok('/escalate')
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    expect(idOf(sc[0]!.value)).toBe(r.body)
    expect(r.body).not.toBe(oldId)
    expect(cookiesNamed(r, 'theme')).toHaveLength(1)
    expect(r.headers.get('vary')).toBe('Cookie')
    expect((await c.ok('/all')).body).toEqual({ x: '1', user: 'ada', role: 'admin' })
    expect(await store.inner.load(oldId)).toBeNull()
  })

  it('on a fresh session: one Set-Cookie, and a single create', async () => {
    const store = new SpyStore()
    const m = nodeManager({ store })
    const srv = await serve({
      '/fresh': withSession(m, async (s) => {
        await s.set('a', 1)
        await s.regenerate()
        await s.set('b', 2)
        return s.id
      }),
    })
    const r = await new Client(srv.url).ok('/fresh')
    const sc = cookiesNamed(r, 'session')
    expect(sc).toHaveLength(1)
    expect(idOf(sc[0]!.value)).toBe(r.body)
    expect(store.ids('create')).toEqual([r.body])
  })
})

