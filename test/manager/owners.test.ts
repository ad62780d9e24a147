// "Log out everywhere": the Manager's ownerKey, session.handle, listSessions and
// destroySessions, in process on the memory store (the stores' own index is the conformance
// suite's), and what they refuse: a bad owner (TYPE), no ownerKey (CONFIG), a store without an
// owner index — the sealed cookie store — (UNSUPPORTED).

import { afterEach, describe, expect, it } from 'vitest'
import { isSessionError } from '../../src/errors'
import { CookieStore } from '../../src/stores/cookie'
import type { Session } from '../../src/session'
import { SpyStore, closeManagers, fakeManager, fakeReq, fakeRes, idOf, type FakeManager, type FakeRes } from './harness'

afterEach(async () => {
  await closeManagers()
})

const code = (c: string) => (e: unknown) => isSessionError(e, c as never)

/** A signed-in client of `user`: its cookie (the session committed with userId = user). */
async function login(m: FakeManager, user: string | number): Promise<string> {
  const res = fakeRes()
  const s = await m.acquire(fakeReq(), res)
  await s.set('userId', user)
  await s.commit()
  return res.set.at(-1)!.value
}

/** The Session of a client's next request (not yet read). */
const session = (m: FakeManager, cookie: string, res: FakeRes = fakeRes()): Promise<Session> => m.acquire(fakeReq({ session: cookie }), res)

describe('ownerKey', () => {
  it('must name a field (CONFIG)', () => {
    expect(() => fakeManager({ ownerKey: '' })).toThrow(/^option ownerKey is invalid: "" \(the name of a session field\)$/)
    expect(() => fakeManager({ ownerKey: 1 as unknown as string })).toThrow(/^option ownerKey is invalid: 1 /)
  })

  it('the owner field takes non-empty strings and safe integers only (TYPE at set, nothing buffered)', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const s = await m.acquire(fakeReq(), fakeRes())
    // The message names what was given: "" for an empty string, the number, else its type.
    const shown = (bad: unknown) => (bad === '' ? '""' : typeof bad === 'number' ? String(bad) : typeof bad)
    for (const bad of ['', 1.5, 2 ** 53, NaN, 10n, true, null, ['a'], { id: 1 }, new Date()]) {
      await expect(s.set('userId', bad as never)).rejects.toThrow(new RegExp(`^a session owner must be a non-empty string or a safe integer, got ${shown(bad).replace('.', '\\.')}$`))
      await expect(s.set('userId', bad as never)).rejects.toSatisfy(code('TYPE'))
      await expect(s.setMulti({ other: 1, userId: bad as never })).rejects.toSatisfy(code('TYPE'))
    }
    expect(await s.getAll()).toEqual({})
    await s.set('userId', -(2 ** 53 - 1))
    await s.set('userId', 'ada')
    // Other fields take any value, as before.
    await s.set('other', '')
  })

  it('without ownerKey nothing new reaches the store: no owner, no handle', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store })
    const cookie = await login(m, 'ada')
    const s = await session(m, cookie)
    await s.set('x', 1)
    await s.regenerate()
    await s.commit()
    expect(s.handle).toBeUndefined()
    for (const b of store.batches) expect(Object.keys(b).filter((k) => ['owner', 'handle', 'persist'].includes(k))).toEqual([])
  })

  it('a commit sends the owner only when it changes (set, delete, clear), with a handle once', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store, ownerKey: 'userId' })
    const cookie = await login(m, 42)
    expect(store.batches[0]).toMatchObject({ owner: '42', handle: expect.any(String) })
    let s = await session(m, cookie)
    await s.set('x', 1)
    await s.commit()
    expect(store.batches.at(-1)).not.toHaveProperty('owner')
    s = await session(m, cookie)
    await s.delete('userId')
    await s.commit()
    expect(store.batches.at(-1)).toMatchObject({ owner: null })
    s = await session(m, cookie)
    await s.set('userId', 'grace')
    await s.commit()
    expect(store.batches.at(-1)).toMatchObject({ owner: 'grace' })
    expect(store.batches.at(-1)).not.toHaveProperty('handle') // it has one
    s = await session(m, cookie)
    await s.clear()
    await s.commit()
    expect(store.batches.at(-1)).toMatchObject({ owner: null })
    expect(await m.listSessions('grace')).toEqual([])
  })
})

describe('listSessions and session.handle', () => {
  it('lists the owner’s live sessions by handle (not the ID); 42 and "42" are one owner', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const phone = await login(m, 42)
    const laptop = await login(m, '42')
    await login(m, 7)
    const list = await m.listSessions(42)
    expect(list).toHaveLength(2)
    const s = await session(m, phone)
    expect(s.handle).toBeUndefined() // not read yet
    await s.get('userId')
    expect(list.map((x) => x.handle)).toContain(s.handle)
    for (const x of list) {
      expect(x.handle).toMatch(/^[A-Za-z0-9_-]{16}$/)
      expect([idOf(phone), idOf(laptop)]).not.toContain(x.handle)
      expect(x.expiresAt).toBeGreaterThan(x.createdAt)
    }
    expect(await m.listSessions('42')).toEqual(list)
  })

  it('the handle is stable across regenerate, and comes with the session’s own commit at login', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('userId', 'ada')
    await s.commit()
    const handle = s.handle
    expect(handle).toBeDefined()
    const id = s.id
    await s.regenerate()
    expect(s.id).not.toBe(id)
    expect(s.handle).toBe(handle)
    const next = await session(m, res.set.at(-1)!.value)
    await next.load()
    expect(next.handle).toBe(handle)
    expect((await m.listSessions('ada')).map((x) => x.handle)).toEqual([handle])
  })

  it('a login by regenerate of an anonymous session gets an owner and a handle', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const res = fakeRes()
    const anon = await m.acquire(fakeReq(), res)
    await anon.set('cart', 3)
    await anon.commit()
    const s = await session(m, res.set.at(-1)!.value, res)
    await s.set('userId', 'ada')
    await s.regenerate()
    expect(s.handle).toBeDefined()
    expect((await m.listSessions('ada')).map((x) => x.handle)).toEqual([s.handle])
  })
})

