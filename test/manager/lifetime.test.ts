// Per session: values read once (pop) and the cookie's lifetime (cookie.persist and
// session.rememberMe), on a server-side store and on the sealed cookie store alike, in process.

import { afterEach, describe, expect, it } from 'vitest'
import { isSessionError } from '../../src/errors'
import { CookieStore } from '../../src/stores/cookie'
import type { CookieAttributes } from '../../src/cookie'
import { SpyStore, closeManagers, fakeManager, fakeReq, fakeRes, manualClock, type FakeManager, type FakeRes } from './harness'

afterEach(async () => {
  await closeManagers()
})

const last = (res: FakeRes): CookieAttributes => {
  const c = res.set.at(-1)
  if (!c) throw new Error('no cookie was set')
  return c
}

/** One request: acquire with `cookie`, run `fn`, commit; the cookie the response carries (or the one sent in). */
async function request(m: FakeManager, cookie: string | undefined, fn: (s: Awaited<ReturnType<FakeManager['acquire']>>) => Promise<void>): Promise<{ cookie: string | undefined; res: FakeRes }> {
  const res = fakeRes()
  const s = await m.acquire(fakeReq(cookie === undefined ? {} : { session: cookie }), res)
  await fn(s)
  await s.commit()
  return { cookie: res.set.at(-1)?.value ?? cookie, res }
}

const stores = [
  ['MemoryStore', () => new SpyStore()],
  ['CookieStore', () => new CookieStore()],
] as const

for (const [name, makeStore] of stores) {
  describe(`pop (${name})`, () => {
    it('returns the value and the key is gone from the next request on (a flash message)', async () => {
      const m = fakeManager({ store: makeStore() })
      let { cookie } = await request(m, undefined, (s) => s.setMulti({ flash: 'saved', keep: 1 }))
      let popped: unknown
      ;({ cookie } = await request(m, cookie, async (s) => {
        popped = await s.pop('flash')
        expect(await s.get('flash')).toBeUndefined() // gone in this request already
      }))
      expect(popped).toBe('saved')
      await request(m, cookie, async (s) => {
        expect(await s.pop('flash')).toBeUndefined()
        expect(await s.get('keep')).toBe(1)
      })
    })

    it('keeps the type of the value; a missing key is undefined and writes nothing', async () => {
      const store = makeStore()
      const m = fakeManager({ store })
      const when = new Date(Date.UTC(2030, 0, 2))
      let { cookie } = await request(m, undefined, (s) => s.setMulti({ big: 2n ** 60n, when }))
      await request(m, cookie, async (s) => {
        expect(await s.pop('big')).toBe(2n ** 60n)
        expect(await s.pop('when')).toEqual(when)
      })
      const spy = store instanceof SpyStore ? store : undefined
      spy?.reset()
      const { res } = await request(m, cookie, async (s) => {
        expect(await s.pop('nothing')).toBeUndefined()
      })
      if (spy) expect(spy.count('commit')).toBe(0)
      else expect(res.set).toEqual([])
    })

    it('two concurrent requests may both see the value (documented: not atomic across requests)', async () => {
      const m = fakeManager({ store: makeStore() })
      const { cookie } = await request(m, undefined, (s) => s.set('flash', 'once'))
      const a = await m.acquire(fakeReq({ session: cookie! }), fakeRes())
      const b = await m.acquire(fakeReq({ session: cookie! }), fakeRes())
      const seen = [await a.pop('flash'), await b.pop('flash')]
      await a.commit()
      await b.commit()
      expect(seen).toEqual(['once', 'once'])
    })

    it('refuses a key that set would refuse (TYPE)', async () => {
      const m = fakeManager({ store: makeStore() })
      const s = await m.acquire(fakeReq(), fakeRes())
      await expect(s.pop('' as string)).rejects.toSatisfy((e) => isSessionError(e, 'TYPE'))
    })
  })

  describe(`cookie lifetime (${name})`, () => {
    it('cookie.persist false sends cookies without Max-Age and Expires; the server still ends the session on time', async () => {
      const clock = manualClock()
      const m = fakeManager({ store: makeStore(), now: clock.now, idleTimeout: 60, cookie: { persist: false } })
      const { cookie, res } = await request(m, undefined, (s) => s.set('a', 1))
      expect(last(res).maxAge).toBeUndefined()
      expect(last(res).expires).toBeUndefined()
      clock.advance(61_000)
      await request(m, cookie, async (s) => {
        expect(await s.get('a')).toBeUndefined()
        expect(s.isNew).toBe(true)
      })
    })

    it('by default (persist true) cookies carry Max-Age and Expires', async () => {
      const m = fakeManager({ store: makeStore() })
      const { res } = await request(m, undefined, (s) => s.set('a', 1))
      expect(last(res).maxAge).toBeGreaterThan(0)
      expect(last(res).expires).toBeInstanceOf(Date)
    })

    it('rememberMe(true) overrides persist false, is kept, and later cookies follow it', async () => {
      const clock = manualClock()
      const m = fakeManager({ store: makeStore(), now: clock.now, cookie: { persist: false } })
      let { cookie, res } = await request(m, undefined, async (s) => {
        await s.set('user', 'ada')
        await s.rememberMe(true)
      })
      expect(last(res).maxAge).toBe(7 * 86400)
      // A later response that sends a cookie (a regenerate) sends a persistent one again.
      ;({ cookie, res } = await request(m, cookie, (s) => s.regenerate()))
      expect(last(res).maxAge).toBeGreaterThan(0)
      // rememberMe(false) on its own is a change: committed, and the cookie goes out at once without a lifetime.
      ;({ cookie, res } = await request(m, cookie, (s) => s.rememberMe(false)))
      expect(res.set).toHaveLength(1)
      expect(last(res).maxAge).toBeUndefined()
      expect(last(res).expires).toBeUndefined()
      ;({ res } = await request(m, cookie, (s) => s.regenerate()))
      expect(last(res).maxAge).toBeUndefined()
    })

    it('rememberMe(false) overrides the default and survives a store round trip', async () => {
      const m = fakeManager({ store: makeStore() })
      let { cookie, res } = await request(m, undefined, async (s) => {
        await s.rememberMe(false)
        await s.set('a', 1)
      })
      expect(last(res).maxAge).toBeUndefined()
      ;({ res } = await request(m, cookie, async (s) => {
        await s.get('a')
        await s.regenerate()
      }))
      expect(last(res).maxAge).toBeUndefined()
    })

    it('rememberMe on a fresh session with nothing set stores nothing; a non-boolean is TYPE', async () => {
      const store = makeStore()
      const m = fakeManager({ store })
      const { res } = await request(m, undefined, (s) => s.rememberMe(true))
      expect(res.set).toEqual([])
      if (store instanceof SpyStore) expect(store.count('create')).toBe(0)
      const s = await m.acquire(fakeReq(), fakeRes())
      await expect(s.rememberMe('yes' as unknown as boolean)).rejects.toSatisfy((e) => isSessionError(e, 'TYPE'))
    })
  })
}

it('cookie.persist must be a boolean (CONFIG)', () => {
  expect(() => fakeManager({ cookie: { persist: 'no' as unknown as boolean } })).toThrow(/option cookie.persist is invalid: "no"/)
})
