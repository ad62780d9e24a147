// The sealed cookie store: the sealed-store conformance suite, then its format built
// independently (HKDF from node:crypto, XChaCha20-Poly1305 from @noble/ciphers, the layout of
// src/stores/cookie.ts's module comment) in both directions, canonical base64url, the size
// limits, property tests, and the operations it cannot do.

import { hkdfSync, randomBytes } from 'node:crypto'
import { xchacha20poly1305 as nobleXChaCha } from '@noble/ciphers/chacha.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeValue, encodeValue, type Value } from '../../src/codec'
import { CookieStore, fromBase64url, toBase64url } from '../../src/stores/cookie'
import type { SealedRecord } from '../../src/stores/types'
import { expectRejectsWith, rejection } from '../helpers/async'
import { utf8 } from '../helpers/bytes'
import { SEALED_SECRETS, describeSealedStore, sampleRecord, shownFields } from './sealed-conformance'

describeSealedStore('CookieStore', () => new CookieStore())

const SECRET = SEALED_SECRETS[0]
const T0 = Date.UTC(2030, 0, 1)

/** The documented key derivation, from node:crypto; a string secret is its UTF-8 bytes. */
function reference(secret: string | Uint8Array): { key: Uint8Array; kid: Uint8Array } {
  const ikm = typeof secret === 'string' ? utf8(secret) : secret
  const derive = (label: string, n: number) => new Uint8Array(hkdfSync('sha256', ikm, utf8('simplesessions sealed cookie'), utf8(label), n))
  return { key: derive('v1 encryption key', 32), kid: derive('v1 key id', 4) }
}

/**
 * A value built by the documented format with another implementation: version | kid | nonce |
 * AEAD(plaintext). `kidOf` names the secret whose key id the header carries (the sealing one's
 * unless a test wants a value that names another key).
 */
function referenceSeal(secret: string | Uint8Array, plaintext: Uint8Array, version = 1, kidOf: string | Uint8Array = secret): string {
  const { key } = reference(secret)
  const { kid } = reference(kidOf)
  const header = Uint8Array.of(version, ...kid)
  const nonce = new Uint8Array(randomBytes(24))
  const sealed = nobleXChaCha(key, nonce, header).encrypt(plaintext)
  return Buffer.concat([header, nonce, sealed]).toString('base64url')
}

const plaintextOf = (meta: Value[], fields: Record<string, Value>) => encodeValue([meta, fields])

