// src/verified.ts and its use by the Manager: a repeat of a verified cookie value skips the HMAC,
// and nothing else does. Differential against the Signer on random and tampered values; the
// entries dropped on regenerate, destroy and a session found gone; the bound; rotation and removal
// of secrets; off with verifiedCookies: 0.

import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SessionError } from '../src/errors'
import { Signer } from '../src/signing'
import { VerifiedCookies } from '../src/verified'
import { MemoryStore } from '../src/stores/memory'
import { SECRET_A, SECRET_B, fakeManager, fakeReq, fakeRes, idOf } from './manager/harness'

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('VerifiedCookies', () => {
  const signer = new Signer([SECRET_A])

  it('answers exactly what the Signer verified, and nothing for any other value', () => {
    const cache = new VerifiedCookies(100)
    const value = signer.newSignedId().value
    const v = signer.check(value)
    if (typeof v === 'string') throw new Error('a fresh value must verify')
    expect(cache.get(value)).toBeUndefined() // not added yet
    cache.add(value, v)
    expect(cache.get(value)).toEqual(v)
    // One character changed anywhere (version, separators, ID, MAC), a character added or
    // removed: never a hit.
    fc.assert(
      fc.property(fc.nat(value.length - 1), fc.constantFrom(...B64, '.', '~'), (at, ch) => {
        fc.pre(value[at] !== ch)
        const other = value.slice(0, at) + ch + value.slice(at + 1)
        expect(cache.get(other)).toBeUndefined()
        expect(cache.get(value + ch)).toBeUndefined()
        expect(cache.get(ch + value)).toBeUndefined()
      }),
    )
    expect(cache.get(value.slice(0, -1))).toBeUndefined()
    expect(cache.get('')).toBeUndefined()
    expect(cache.get(`2${value.slice(1)}`)).toBeUndefined()
  })

  it('keeps at most its bound, dropping the oldest first; 0 keeps nothing', () => {
    const cache = new VerifiedCookies(3)
    const values = Array.from({ length: 5 }, () => signer.newSignedId())
    for (const { id, value } of values) cache.add(value, { id, key: 0 })
    expect(cache.size).toBe(3)
    expect(values.map(({ value }) => cache.get(value) !== undefined)).toEqual([false, false, true, true, true])
    const off = new VerifiedCookies(0)
    off.add(values[0]!.value, { id: values[0]!.id, key: 0 })
    expect(off.size).toBe(0)
    expect(off.get(values[0]!.value)).toBeUndefined()
  })

  it('remembers which secret verified a value', () => {
    const cache = new VerifiedCookies(10)
    const { id, value } = new Signer([SECRET_B]).newSignedId()
    cache.add(value, { id, key: 1 })
    expect(cache.get(value)).toEqual({ id, key: 1 })
  })
})

