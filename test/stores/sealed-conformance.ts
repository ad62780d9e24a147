// The conformance suite of the other kind of store, a sealed store (src/stores/types.ts, "the
// other kind"): the Sealer contract as tests. A sealed store's test file calls
//
//   describeSealedStore('CookieStore', () => new CookieStore())
//
// Shared with describeStore (./conformance.ts), in the sealed form: what is sealed opens to the
// same metadata and fields (binary-safe, awkward names, no fields at all); what open returns is
// the caller's (fresh Maps and arrays each time); a value for another ID, or none, opens to
// nothing (here: a wrong key, a changed byte, a truncation).
//
// Exempt, because the record lives on the client, not in a store (the README says so too):
//   - create's "never overwrites" and the ID collision retry: there is no shared namespace of IDs;
//   - commit's and regenerate's guard ("applied only if the session still exists", no
//     resurrection after destroy, 'gone'/'taken'): the client keeps whichever cookie arrives last,
//     and a copy of an old cookie opens until the expiry sealed in it;
//   - concurrent commits that keep both writes: two responses each carry a whole record;
//   - destroy and expiry by the store, touch, getMulti, close: there is nothing on the server to
//     remove, move or read; expiry is checked by the Session from the sealed timestamps
//     (test/manager/cookie-store.test.ts), and revoking or looking up a session by ID rejects
//     with 'UNSUPPORTED';
//   - the owner index (listSessions, destroySessions, handles): nothing on the server to index;
//     the Manager rejects both with 'UNSUPPORTED' (test/manager/owners.test.ts). Of the optional
//     metadata only `persist` (rememberMe) is sealed: an owner travels as the field it is.
// Added for the sealed kind: a fresh nonce for every seal, key rotation (the newest seals, all
// open, and open says which), and every tampering refused without an exception.

import { describe, expect, it } from 'vitest'
import type { SealedRecord, SealedStore, Sealer } from '../../src/stores/types'
import { patternBytes, utf8 } from '../helpers/bytes'
import { ALL_BYTES, AWKWARD_NAMES, newId } from './conformance'

export const SEALED_SECRETS = [
  'sealed-conformance-secret-0-0123456789abcdef',
  'sealed-conformance-secret-1-0123456789abcdef',
  'sealed-conformance-secret-2-0123456789abcdef',
] as const

const HOUR = 3_600_000
const T0 = Date.UTC(2030, 0, 1)

/** A record with every kind of value under awkward names. */
export function sampleRecord(): SealedRecord {
  const fields = new Map<string, Uint8Array>([
    ['all-bytes', ALL_BYTES.slice()],
    ['empty', new Uint8Array(0)],
    ['pattern', patternBytes(700, 3)],
    ['utf8', utf8('{"名前":"値"}')],
  ])
  AWKWARD_NAMES.forEach((name, i) => fields.set(name, Uint8Array.of(i, 255 - i)))
  return { id: newId(), meta: { createdAt: T0, expiresAt: T0 + HOUR }, fields }
}