describe('CookieStore format', () => {
  const sealer = new CookieStore().keys([SECRET])

  it('opens a value sealed by an independent implementation of the documented format', () => {
    const value = referenceSeal(SECRET, plaintextOf([1, T0, T0 + 1000, 'the-id'], { a: encodeValue(42) }))
    const opened = sealer.open(value)
    if (typeof opened === 'string') throw new Error(opened)
    expect(opened).toMatchObject({ id: 'the-id', meta: { createdAt: T0, expiresAt: T0 + 1000 }, key: 0 })
    expect(decodeValue(opened.fields.get('a')!)).toBe(42)
  })

  it('what it seals, the independent implementation opens: version 1, the key id, the codec plaintext (metadata version 2)', () => {
    const r: SealedRecord = { id: 'abc', meta: { createdAt: T0, expiresAt: T0 + 5 }, fields: new Map([['n', encodeValue(7n)]]) }
    const b = Buffer.from(sealer.seal(r), 'base64url')
    const { key, kid } = reference(SECRET)
    expect(b[0]).toBe(1)
    expect([...b.subarray(1, 5)]).toEqual([...kid])
    const plaintext = nobleXChaCha(key, b.subarray(5, 29), b.subarray(0, 5)).decrypt(b.subarray(29))
    const [meta, fields] = decodeValue(plaintext) as [Value[], Record<string, Uint8Array>]
    expect(meta).toEqual([2, T0, T0 + 5, 'abc', null])
    expect(decodeValue(fields.n!)).toBe(7n)
  })

  it('metadata version 2 carries persist (rememberMe): sealed, opened; absent in a version 1 value', () => {
    for (const persist of [true, false]) {
      const r: SealedRecord = { id: 'abc', meta: { createdAt: T0, expiresAt: T0 + 5, persist }, fields: new Map() }
      const b = Buffer.from(sealer.seal(r), 'base64url')
      const plaintext = nobleXChaCha(reference(SECRET).key, b.subarray(5, 29), b.subarray(0, 5)).decrypt(b.subarray(29))
      expect((decodeValue(plaintext) as Value[][])[0]).toEqual([2, T0, T0 + 5, 'abc', persist])
      expect(sealer.open(sealer.seal(r))).toMatchObject({ meta: { persist } })
    }
    const v1 = sealer.open(referenceSeal(SECRET, plaintextOf([1, T0, T0 + 1000, 'x'], {})))
    if (typeof v1 === 'string') throw new Error(v1)
    expect(v1.meta).toEqual({ createdAt: T0, expiresAt: T0 + 1000 })
  })

  it('another format version is "malformed" even with a valid tag', () => {
    expect(sealer.open(referenceSeal(SECRET, plaintextOf([1, T0, T0 + 1000, 'x'], {}), 2))).toBe('malformed')
  })

  it('the metadata section grows at its end: a later metadata version with more entries still opens', () => {
    const value = referenceSeal(SECRET, plaintextOf([3, T0, T0 + 1000, 'x', true, 'more'], {}))
    expect(sealer.open(value)).toMatchObject({ id: 'x', meta: { createdAt: T0, expiresAt: T0 + 1000, persist: true } })
  })

  it('a plaintext that authenticates but is not a record is "malformed", never an exception', () => {
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.of(0xff, 0xfe),
      encodeValue('just a string'),
      plaintextOf([0, T0, T0 + 1, 'x'], {}),
      plaintextOf([1.5, T0, T0 + 1, 'x'], {}), // a metadata version is an integer...
      plaintextOf(['2', T0, T0 + 1, 'x'], {}), // ...and a number...
      plaintextOf([Infinity, T0, T0 + 1, 'x'], {}), // ...a finite one
      encodeValue([{}, {}]), // metadata that is not a list
      plaintextOf([1, T0, T0 + 1], {}),
      plaintextOf([1, T0, T0 + 1, ''], {}),
      plaintextOf([1, T0, T0 + 1, 42], {}), // an ID that is not a string
      plaintextOf([1, 'now', T0 + 1, 'x'], {}),
      plaintextOf([1, T0, 1.5, 'x'], {}),
      plaintextOf([1, T0, -Infinity, 'x'], {}), // Infinity is the one time that is not an integer
      plaintextOf([1, T0, 2 ** 53, 'x'], {}),
      plaintextOf([1, T0, T0 + 1, 'x'], { a: 42 }),
      encodeValue([[1, T0, T0 + 1, 'x'], [encodeValue(1)]]),
      encodeValue([[1, T0, T0 + 1, 'x'], null]), // fields that are not an object
      encodeValue([[1, T0, T0 + 1, 'x'], 42]),
      encodeValue([[1, T0, T0 + 1, 'x'], {}, 'extra']),
    ]
    for (const p of bad) expect(sealer.open(referenceSeal(SECRET, p))).toBe('malformed')
  })

  it('a value longer than a cookie can be is refused before it is decoded', () => {
    // 4097 characters of valid base64url carrying a valid header: refused on length alone.
    const long = referenceSeal(SECRET, plaintextOf([1, T0, T0 + 1, 'x'], { pad: new Uint8Array(3100) }))
    expect(long.length).toBeGreaterThan(4096)
    expect(sealer.open(long)).toBe('malformed')
    const fits = referenceSeal(SECRET, plaintextOf([1, T0, T0 + 1, 'x'], { pad: new Uint8Array(2900) }))
    expect(fits.length).toBeLessThanOrEqual(4096)
    expect(sealer.open(fits)).toMatchObject({ id: 'x' })
  })

  it('the size limits are inclusive: a value of exactly 4096 characters opens, the shortest frame is read', () => {
    // 4096 characters are 3072 bytes: 45 of frame and tag, 3027 of plaintext.
    const plaintext = Array.from({ length: 200 }, (_, k) => plaintextOf([1, T0, T0 + 1, 'x'], { pad: new Uint8Array(2900 + k) })).find((p) => p.length === 3027)
    if (plaintext === undefined) throw new Error('no padding gives a 3027-byte plaintext')
    const longest = referenceSeal(SECRET, plaintext)
    expect(longest.length).toBe(4096)
    expect(sealer.open(longest)).toMatchObject({ id: 'x', key: 0 })
    // The shortest frame (an empty plaintext: 45 bytes, 60 characters) under a key the store lacks
    // is authenticated, so 'signature', not refused on its length; a character less is.
    const shortest = referenceSeal(SEALED_SECRETS[2], new Uint8Array(0))
    expect(shortest.length).toBe(60)
    expect(sealer.open(shortest)).toBe('signature')
    expect(sealer.open(shortest.slice(0, 59))).toBe('malformed')
  })

  it('only the key the value names opens it: sealed with one key under another key id, it is "signature"', () => {
    const [a, b] = SEALED_SECRETS
    const plaintext = plaintextOf([1, T0, T0 + 1000, 'x'], {})
    const both = new CookieStore().keys([a, b])
    expect(both.open(referenceSeal(b, plaintext))).toMatchObject({ id: 'x', key: 1 })
    expect(both.open(referenceSeal(b, plaintext, 1, a))).toBe('signature')
  })

  it('a secret given as bytes is keyed by those bytes, not by their text', () => {
    const secret = new Uint8Array(randomBytes(32))
    const bytesSealer = new CookieStore().keys([secret])
    expect(bytesSealer.open(referenceSeal(secret, plaintextOf([1, T0, T0 + 1000, 'x'], {})))).toMatchObject({ id: 'x', key: 0 })
    const r: SealedRecord = { id: 'y', meta: { createdAt: T0, expiresAt: T0 + 5 }, fields: new Map() }
    const b = Buffer.from(bytesSealer.seal(r), 'base64url')
    expect([...b.subarray(1, 5)]).toEqual([...reference(secret).kid])
  })

  it('no secrets is CONFIG; after close, seal is CONFIG and says why', () => {
    const config = (message: string) => expect.objectContaining({ name: 'SessionError', code: 'CONFIG', message })
    expect(() => new CookieStore().keys([])).toThrow(config('option secrets is invalid: [] (a non-empty list, newest first)'))
    const closed = new CookieStore().keys([SECRET])
    closed.close()
    expect(() => closed.seal(sampleRecord())).toThrow(config('this cookie store’s keys were closed with their Manager'))
  })

  it('a non-canonical spelling of a valid value (unused low bits set) is refused', () => {
    // Find seals whose length leaves unused bits in the last character (n mod 3 != 0).
    let tried = 0
    for (let i = 0; i < 50 && tried < 6; i++) {
      const record = sampleRecord()
      record.fields.set('pad', new Uint8Array(i % 3)) // lengths that leave unused bits
      const value = sealer.seal(record)
      const rest = value.length % 4
      if (rest === 0) continue
      tried++
      const last = value.at(-1)!
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const v = alphabet.indexOf(last)
      const spare = rest === 2 ? 15 : 3
      const twin = value.slice(0, -1) + alphabet[v | spare]
      expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(value, 'base64url')) // the same bytes to a lax decoder
      expect(sealer.open(twin)).toBe('malformed')
    }
    expect(tried).toBeGreaterThan(0)
  })
})

