// The Manager and Session on the sealed cookie store, through the fetch adapter (Request in,
// response Headers out, as on Workers and Vercel Edge): every Session behaviour with the cookie as
// the record, and the places where a stateless store must differ, pinned down as tests so the
// README's words stay true.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { Manager, type InvalidCookieEvent, type ManagerOptions } from '../../src/manager'
import type { SessionData } from '../../src/session'
import { getCookie, setCookie } from '../../src/adapters/fetch'
import { CookieStore } from '../../src/stores/cookie'
import { MemoryStore } from '../../src/stores/memory'
import { isSessionError } from '../../src/errors'
import { expectRejectsWith, rejection } from '../helpers/async'
import { SECRET_A, SECRET_B, closeManagers, isRemoval, manualClock, parseSetCookie, track, type ManualClock } from './harness'

afterEach(async () => {
  await closeManagers()
})

type M = Manager<SessionData, Request, Headers>

function cookieManager(options: Partial<ManagerOptions<Request, Headers>> = {}): M {
  return track(new Manager<SessionData, Request, Headers>({ store: new CookieStore(), secrets: [SECRET_A], getCookie, setCookie, ...options }))
}

const request = (cookie?: string) => new Request('https://app.example/', cookie === undefined ? {} : { headers: { cookie: `session=${cookie}` } })

/** The session Set-Cookie lines of `headers`, parsed. */
const sessionCookies = (headers: Headers) => headers.getSetCookie().map(parseSetCookie).filter((c) => c.name === 'session')

/** One request: acquire with `cookie`, run `fn`, return the new cookie value (undefined: none sent; '' a removal). */
async function hit(m: M, cookie: string | undefined, fn: (s: Awaited<ReturnType<M['acquire']>>) => Promise<unknown> | unknown): Promise<string | undefined> {
  const headers = new Headers()
  const s = await m.acquire(request(cookie), headers)
  await fn(s)
  await s.commit()
  const sc = sessionCookies(headers)
  expect(sc.length).toBeLessThanOrEqual(1)
  return sc[0]?.value
}

const HOUR = 3_600_000