describe('destroySessions', () => {
  it('except: every session of the owner but the current one ends; their next request is a fresh session', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const current = await login(m, 'ada')
    const others = [await login(m, 'ada'), await login(m, 'ada')]
    const bob = await login(m, 'bob')
    const s = await session(m, current) // not read yet: destroySessions reads it for its handle
    expect(await m.destroySessions('ada', { except: s })).toBe(2)
    expect(await s.get('userId')).toBe('ada')
    for (const cookie of others) {
      const res = fakeRes()
      const o = await session(m, cookie, res)
      expect(await o.get('userId')).toBeUndefined()
      expect(o.isNew).toBe(true)
    }
    expect(await (await session(m, bob)).get('userId')).toBe('bob')
    expect((await m.listSessions('ada')).map((x) => x.handle)).toEqual([s.handle])
  })

  it('only: the sessions with these handles ("sign out this device"); all: every one', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const a = await login(m, 'ada')
    const b = await login(m, 'ada')
    const sb = await session(m, b)
    await sb.load()
    expect(await m.destroySessions('ada', { only: [sb.handle!] })).toBe(1)
    expect(await (await session(m, b)).get('userId')).toBeUndefined()
    expect(await (await session(m, a)).get('userId')).toBe('ada')
    expect(await m.destroySessions('ada')).toBe(1)
    expect(await (await session(m, a)).get('userId')).toBeUndefined()
  })

  it('a request of a destroyed session that is in flight cannot bring it back', async () => {
    const m = fakeManager({ store: new SpyStore(), ownerKey: 'userId' })
    const cookie = await login(m, 'ada')
    const res = fakeRes()
    const inflight = await session(m, cookie, res)
    expect(await inflight.get('userId')).toBe('ada') // read before the logout
    expect(await m.destroySessions('ada')).toBe(1)
    await inflight.set('late', 1)
    await inflight.commit() // finds the session gone: writes nothing, removes the cookie
    expect(res.set.at(-1)).toMatchObject({ value: '', maxAge: 0 })
    expect(await m.listSessions('ada')).toEqual([])
    expect(await (await session(m, cookie)).get('late')).toBeUndefined()
  })

  it('refuses a bad owner or bad options (TYPE), before any store call', async () => {
    const store = new SpyStore()
    const m = fakeManager({ store, ownerKey: 'userId' })
    for (const owner of ['', 1.5, null, undefined, {}]) {
      await expect(m.listSessions(owner as never)).rejects.toSatisfy(code('TYPE'))
      await expect(m.destroySessions(owner as never)).rejects.toSatisfy(code('TYPE'))
    }
    await expect(m.destroySessions('ada', { except: {} as never })).rejects.toSatisfy(code('TYPE'))
    await expect(m.destroySessions('ada', { only: 'h' as never })).rejects.toSatisfy(code('TYPE'))
    await expect(m.destroySessions('ada', { only: [1] as never })).rejects.toSatisfy(code('TYPE'))
    await expect(m.destroySessions('ada', null as never)).rejects.toSatisfy(code('TYPE'))
    expect(store.count('listSessions') + store.count('destroySessions')).toBe(0)
  })
})

describe('where there is no owner index', () => {
  it('without ownerKey: CONFIG (nothing was indexed, so a listing would be silently empty)', async () => {
    const m = fakeManager({ store: new SpyStore() })
    await expect(m.listSessions('ada')).rejects.toSatisfy(code('CONFIG'))
    await expect(m.destroySessions('ada')).rejects.toSatisfy(code('CONFIG'))
  })

  it('the sealed cookie store: UNSUPPORTED (it keeps nothing on the server); sessions still work, without a handle', async () => {
    const m = fakeManager({ store: new CookieStore(), ownerKey: 'userId' })
    const cookie = await login(m, 'ada')
    const s = await session(m, cookie)
    expect(await s.get('userId')).toBe('ada')
    expect(s.handle).toBeUndefined()
    await expect(m.listSessions('ada')).rejects.toSatisfy(code('UNSUPPORTED'))
    await expect(m.destroySessions('ada', { except: s })).rejects.toSatisfy(code('UNSUPPORTED'))
  })

  it('a store without listSessions/destroySessions: UNSUPPORTED', async () => {
    const inner = new SpyStore()
    const store = { create: inner.create.bind(inner), load: inner.load.bind(inner), commit: inner.commit.bind(inner), touch: inner.touch.bind(inner), regenerate: inner.regenerate.bind(inner), destroy: inner.destroy.bind(inner) }
    const m = fakeManager({ store, ownerKey: 'userId' })
    await expect(m.listSessions('ada')).rejects.toSatisfy(code('UNSUPPORTED'))
    inner.close()
  })
})
