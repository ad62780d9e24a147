// One scenario list, run against every adapter's real server (tower-sessions' route_tests!):
// describeAdapter(name, start, features) starts the server of test/adapters/servers.ts on
// 127.0.0.1 for each group and speaks HTTP to it with fetch, keeping no cookie jar: every cookie
// a request sends is one a test chose. The routes are listed in test/adapters/routes.ts.
//   `commitsForHandler`: the failure scenarios (a throw, a 5xx, saveOnError) test the adapter's
// own commit; the node:http and fetch servers commit by hand, so they skip them (the issue's
// "where the adapter commits for the handler").
//   `lateRejects`: a commit after the response went out rejects with HEADERS_SENT. The fetch
// hooks cannot know: `new Response(body, { headers })` copies a Headers that stays mutable, so
// they are told the response went out only by immutable Headers (the fetch adapter's module
// comment says to commit before making the Response).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSetCookie, type CookieAttributes } from '../../src/cookie'
import { Manager } from '../../src/manager'
import { MemoryStore } from '../../src/stores/memory'
import type { Running, Start } from './servers'
import { app } from './routes'

export const SECRET = 'adapter-suite-secret-0123456789abcdef0123456789'

/** The cookie options every server is configured with, and what its Set-Cookie must say. */
const COOKIE = { name: 'sid', path: '/', secure: true, httpOnly: true, sameSite: 'strict', maxAge: 3600 } as const

export interface Features {
  commitsForHandler: boolean
  lateRejects: boolean
}

interface Reply {
  status: number
  body: any
  setCookie: string[]
  headers: Headers
}

/** One Set-Cookie line, read by src/cookie.ts's parseSetCookie; a line a user agent ignores fails the test. */
function parse(line: string): CookieAttributes {
  const c = parseSetCookie(line)
  if (c === undefined) throw new Error(`not a Set-Cookie line a user agent would keep: ${JSON.stringify(line)}`)
  return c
}

const varyHasCookie = (h: Headers): boolean => (h.get('vary') ?? '').split(',').some((v) => v.trim().toLowerCase() === 'cookie')