describe('sealed cookie store through the Manager', () => {
  it('lazy: no cookie until something is set; then the cookie is the record, not a signed ID', async () => {
    const m = cookieManager()
    expect(await hit(m, undefined, (s) => s.get('x'))).toBeUndefined()
    const value = await hit(m, undefined, async (s) => {
      await s.set('n', 41n)
      await s.set('when', new Date(1000))
    })
    expect(value).toBeDefined()
    expect(value).not.toMatch(/^1\./)
    const headers = new Headers()
    const s = await m.acquire(request(value), headers)
    expect(s.isNew).toBe(false)
    expect(await s.get('n')).toBe(41n)
    expect(await s.get('when')).toEqual(new Date(1000))
    await s.commit()
    expect(sessionCookies(headers)).toEqual([]) // a read sends nothing
    expect(headers.get('vary')).toBe('Cookie')
  })

  it('changes are merged into what the cookie held: set, delete, clear; the ID stays', async () => {
    const m = cookieManager()
    let id = ''
    const c1 = await hit(m, undefined, async (s) => {
      await s.setMulti({ a: 1, b: 2, c: 3 })
      id = s.id
    })
    const c2 = await hit(m, c1, async (s) => {
      await s.set('d', 4)
      await s.delete('a')
    })
    expect(c2).not.toBe(c1)
    const headers = new Headers()
    const s = await m.acquire(request(c2), headers)
    expect(s.id).toBe(id)
    expect({ ...(await s.getAll()) }).toEqual({ b: 2, c: 3, d: 4 })
    expect({ ...(await s.getMulti('b', 'zz')) }).toEqual({ b: 2, zz: undefined })
    const c3 = await hit(m, c2, async (s) => {
      await s.clear()
      await s.set('only', true)
    })
    expect({ ...(await (await m.acquire(request(c3), new Headers())).getAll()) }).toEqual({ only: true })
  })

  it('regenerate: a new ID and a different value; the old value never holds what is written after', async () => {
    const m = cookieManager()
    let oldId = ''
    const before = await hit(m, undefined, async (s) => {
      await s.set('role', 'guest')
      oldId = s.id
    })
    let newId = ''
    const after = await hit(m, before, async (s) => {
      await s.regenerate()
      await s.set('role', 'admin')
      newId = s.id
    })
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    expect(newId).not.toBe(oldId)
    const s = await m.acquire(request(after), new Headers())
    expect(s.id).toBe(newId)
    expect(await s.get('role')).toBe('admin')
    // What a stateless store cannot do: the old value still opens (until its sealed expiry), but
    // only to what it held, under the old ID.
    const old = await m.acquire(request(before), new Headers())
    expect(old.id).toBe(oldId)
    expect(await old.get('role')).toBe('guest')
  })

  it('regenerate of a session never sent just takes a new ID, sent by the commit', async () => {
    const m = cookieManager()
    const headers = new Headers()
    const s = await m.acquire(request(), headers)
    const first = s.id
    await s.regenerate()
    expect(s.id).not.toBe(first)
    expect(sessionCookies(headers)).toEqual([])
    await s.set('a', 1)
    await s.commit()
    const opened = await m.acquire(request(sessionCookies(headers)[0]!.value), new Headers())
    expect(opened.id).toBe(s.id)
  })

  it('destroy sends one removal cookie with the original attributes; a kept copy still opens (documented)', async () => {
    const m = cookieManager({ cookie: { path: '/app', domain: 'example.com', sameSite: 'strict' } })
    const h1 = new Headers()
    const s1 = await m.acquire(request(), h1)
    await s1.set('user', 'ada')
    await s1.commit()
    const orig = sessionCookies(h1)[0]!
    const h2 = new Headers()
    const s2 = await m.acquire(request(orig.value), h2)
    await s2.destroy()
    expect(await s2.get('user')).toBeUndefined()
    await s2.commit()
    const rm = sessionCookies(h2)
    expect(rm).toHaveLength(1)
    expect(isRemoval(rm[0]!)).toBe(true)
    for (const a of ['path', 'domain', 'secure', 'sameSite', 'httpOnly'] as const) expect(rm[0]![a], a).toBe(orig[a])
    // The limit of a stateless store: a client that kept the value keeps the session until its expiry.
    expect(await (await m.acquire(request(orig.value), new Headers())).get('user')).toBe('ada')
  })

  describe('timeouts from the sealed timestamps (an injected clock)', () => {
    function timed(clock: ManualClock, events: InvalidCookieEvent[], options: Partial<ManagerOptions<Request, Headers>> = {}): M {
      return cookieManager({ now: clock.now, idleTimeout: 3600, absoluteTimeout: 4 * 3600, touchAfter: 60, onInvalidCookie: (e) => events.push(e), ...options })
    }

    it('idle: a captured cookie stops opening the session when its idle expiry passes, whatever the client does', async () => {
      const clock = manualClock()
      const events: InvalidCookieEvent[] = []
      const m = timed(clock, events)
      const value = await hit(m, undefined, (s) => s.set('user', 'ada'))
      clock.advance(HOUR - 1)
      expect(await (await m.acquire(request(value), new Headers())).get('user')).toBe('ada')
      expect(events).toEqual([])
      clock.advance(1)
      const headers = new Headers()
      const s = await m.acquire(request(value), headers)
      expect(s.isNew).toBe(true)
      expect(await s.get('user')).toBeUndefined()
      expect(events.map((e) => e.reason)).toEqual(['expired'])
      await s.commit()
      // The dead cookie is removed from the client.
      expect(sessionCookies(headers).map(isRemoval)).toEqual([true])
    })

    it('absolute: activity keeps the session alive only until createdAt + absoluteTimeout', async () => {
      const clock = manualClock()
      const events: InvalidCookieEvent[] = []
      const m = timed(clock, events)
      let value = await hit(m, undefined, (s) => s.set('n', 0))
      for (let i = 1; i < 4; i++) {
        clock.advance(HOUR - 1000)
        value = (await hit(m, value, async (s) => s.set('n', ((await s.get('n')) as number) + 1))) ?? value
      }
      clock.advance(HOUR - 1000) // 4 h after creation minus 4 s: still alive, never idle for an hour
      expect(await (await m.acquire(request(value), new Headers())).get('n')).toBe(3)
      clock.advance(4000)
      expect(await (await m.acquire(request(value), new Headers())).get('n')).toBeUndefined()
      expect(events.map((e) => e.reason)).toEqual(['expired'])
    })

    it('touch: a read re-seals with a later expiry only after touchAfter; an unread session sends nothing', async () => {
      const clock = manualClock()
      const m = timed(clock, [])
      const value = await hit(m, undefined, (s) => s.set('a', 1))
      clock.advance(59_000)
      expect(await hit(m, value, (s) => s.get('a'))).toBeUndefined()
      clock.advance(2000)
      expect(await hit(m, value, () => undefined)).toBeUndefined()
      const touched = await hit(m, value, (s) => s.get('a'))
      expect(touched).toBeDefined()
      // The touched value lives an hour from now; the old one dies an hour after it was sealed.
      clock.advance(HOUR - 30_000)
      expect(await (await m.acquire(request(value), new Headers())).get('a')).toBeUndefined()
      expect(await (await m.acquire(request(touched), new Headers())).get('a')).toBe(1)
    })

    it('the cookie carries Max-Age up to the absolute deadline', async () => {
      const clock = manualClock()
      const m = timed(clock, [])
      const headers = new Headers()
      const s = await m.acquire(request(), headers)
      await s.set('a', 1)
      await s.commit()
      expect(sessionCookies(headers)[0]!.maxAge).toBe(4 * 3600)
    })
  })

  it('key rotation: a cookie sealed with an older secret opens and is re-sealed with the newest on the next response', async () => {
    const old = cookieManager({ secrets: [SECRET_B] })
    const value = await hit(old, undefined, (s) => s.set('user', 'ada'))
    const rotated = cookieManager({ secrets: [SECRET_A, SECRET_B] })
    // Even a request that neither reads nor writes re-seals.
    const resealed = await hit(rotated, value, () => undefined)
    expect(resealed).toBeDefined()
    expect(resealed).not.toBe(value)
    const newestOnly = cookieManager({ secrets: [SECRET_A] })
    expect(await (await newestOnly.acquire(request(resealed), new Headers())).get('user')).toBe('ada')
    // Re-sealed once: the next request with the new value sends nothing.
    expect(await hit(rotated, resealed, (s) => s.get('user'))).toBeUndefined()
  })

  it('tampered, truncated, wrong-key, wrong-format and signed-ID cookies give a fresh session and a reason, never an exception', async () => {
    const events: InvalidCookieEvent[] = []
    const m = cookieManager({ onInvalidCookie: (e) => events.push(e) })
    const value = (await hit(m, undefined, (s) => s.set('role', 'user')))!
    const other = (await hit(cookieManager({ secrets: [SECRET_B] }), undefined, (s) => s.set('role', 'admin')))!
    const signed = (await hit(track(new Manager<SessionData, Request, Headers>({ store: new MemoryStore(), secrets: [SECRET_A], getCookie, setCookie })), undefined, (s) => s.set('role', 'admin')))!
    const flip = (v: string, i: number) => v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1)
    const cases: [string, string][] = [
      [flip(value, 40), 'signature'],
      [flip(value, value.length - 3), 'signature'],
      [value.slice(0, value.length - (value.length % 4) - 4), 'signature'], // whole bytes cut off: the tag fails
      [value.slice(0, 59), 'malformed'], // shorter than any sealed value: not decoded at all
      [value.slice(0, 20), 'malformed'],
      [flip(value, 0), 'malformed'], // the version byte
      [other, 'signature'],
      [signed, 'malformed'],
      ['garbage!', 'malformed'],
    ]
    for (const [cookie, reason] of cases) {
      events.length = 0
      const headers = new Headers()
      const s = await m.acquire(request(cookie), headers)
      expect(s.isNew, cookie.slice(0, 20)).toBe(true)
      expect(await s.get('role')).toBeUndefined()
      expect(events.map((e) => e.reason), `${cookie.length} ${cookie.slice(0, 20)}`).toEqual([reason])
      expect(events[0]!.cookie).toBe(cookie.slice(0, 12))
    }
  })

  it('a session whose cookie would pass 4096 bytes is TOO_LARGE at commit, with the size, and nothing is sent', async () => {
    const m = cookieManager()
    const headers = new Headers()
    const s = await m.acquire(request(), headers)
    await s.set('small', 1)
    await s.set('big', 'x'.repeat(3100))
    const err = await rejection(s.commit())
    expect(isSessionError(err, 'TOO_LARGE')).toBe(true)
    const size = Number(/would be (\d+) bytes/.exec((err as Error).message)?.[1])
    expect(size).toBeGreaterThan(4096)
    expect(headers.getSetCookie()).toEqual([])
    // Nothing was dropped: the writes are still pending, and a smaller session commits.
    expect(await s.get('big')).toHaveLength(3100)
    await s.delete('big')
    await s.commit()
    const value = sessionCookies(headers)[0]!.value
    expect({ ...(await (await m.acquire(request(value), new Headers())).getAll()) }).toEqual({ small: 1 })
  })

  describe('HEADERS_SENT: every change needs the cookie', () => {
    const immutable = () => Response.redirect('https://app.example/next').headers

    it('a new session, a change to an existing one, and regenerate reject before anything is sent; destroy resolves', async () => {
      const m = cookieManager()
      const value = await hit(m, undefined, (s) => s.set('a', 1))
      const fresh = await m.acquire(request(), immutable())
      await fresh.set('a', 1)
      await expectRejectsWith(fresh.commit(), 'HEADERS_SENT')
      const existing = await m.acquire(request(value), immutable())
      await existing.set('b', 2)
      await expectRejectsWith(existing.commit(), 'HEADERS_SENT')
      await expectRejectsWith(existing.regenerate(), 'HEADERS_SENT')
      expect(await existing.get('a')).toBe(1) // nothing changed
      await existing.destroy()
      // A read-only commit with nothing due still resolves.
      await (await m.acquire(request(value), immutable())).commit()
    })

    it('a due re-seal after rotation rejects; a due touch waits for a later response', async () => {
      const clock = manualClock()
      const value = await hit(cookieManager({ secrets: [SECRET_B], now: clock.now }), undefined, (s) => s.set('a', 1))
      const rotated = cookieManager({ secrets: [SECRET_A, SECRET_B], now: clock.now })
      await expectRejectsWith((await rotated.acquire(request(value), immutable())).commit(), 'HEADERS_SENT')
      const m = cookieManager({ secrets: [SECRET_B], now: clock.now })
      clock.advance(HOUR)
      const s = await m.acquire(request(value), immutable())
      expect(await s.get('a')).toBe(1)
      await s.commit()
    })
  })

  it('autoCreate off: no cookie, or an expired one, is INVALID_SESSION; a valid one works', async () => {
    const clock = manualClock()
    const m = cookieManager({ autoCreate: false, now: clock.now, idleTimeout: 60, absoluteTimeout: 0 })
    await expectRejectsWith(m.acquire(request(), new Headers()), 'INVALID_SESSION')
    const headers = new Headers()
    const s = await m.newSession(request(), headers)
    await s.set('a', 1)
    await s.commit()
    const value = sessionCookies(headers)[0]!.value
    expect(await (await m.acquire(request(value), new Headers())).get('a')).toBe(1)
    clock.advance(60_000)
    await expectRejectsWith(m.acquire(request(value), new Headers()), 'INVALID_SESSION')
  })

  it('validateId sees the sealed ID; useStore switches either way; a bad store is CONFIG', async () => {
    const validateId = vi.fn((id: string) => id.length === 32)
    const m = cookieManager({ validateId })
    const value = await hit(m, undefined, (s) => s.set('a', 1))
    await m.acquire(request(value), new Headers())
    expect(validateId).toHaveBeenCalledTimes(1)

    const switched = track(new Manager<SessionData, Request, Headers>({ secrets: [SECRET_A], getCookie, setCookie }))
    switched.useStore(new CookieStore())
    expect(await (await switched.acquire(request(value), new Headers())).get('a')).toBe(1)
    switched.useStore(new MemoryStore())
    expect((await switched.acquire(request(value), new Headers())).isNew).toBe(true)
    expect(() => switched.useStore({ kind: 'sealed' } as never)).toThrow(expect.objectContaining({ code: 'CONFIG' }))
  })
})
