// The sealed cookie store under the framework adapters, on real servers: the session travels in
// the cookie itself, so each step below is seen only through Set-Cookie and what the next request
// reads back (the adapter scenario suite counts sessions in a server-side store, which a sealed
// store does not have).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Manager } from '../../src/manager'
import { CookieStore } from '../../src/stores/cookie'
import { startExpress5, startFastify, startHono, type Running, type Start } from './servers'

const SECRET = 'sealed-adapter-secret-0123456789abcdef0123456789'

interface Reply {
  status: number
  body: unknown
  cookies: string[]
}

for (const [name, start] of [
  ['Express 5', startExpress5],
  ['Fastify 5', startFastify],
  ['Hono (node server)', startHono],
] as [string, Start][]) {
  describe(`sealed cookie store through ${name}`, () => {
    let server: Running
    let manager: Manager

    beforeAll(async () => {
      manager = new Manager({ store: new CookieStore(), secrets: [SECRET], cookie: { name: 'sid', secure: false } })
      server = await start(manager)
    })
    afterAll(async () => {
      await server?.close()
      await manager?.close()
    })

    async function call(method: 'GET' | 'POST', path: string, cookie?: string): Promise<Reply> {
      const res = await fetch(server.url + path, { method, headers: cookie === undefined ? {} : { cookie } })
      const text = await res.text()
      const json = (res.headers.get('content-type') ?? '').startsWith('application/json')
      return { status: res.status, body: json ? (JSON.parse(text) as unknown) : text, cookies: res.headers.getSetCookie().filter((l) => l.startsWith('sid=')) }
    }
    const pairOf = (r: Reply): string => {
      expect(r.cookies).toHaveLength(1)
      return r.cookies[0]!.split(';')[0]!
    }

    it('set seals the value into the cookie; the next request reads it back from the cookie alone', async () => {
      const first = await call('POST', '/set?key=a&value=1')
      const cookie = pairOf(first)
      expect((await call('GET', '/get?key=a', cookie)).body).toMatchObject({ value: '1' })
      // A second write merges into what the cookie held.
      const second = pairOf(await call('POST', '/set?key=b&value=2', cookie))
      expect((await call('GET', '/all', second)).body).toMatchObject({ values: { a: '1', b: '2' } })
    })

    it('a tampered cookie gives a fresh session, never an error', async () => {
      const cookie = pairOf(await call('POST', '/set?key=a&value=1'))
      const flipped = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA')
      const r = await call('GET', '/get?key=a', flipped)
      expect(r.status).toBe(200)
      expect(r.body).toMatchObject({ value: null })
    })

    it('regenerate sends a different cookie holding the same data; destroy sends the removal', async () => {
      const cookie = pairOf(await call('POST', '/set?key=a&value=1'))
      const regenerated = pairOf(await call('POST', '/regenerate', cookie))
      expect(regenerated).not.toBe(cookie)
      expect((await call('GET', '/get?key=a', regenerated)).body).toMatchObject({ value: '1' })
      const removal = await call('POST', '/destroy', regenerated)
      expect(removal.cookies).toHaveLength(1)
      expect(removal.cookies[0]).toMatch(/^sid=;/)
    })

    it('a handler that throws sends no new cookie: nothing is saved', async () => {
      const cookie = pairOf(await call('POST', '/set?key=a&value=1'))
      const r = await call('POST', '/throw?key=a&value=2', cookie)
      expect(r.status).toBe(500)
      expect(r.cookies).toEqual([])
      expect((await call('GET', '/get?key=a', cookie)).body).toMatchObject({ value: '1' })
    })
  })
}