/** Fields as sorted [name, bytes as an array] pairs, comparable with toEqual. */
export const shownFields = (m: ReadonlyMap<string, Uint8Array>): [string, number[]][] =>
  [...m].map(([k, v]): [string, number[]] => [k, [...v]]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** `value` with the character at `i` replaced by another base64url character. */
export function alter(value: string, i: number): string {
  const c = value[i] === 'A' ? 'B' : 'A'
  return value.slice(0, i) + c + value.slice(i + 1)
}

export function describeSealedStore(name: string, make: () => SealedStore): void {
  describe(`sealed store conformance: ${name}`, () => {
    const keys = (...secrets: string[]): Sealer => make().keys(secrets.length ? secrets : [SEALED_SECRETS[0]])

    it('is a sealed store: kind "sealed" and keys()', () => {
      const store = make()
      expect(store.kind).toBe('sealed')
      expect(typeof store.keys).toBe('function')
    })

    describe('seal and open', () => {
      it('open returns what seal was given: ID, metadata and fields, binary-safe, awkward names', () => {
        const s = keys()
        const r = sampleRecord()
        const opened = s.open(s.seal(r))
        expect(typeof opened).toBe('object')
        if (typeof opened === 'string') return
        expect(opened.id).toBe(r.id)
        expect(opened.meta).toEqual(r.meta)
        expect(opened.key).toBe(0)
        expect(shownFields(opened.fields)).toEqual(shownFields(r.fields))
      })

      it('the per-session cookie lifetime (persist) round-trips; a record without it opens without it', () => {
        const s = keys()
        for (const persist of [true, false]) {
          const meta = { createdAt: T0, expiresAt: T0 + HOUR, persist }
          expect(s.open(s.seal({ id: 'x', meta, fields: new Map() }))).toMatchObject({ meta })
        }
        const opened = s.open(s.seal({ id: 'x', meta: { createdAt: T0, expiresAt: T0 + HOUR }, fields: new Map() }))
        expect((opened as { meta: object }).meta).toStrictEqual({ createdAt: T0, expiresAt: T0 + HOUR })
      })

      it('a record without fields opens to no fields; Infinity as an expiry survives', () => {
        const s = keys()
        const opened = s.open(s.seal({ id: 'x', meta: { createdAt: T0, expiresAt: Infinity }, fields: new Map() }))
        expect(opened).toMatchObject({ id: 'x', meta: { createdAt: T0, expiresAt: Infinity }, key: 0 })
        expect((opened as { fields: Map<string, Uint8Array> }).fields.size).toBe(0)
      })

      it('a value is a cookie-octet string, and sealing the same record twice gives two values (fresh nonce)', () => {
        const s = keys()
        const r = sampleRecord()
        const a = s.seal(r)
        const b = s.seal(r)
        expect(a).toMatch(/^[A-Za-z0-9_-]+$/)
        expect(a).not.toBe(b)
        expect(s.open(b)).toMatchObject({ id: r.id })
      })

      it('what open returns is the caller’s: mutating it changes what a second open returns not at all', () => {
        const s = keys()
        const r = sampleRecord()
        const value = s.seal(r)
        r.fields.get('all-bytes')![0] = 99 // and what seal was given is not kept either
        const first = s.open(value)
        if (typeof first === 'string') throw new Error(first)
        first.fields.get('all-bytes')![1] = 77
        first.fields.delete('utf8')
        first.meta.createdAt = 1
        const second = s.open(value)
        if (typeof second === 'string') throw new Error(second)
        expect([...second.fields.get('all-bytes')!.subarray(0, 2)]).toEqual([0, 1])
        expect(second.fields.has('utf8')).toBe(true)
        expect(second.meta.createdAt).toBe(T0)
      })
    })

    describe('keys and rotation', () => {
      it('the newest secret seals and every secret opens; open says which one did', () => {
        const [a, b, c] = SEALED_SECRETS
        const r = sampleRecord()
        const byB = keys(b).seal(r)
        const byC = keys(c).seal(r)
        const rotated = keys(a, b, c)
        expect(rotated.open(byB)).toMatchObject({ id: r.id, key: 1 })
        expect(rotated.open(byC)).toMatchObject({ id: r.id, key: 2 })
        // What the rotated keys seal, the newest secret alone opens.
        expect(keys(a).open(rotated.seal(r))).toMatchObject({ id: r.id, key: 0 })
        expect(keys(b).open(rotated.seal(r))).toBe('signature')
      })

      it('a value sealed under secrets the keys lack opens to "signature"', () => {
        const [a, b] = SEALED_SECRETS
        expect(keys(a).open(keys(b).seal(sampleRecord()))).toBe('signature')
      })

      it('adding a secret in front keeps old values opening (the key id is derived, not a position)', () => {
        const [a, b, c] = SEALED_SECRETS
        const r = sampleRecord()
        const value = keys(b, c).seal(r)
        expect(keys(a, b, c).open(value)).toMatchObject({ key: 1 })
      })

      it('after close, seal throws and nothing opens', () => {
        const s = keys()
        const value = s.seal(sampleRecord())
        s.close()
        expect(() => s.seal(sampleRecord())).toThrow()
        expect(s.open(value)).not.toMatchObject({ id: expect.any(String) })
      })
    })

    describe('what a client sends: never an exception, never a record it changed', () => {
      const s = keys()
      const value = s.seal({ id: 'victim', meta: { createdAt: T0, expiresAt: T0 + HOUR }, fields: new Map([['role', utf8('user')]]) })

      it('every single-character change is refused', () => {
        for (let i = 0; i < value.length; i++) {
          const r = s.open(alter(value, i))
          expect(r === 'malformed' || r === 'signature', `changed at ${i}: ${String(r)}`).toBe(true)
        }
      })

      it('every truncation, and the value with characters added, is refused', () => {
        for (let n = 0; n < value.length; n++) expect(typeof s.open(value.slice(0, n)), `first ${n}`).toBe('string')
        for (const extra of ['A', 'AA', 'AAA', 'AAAA', '.', '=']) expect(typeof s.open(value + extra), extra).toBe('string')
      })

      it('strings that are not sealed values are "malformed": empty, other alphabets, padding, signed IDs, huge', () => {
        for (const v of ['', 'x', '====', `${value}=`, `${value.slice(0, 5)}+${value.slice(6)}`, `${value.slice(0, 5)}/${value.slice(6)}`, `1.${'A'.repeat(32)}.${'B'.repeat(43)}`, 'é'.repeat(200), 'A'.repeat(10 * 1024 * 1024)]) {
          expect(s.open(v), v.slice(0, 40)).toBe('malformed')
        }
        expect(s.open(undefined as unknown as string)).toBe('malformed')
      })
    })
  })
}