export function describeAdapter(name: string, start: Start, features: Features): void {
  describe(`adapter ${name}`, () => {
    let server: Running
    let store: MemoryStore
    let manager: Manager

    async function call(method: 'GET' | 'POST', path: string, cookie?: string): Promise<Reply> {
      const res = await fetch(server.url + path, { method, headers: cookie === undefined ? {} : { cookie }, redirect: 'manual' })
      const text = await res.text()
      // The frameworks' own error pages (a throwing route) are HTML or text.
      const json = (res.headers.get('content-type') ?? '').startsWith('application/json')
      return { status: res.status, body: json ? (JSON.parse(text) as unknown) : text, setCookie: res.headers.getSetCookie(), headers: res.headers }
    }

    /** The one session Set-Cookie of a reply, as `sid=value`. */
    function cookieOf(r: Reply): string {
      const ours = r.setCookie.filter((l) => l.startsWith(`${COOKIE.name}=`))
      expect(ours).toHaveLength(1)
      return (ours[0] ?? '').split(';')[0] ?? ''
    }

    /** A session holding a=1: its cookie. */
    async function withSession(): Promise<string> {
      return cookieOf(await call('POST', '/set?key=a&value=1'))
    }

    const setup = (options?: { saveOnError?: boolean }, autoCreate = true) => {
      beforeAll(async () => {
        store = new MemoryStore({ sweepInterval: 0 })
        manager = new Manager({ store, secrets: [SECRET], cookie: COOKIE, autoCreate, ownerKey: 'userId' })
        app.manager = manager
        server = await start(manager, options)
      })
      afterAll(async () => {
        await server.close()
        await manager.close()
        store.close()
      })
    }

    describe('cookies and headers', () => {
      setup()

      it('no cookie and no use of the session: no Set-Cookie, no Vary: Cookie, nothing stored', async () => {
        const r = await call('GET', '/plain')
        expect(r.status).toBe(200)
        expect(r.setCookie).toEqual([])
        expect(varyHasCookie(r.headers)).toBe(false)
        expect(store.size).toBe(0)
      })

      it('no cookie, a read: no Set-Cookie, Vary: Cookie, nothing stored', async () => {
        const r = await call('GET', '/get?key=a')
        expect(r.body).toEqual({ session: true, value: null })
        expect(r.setCookie).toEqual([])
        expect(varyHasCookie(r.headers)).toBe(true)
        expect(store.size).toBe(0)
      })

      it('a set: one Set-Cookie with the configured attributes, Vary: Cookie, no-cache="Set-Cookie"; the next request reads the value', async () => {
        const before = store.size
        const r = await call('POST', '/set?key=a&value=hello')
        expect(r.status).toBe(200)
        expect(r.setCookie).toHaveLength(1)
        const c = parse(r.setCookie[0] ?? '')
        expect(c.name).toBe('sid')
        expect(c.value).toMatch(/^1\.[\w-]{32}\.[\w-]{43}$/)
        expect(c).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'strict', maxAge: 3600 })
        expect(c.expires!.getTime()).toBeGreaterThan(Date.now() + 3500_000)
        expect(varyHasCookie(r.headers)).toBe(true)
        expect(r.headers.get('cache-control')).toContain('no-cache="Set-Cookie"')
        expect(store.size).toBe(before + 1)
        const read = await call('GET', '/get?key=a', `sid=${c.value}`)
        expect(read.body).toEqual({ session: true, value: 'hello' })
      })

      it('a read-only request with a cookie: Vary: Cookie, no Set-Cookie', async () => {
        const cookie = await withSession()
        const r = await call('GET', '/get?key=a', cookie)
        expect(r.body).toEqual({ session: true, value: '1' })
        expect(r.setCookie).toEqual([])
        expect(varyHasCookie(r.headers)).toBe(true)
      })

      it('a write to an existing session keeps its cookie (no Set-Cookie needed) and its other keys', async () => {
        const cookie = await withSession()
        const r = await call('POST', '/set?key=b&value=2', cookie)
        expect(r.status).toBe(200)
        expect((await call('GET', '/all', cookie)).body).toEqual({ session: true, values: { a: '1', b: '2' } })
      })

      for (const [kind, make] of [
        ['bogus', () => 'sid=bogus'],
        ['malformed', () => 'sid=1.!!!.???'],
        ['tampered', (valid: string) => valid.slice(0, -2) + (valid.endsWith('AA') ? 'BB' : 'AA')],
        ['signed by another secret', (valid: string) => valid.replace(/\.[\w-]+$/, '.' + 'x'.repeat(43))],
      ] as const) {
        it(`a ${kind} cookie: a fresh session (the old one unreachable, never adopted)`, async () => {
          const valid = await withSession()
          const bad = make(valid)
          const read = await call('GET', '/get?key=a', bad)
          expect(read.body).toEqual({ session: true, value: null })
          const r = await call('POST', '/set?key=c&value=3', bad)
          const fresh = cookieOf(r)
          expect(fresh).not.toBe(bad)
          expect(fresh.split('.')[1]).not.toBe(valid.split('.')[1])
          expect((await call('GET', '/all', fresh)).body).toEqual({ session: true, values: { c: '3' } })
          expect((await call('GET', '/all', valid)).body).toEqual({ session: true, values: { a: '1' } })
        })
      }

      it('regenerate: one new cookie under a new ID with the same data; the old cookie finds nothing', async () => {
        const old = await withSession()
        const r = await call('POST', '/regenerate', old)
        const next = cookieOf(r)
        expect(next.split('.')[1]).not.toBe(old.split('.')[1])
        expect(varyHasCookie(r.headers)).toBe(true)
        expect((await call('GET', '/get?key=a', next)).body).toEqual({ session: true, value: '1' })
        expect((await call('GET', '/get?key=a', old)).body).toEqual({ session: true, value: null })
      })

      it('destroy: a removal cookie with the same Path, Secure, SameSite; the session is gone', async () => {
        const cookie = await withSession()
        const before = store.size
        const r = await call('POST', '/destroy', cookie)
        expect(r.setCookie).toHaveLength(1)
        const c = parse(r.setCookie[0] ?? '')
        expect(c).toMatchObject({ name: 'sid', value: '' })
        expect(c).toMatchObject({ path: '/', secure: true, sameSite: 'strict' })
        expect(c.maxAge === 0 || (c.expires?.getTime() ?? Infinity) < Date.now()).toBe(true)
        expect(store.size).toBe(before - 1)
        expect((await call('GET', '/get?key=a', cookie)).body).toEqual({ session: true, value: null })
      })

      it('two middlewares in one request share one session: the second sees the first one\'s uncommitted write; one Set-Cookie', async () => {
        const r = await call('POST', '/two?value=shared')
        expect(r.body).toEqual({ first: 'shared' })
        const cookie = cookieOf(r)
        expect((await call('GET', '/get?key=first', cookie)).body).toEqual({ session: true, value: 'shared' })
      })

      it('20 concurrent requests on one session, each setting its own key: every key is kept', async () => {
        const cookie = await withSession()
        const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => call('POST', `/set?key=k${i}&value=${i}`, cookie)))
        expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200))
        const expected: Record<string, string> = { a: '1' }
        for (let i = 0; i < 20; i++) expected[`k${i}`] = String(i)
        expect((await call('GET', '/all', cookie)).body).toEqual({ session: true, values: expected })
      })

      it.skipIf(!features.lateRejects)('a commit after the response went out rejects with HEADERS_SENT and stores nothing', async () => {
        const before = store.size
        const token = `t${Math.random()}`
        const first = await call('POST', `/late?token=${token}`)
        expect(first.setCookie).toEqual([])
        const late = await call('POST', `/late-commit?token=${token}`)
        expect(late.body).toEqual({ code: 'HEADERS_SENT' })
        expect(store.size).toBe(before)
      })
    })

    describe.skipIf(!features.commitsForHandler)('a failed handler', () => {
      setup()

      for (const [what, path, status] of [
        ['throws', '/throw', 500],
        ['answers 5xx', '/fail', 503],
      ] as const) {
        it(`${what}: nothing saved, no Set-Cookie (new session and existing one)`, async () => {
          const before = store.size
          const r = await call('POST', `${path}?key=a&value=1`)
          expect(r.status).toBe(status)
          expect(r.setCookie.filter((l) => l.startsWith('sid='))).toEqual([])
          expect(store.size).toBe(before)
          const cookie = await withSession()
          const r2 = await call('POST', `${path}?key=a&value=changed`, cookie)
          expect(r2.status).toBe(status)
          expect((await call('GET', '/get?key=a', cookie)).body).toEqual({ session: true, value: '1' })
        })
      }

      it('a destroy made before the handler threw stays done', async () => {
        const cookie = await withSession()
        const before = store.size
        const r = await call('POST', '/destroy-then-throw', cookie)
        expect(r.status).toBe(500)
        expect(store.size).toBe(before - 1)
        expect((await call('GET', '/get?key=a', cookie)).body).toEqual({ session: true, value: null })
      })
    })

    describe.skipIf(!features.commitsForHandler)('saveOnError: true', () => {
      setup({ saveOnError: true })

      it('a 5xx answer still saves the session', async () => {
        const r = await call('POST', '/fail?key=a&value=kept')
        expect(r.status).toBe(503)
        expect((await call('GET', '/get?key=a', cookieOf(r))).body).toEqual({ session: true, value: 'kept' })
      })
    })

    describe('flash values, cookie lifetime, devices', () => {
      setup()

      it('a flash value: set on one request, popped on the next, gone on the one after', async () => {
        const cookie = cookieOf(await call('POST', '/set?key=flash&value=saved'))
        expect((await call('POST', '/pop?key=flash', cookie)).body).toEqual({ value: 'saved' })
        expect((await call('POST', '/pop?key=flash', cookie)).body).toEqual({ value: null })
        expect((await call('GET', '/get?key=flash', cookie)).body).toEqual({ session: true, value: null })
      })

      it('rememberMe(false): the cookie goes out at once without Max-Age or Expires, and later cookies follow it', async () => {
        const cookie = await withSession()
        const r = await call('POST', '/remember?value=false', cookie)
        const c = parse(r.setCookie.find((l) => l.startsWith('sid=')) ?? '')
        expect(c.value).not.toBe('')
        expect(c).not.toHaveProperty('maxAge')
        expect(c).not.toHaveProperty('expires')
        const again = parse((await call('POST', '/regenerate', `sid=${c.value}`)).setCookie.find((l) => l.startsWith('sid=')) ?? '')
        expect(again).not.toHaveProperty('maxAge')
        const back = await call('POST', '/remember?value=true', `sid=${again.value}`)
        expect(parse(back.setCookie.find((l) => l.startsWith('sid=')) ?? '').maxAge).toBe(3600)
      })

      it('devices: list by handle, sign out everywhere else, sign out one device; the current session stays', async () => {
        const user = `u${Math.random()}`
        const logins = await Promise.all([0, 1, 2].map(() => call('POST', `/login?user=${user}`)))
        const [mine, other, third] = logins.map(cookieOf)
        const handles = logins.map((r) => r.body.handle as string)
        const devices = await call('GET', '/devices', mine)
        expect(devices.body).toEqual({ current: handles[0], handles: [...handles].sort() })
        for (const h of handles) expect(mine).not.toContain(h)
        expect((await call('POST', `/logout-device?handle=${handles[2]}`, mine)).body).toEqual({ ended: 1 })
        expect((await call('GET', '/get?key=userId', third)).body).toEqual({ session: true, value: null })
        expect((await call('POST', '/logout-others', mine)).body).toEqual({ ended: 1 })
        expect((await call('GET', '/get?key=userId', other)).body).toEqual({ session: true, value: null })
        expect((await call('GET', '/get?key=userId', mine)).body).toEqual({ session: true, value: user })
        expect((await call('GET', '/devices', mine)).body).toEqual({ current: handles[0], handles: [handles[0]] })
      })
    })

    describe('autoCreate: false', () => {
      setup(undefined, false)

      it('no cookie: the session is null, nothing is sent; startSession starts one; its cookie finds it', async () => {
        const none = await call('GET', '/get?key=a')
        expect(none.body).toEqual({ session: false, value: null })
        expect(none.setCookie).toEqual([])
        expect((await call('POST', '/set?key=a&value=1')).status).toBe(401)
        expect(store.size).toBe(0)
        const started = await call('POST', '/start?key=a&value=1')
        const cookie = cookieOf(started)
        expect(store.size).toBe(1)
        expect((await call('GET', '/get?key=a', cookie)).body).toEqual({ session: true, value: '1' })
        expect((await call('GET', '/get?key=a', 'sid=1.bogus.cookie')).body).toEqual({ session: false, value: null })
      })
    })
  })
}
