// The fetch adapter (Request in, response Headers out): a create → read round trip in process
// and through a real node:http server bridged to Request/Headers, one Set-Cookie after
// regenerate, removal on logout, and the cache headers.

import { afterEach, describe, expect, it } from 'vitest'
import { Manager, type ManagerOptions } from '../../src/manager'
import type { SessionData } from '../../src/session'
import { getCookie, setCookie } from '../../src/adapters/fetch/index'
import { Client, SECRET_A, SpyStore, closeManagers, closeServers, idOf, isRemoval, parseSetCookie, serve, track } from './harness'

afterEach(async () => {
  await closeServers()
  await closeManagers()
})

function fetchManager(options: Partial<ManagerOptions<Request, Headers>> = {}): Manager<SessionData, Request, Headers> {
  return track(new Manager<SessionData, Request, Headers>({ secrets: [SECRET_A], getCookie, setCookie, ...options }))
}

const request = (cookie?: string) => new Request('https://app.example/', cookie === undefined ? {} : { headers: { cookie } })

/** The Set-Cookie lines of `headers` for `name`, parsed. */
const named = (headers: Headers, name: string) => headers.getSetCookie().map(parseSetCookie).filter((c) => c.name === name)

describe('fetch adapter', () => {
  it('create → read round trip with Request and Headers', async () => {
    const store = new SpyStore()
    const m = fetchManager({ store })

    const h0 = new Headers()
    const s0 = await m.acquire(request(), h0)
    expect(await s0.get('x')).toBeUndefined()
    await s0.commit()
    expect(h0.getSetCookie()).toEqual([])
    expect(store.size).toBe(0)

    const h1 = new Headers()
    const s1 = await m.acquire(request(), h1)
    await s1.set('x', 42)
    await s1.set('when', new Date(1000))
    await s1.commit()
    const sc = named(h1, 'session')
    expect(sc).toHaveLength(1)
    expect(idOf(sc[0]!.value)).toBe(s1.id)
    expect(h1.get('vary')).toBe('Cookie')
    expect(h1.get('cache-control')).toBe('no-cache="Set-Cookie"')

    // Headers survive into a Response, where a client reads them.
    const response = new Response('ok', { headers: h1 })
    const line = response.headers.getSetCookie()[0]!
    const cookie = `session=${parseSetCookie(line).value}`

    const h2 = new Headers()
    const s2 = await m.acquire(request(`other=1; ${cookie}`), h2)
    expect(s2.id).toBe(s1.id)
    expect(await s2.get('x')).toBe(42)
    expect(await s2.get('when')).toEqual(new Date(1000))
    await s2.commit()
    expect(h2.getSetCookie()).toEqual([])
  })

  it('regenerate followed by commit sends exactly one session Set-Cookie and keeps other cookies', async () => {
    const store = new SpyStore()
    const m = fetchManager({ store })
    const h1 = new Headers()
    const s1 = await m.acquire(request(), h1)
    await s1.set('a', 1)
    await s1.commit()
    const cookie = `session=${named(h1, 'session')[0]!.value}`
    const oldId = s1.id

    const h2 = new Headers()
    h2.append('set-cookie', 'theme=dark; Path=/')
    const s2 = await m.acquire(request(cookie), h2)
    await s2.get('a')
    await s2.regenerate()
    await s2.set('b', 2)
    await s2.commit()
    const sc = named(h2, 'session')
    expect(sc).toHaveLength(1)
    expect(idOf(sc[0]!.value)).toBe(s2.id)
    expect(s2.id).not.toBe(oldId)
    expect(named(h2, 'theme')).toHaveLength(1)
    expect(h2.get('vary')).toBe('Cookie')
    expect(await store.inner.load(oldId)).toBeNull()
  })

  it('destroy sends one removal cookie with the original attributes', async () => {
    const m = fetchManager({ store: new SpyStore(), cookie: { path: '/app', domain: 'example.com', sameSite: 'strict' } })
    const h1 = new Headers()
    const s1 = await m.acquire(request(), h1)
    await s1.set('a', 1)
    await s1.commit()
    const orig = named(h1, 'session')[0]!
    const h2 = new Headers()
    const s2 = await m.acquire(request(`session=${orig.value}`), h2)
    await s2.destroy()
    await s2.commit()
    const rm = named(h2, 'session')
    expect(rm).toHaveLength(1)
    expect(isRemoval(rm[0]!)).toBe(true)
    expect(rm[0]!.maxAge).toBe(0)
    for (const a of ['path', 'domain', 'secure', 'sameSite', 'httpOnly'] as const) expect(rm[0]![a], a).toBe(orig[a])
  })

  it('an existing Vary and a cacheable Cache-Control are extended, not replaced or left cacheable', async () => {
    const m = fetchManager({ store: new SpyStore() })
    const h = new Headers({ vary: 'Accept-Encoding', 'cache-control': 'public, max-age=60' })
    const s = await m.acquire(request(), h)
    await s.set('a', 1)
    await s.commit()
    expect(h.get('vary')).toBe('Accept-Encoding, Cookie')
    expect(h.get('cache-control')).toContain('no-cache="Set-Cookie"')
  })

  it('create → read over a real node:http server bridged to Request/Headers', async () => {
    const m = fetchManager({ store: new SpyStore() })
    const srv = await serve({
      '/count': async ({ req, res, url }) => {
        const inHeaders = new Headers()
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') inHeaders.set(k, v)
        const out = new Headers()
        const sess = await m.acquire(new Request(url, { headers: inHeaders }), out)
        const n = ((await sess.get('n')) as number | undefined) ?? 0
        await sess.set('n', n + 1)
        await sess.commit()
        const lines = out.getSetCookie()
        if (lines.length > 0) res.setHeader('set-cookie', lines)
        out.forEach((v, k) => {
          if (k !== 'set-cookie') res.setHeader(k, v)
        })
        return n + 1
      },
    })
    const c = new Client(srv.url)
    const created = await c.ok('/count')
    expect(created.body).toBe(1)
    expect(created.headers.get('vary')).toBe('Cookie')
    expect(c.jar.has('session')).toBe(true)
    const first = c.jar.get('session')
    const second = await c.ok('/count')
    expect(second.body).toBe(2)
    expect(c.jar.get('session')).toBe(first)
    expect((await c.ok('/count')).body).toBe(3)
  })
})