describe('Manager: the verified-cookie cache', () => {
  /** Counts the Signer's verifications. */
  const spyCheck = () => vi.spyOn(Signer.prototype, 'check')

  async function stored(m: ReturnType<typeof fakeManager>): Promise<string> {
    const res = fakeRes()
    const s = await m.acquire(fakeReq(), res)
    await s.set('user', 'ada')
    await s.commit()
    return res.set[0]!.value
  }

  it('a repeat of a verified value is not verified again; a tampered one is, and fails', async () => {
    const m = fakeManager({ store: new MemoryStore() })
    const value = await stored(m)
    const check = spyCheck()
    const first = await m.acquire(fakeReq({ session: value }), fakeRes())
    expect(await first.get('user')).toBe('ada')
    expect(check).toHaveBeenCalledTimes(1) // the first sight of the value
    check.mockClear()
    const again = await m.acquire(fakeReq({ session: value }), fakeRes())
    expect(again.id).toBe(first.id)
    expect(check).toHaveBeenCalledTimes(0)
    const tampered = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.at(-1)
    const bad = await m.acquire(fakeReq({ session: tampered }), fakeRes())
    expect(check).toHaveBeenCalledTimes(1)
    expect(bad.isNew).toBe(true)
    expect(bad.id).not.toBe(first.id)
    // Failures are never remembered: the same tampered value is verified (and refused) again.
    await m.acquire(fakeReq({ session: tampered }), fakeRes())
    expect(check).toHaveBeenCalledTimes(2)
  })

  it('differs in nothing from a Manager without it, on random and mutated values', async () => {
    const store = new MemoryStore()
    const on = fakeManager({ store })
    const off = fakeManager({ store, verifiedCookies: 0 })
    const values = [await stored(on), await stored(on), await stored(off)]
    const outcome = async (m: ReturnType<typeof fakeManager>, value: string) => {
      const s = await m.acquire(fakeReq({ session: value }), fakeRes())
      return s.isNew ? 'fresh' : `${s.id}:${String(await s.get('user'))}`
    }
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...values), fc.nat(200), fc.constantFrom(...B64, '.'), fc.boolean(), async (value, at, ch, mutate) => {
        const v = mutate ? value.slice(0, at % value.length) + ch + value.slice((at % value.length) + 1) : value
        // Twice each, so the second look at a verified value is a hit.
        for (let i = 0; i < 2; i++) expect(await outcome(on, v)).toBe(await outcome(off, v))
      }),
      { numRuns: 300 },
    )
  })

  it('forgets an ID on regenerate, destroy, and when its session is found gone', async () => {
    const store = new MemoryStore()
    const m = fakeManager({ store })
    const check = spyCheck()
    const hit = async (value: string) => {
      check.mockClear()
      await m.acquire(fakeReq({ session: value }), fakeRes())
      return check.mock.calls.length === 0
    }

    const a = await stored(m)
    await m.acquire(fakeReq({ session: a }), fakeRes())
    expect(await hit(a)).toBe(true)
    const s = await m.acquire(fakeReq({ session: a }), fakeRes())
    await s.regenerate()
    expect(await hit(a)).toBe(false)

    const b = await stored(m)
    await m.acquire(fakeReq({ session: b }), fakeRes())
    await (await m.acquire(fakeReq({ session: b }), fakeRes())).destroy()
    expect(await hit(b)).toBe(false)

    const c = await stored(m)
    await m.acquire(fakeReq({ session: c }), fakeRes())
    await store.destroy(idOf(c)) // gone behind the Manager's back (another process, eviction)
    check.mockClear()
    const gone = await m.acquire(fakeReq({ session: c }), fakeRes())
    expect(check).toHaveBeenCalledTimes(0)
    expect(await gone.get('user')).toBeUndefined()
    expect(await hit(c)).toBe(false)

    // Loaded, then destroyed elsewhere before this request commits: the refused commit forgets it.
    const d = await stored(m)
    const late = await m.acquire(fakeReq({ session: d }), fakeRes())
    expect(await late.get('user')).toBe('ada')
    expect(await hit(d)).toBe(true)
    await store.destroy(idOf(d))
    await late.set('user', 'eve')
    await late.commit()
    expect(late.id).not.toBe(idOf(d))
    expect(await hit(d)).toBe(false)
  })

  it('a cookie of an older secret is re-signed on every response until the client has the new one, cached or not', async () => {
    const store = new MemoryStore()
    const old = fakeManager({ store, secrets: [SECRET_A] })
    const value = await stored(old)
    const rotated = fakeManager({ store, secrets: [SECRET_B, SECRET_A] })
    for (let i = 0; i < 3; i++) {
      const res = fakeRes()
      const s = await rotated.acquire(fakeReq({ session: value }), res)
      expect(await s.get('user')).toBe('ada')
      await s.commit()
      expect(res.set).toHaveLength(1)
      expect(res.set[0]!.value).not.toBe(value)
      expect(idOf(res.set[0]!.value)).toBe(idOf(value))
    }
  })

  it('belongs to its Manager: a secret removed means a new Manager, which refuses the old value', async () => {
    const store = new MemoryStore()
    const old = fakeManager({ store, secrets: [SECRET_A] })
    const value = await stored(old)
    await old.acquire(fakeReq({ session: value }), fakeRes()) // cached in `old`
    const reasons: string[] = []
    const removed = fakeManager({ store, secrets: [SECRET_B], onInvalidCookie: (e) => reasons.push(e.reason) })
    const s = await removed.acquire(fakeReq({ session: value }), fakeRes())
    expect(s.isNew).toBe(true)
    expect(reasons).toEqual(['signature'])
  })

  it('after close(), a value verified before is refused like any other (CONFIG: the Signer is closed)', async () => {
    const m = fakeManager({ store: new MemoryStore() })
    const value = await stored(m)
    await m.acquire(fakeReq({ session: value }), fakeRes())
    await m.close()
    await expect(m.acquire(fakeReq({ session: value }), fakeRes())).rejects.toThrow(/closed/)
  })

  it('verifiedCookies: 0 verifies every time; a bad bound is CONFIG', async () => {
    const m = fakeManager({ store: new MemoryStore(), verifiedCookies: 0 })
    const value = await stored(m)
    const check = spyCheck()
    for (let i = 0; i < 3; i++) await m.acquire(fakeReq({ session: value }), fakeRes())
    expect(check).toHaveBeenCalledTimes(3)
    for (const bad of [-1, 1.5, NaN, 2 ** 24 + 1, '10' as unknown as number]) {
      expect(() => fakeManager({ verifiedCookies: bad })).toThrow(SessionError)
      expect(() => fakeManager({ verifiedCookies: bad })).toThrow(/^option verifiedCookies is invalid/)
    }
  })
})