describe('base64url', () => {
  it('matches Buffer on random bytes of every length 0-300, and round-trips', () => {
    for (let n = 0; n <= 300; n++) {
      const b = new Uint8Array(randomBytes(n))
      const s = toBase64url(b)
      expect(s).toBe(Buffer.from(b).toString('base64url'))
      expect(fromBase64url(s)).toEqual(b)
    }
  })

  it('refuses lengths of 4k + 1, padding, other alphabets and set unused bits', () => {
    // '\x7f' and '\x80' are the characters either side of ASCII's end; 'A.A' and '+AA' put a
    // character outside the alphabet where the unused-bits check does not look.
    for (const s of ['A', 'AAAAA', 'AA==', 'A+', 'A/', 'A.', 'A.A', '+AA', 'AB', 'AAB', 'é', '\u0100A', '\x7fA', '\x80A', 'AAA\x80']) expect(fromBase64url(s), s).toBeUndefined()
    expect(fromBase64url('AA')).toEqual(Uint8Array.of(0))
    expect(fromBase64url('AAA')).toEqual(Uint8Array.of(0, 0))
    expect(fromBase64url('AAAA')).toEqual(Uint8Array.of(0, 0, 0)) // zero bytes are bytes, not an error
  })
})

describe('property: seal → open', () => {
  const sealer = new CookieStore().keys([SECRET, SEALED_SECRETS[1]])
  const fieldsArb = fc.dictionary(fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 40 }), { maxKeys: 8 })
  const recordArb = fc.record({
    id: fc.string({ minLength: 1, maxLength: 40 }),
    createdAt: fc.integer({ min: 0, max: 2 ** 45 }),
    ttl: fc.integer({ min: 0, max: 2 ** 40 }),
    fields: fieldsArb,
  })

  it('round-trips any record', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const fields = new Map(Object.entries(r.fields))
        const opened = sealer.open(sealer.seal({ id: r.id, meta: { createdAt: r.createdAt, expiresAt: r.createdAt + r.ttl }, fields }))
        if (typeof opened === 'string') return false
        expect(opened.id).toBe(r.id)
        expect(opened.meta).toEqual({ createdAt: r.createdAt, expiresAt: r.createdAt + r.ttl })
        expect(shownFields(opened.fields)).toEqual(shownFields(fields))
        return true
      }),
      { numRuns: 200 },
    )
  })

  it('refuses the value after any change of any byte', () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, xor) => {
        const value = sealer.seal({ id: r.id, meta: { createdAt: r.createdAt, expiresAt: r.createdAt + r.ttl }, fields: new Map(Object.entries(r.fields)) })
        const b = Buffer.from(value, 'base64url')
        b[at % b.length]! ^= xor
        const opened = sealer.open(b.toString('base64url'))
        return opened === 'malformed' || opened === 'signature'
      }),
      { numRuns: 300 },
    )
  })
})

describe('what a sealed store cannot do', () => {
  it('looking up or revoking a session by ID rejects with UNSUPPORTED', async () => {
    const store = new CookieStore()
    await expectRejectsWith(store.destroy('some-id'), 'UNSUPPORTED')
    await expectRejectsWith(store.load('some-id'), 'UNSUPPORTED')
    // The message says what cannot be done and what to use instead.
    const revoke = (await rejection(store.destroy('some-id'))) as Error
    expect(revoke.message).toMatch(/^the cookie store cannot revoke a session by its ID: it keeps nothing on the server .*; use a server-side store \(memory, Redis\) for that$/)
    const lookUp = (await rejection(store.load('some-id'))) as Error
    expect(lookUp.message).toMatch(/^the cookie store cannot look up a session by its ID: /)
  })
})
