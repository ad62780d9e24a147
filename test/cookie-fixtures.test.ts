// The cookie values that released versions wrote still work: every signed-cookie-<release>.json
// and sealed-cookie-<release>.json under test/fixtures (made once per release by
// make-cookie-fixtures.mjs, never regenerated) is read by the current code as that release meant
// it, and the current code still writes the same bytes where the format is deterministic (all of
// a signed value; all of a sealed value but its random nonce). Each format is also checked
// against an independent implementation of its documented layout (node:crypto's HMAC and HKDF,
// @noble/ciphers' XChaCha20-Poly1305), so a fixture cannot pass merely because reader and writer
// changed together. The policy: docs/versioning.md. The codec's fixtures have their own suite
// (test/codec.test.ts).

import { createHmac, hkdfSync } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { xchacha20poly1305 as nobleXChaCha } from '@noble/ciphers/chacha.js'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeValue, encodeValue, type Value } from '../src/codec'
import type { CookieAttributes } from '../src/cookie'
import { Manager, type ManagerOptions } from '../src/manager'
import { Signer, type Secret, type SignerOptions } from '../src/signing'
import { CookieStore } from '../src/stores/cookie'
import { MemoryStore } from '../src/stores/memory'
import { fromTyped, type Typed } from './codec-reference'
import { expectSame } from './helpers/codec'

type FixtureSecret = string | { hex: string }

interface SignedFixture {
  name: string
  secrets: FixtureSecret[]
  options?: SignerOptions
  id: string
  key: number
  value: string
}

interface SealedFixture {
  name: string
  secrets: FixtureSecret[]
  key: number
  id: string
  meta: { createdAt: number; expiresAt: number; persist?: boolean }
  fields: { name: string; value: Typed; hex: string }[]
  value: string
}

interface FixtureFile<T> {
  path: string
  release: string
  format: number
  metaVersion?: number
  values: T[]
}

const dir = new URL('./fixtures/', import.meta.url)

/** Every fixture file of one kind, oldest release first. */
function files<T>(kind: 'signed-cookie' | 'sealed-cookie'): FixtureFile<T>[] {
  const names = readdirSync(dir).filter((f) => f.startsWith(`${kind}-`) && f.endsWith('.json'))
  return names.sort().map((path) => ({ path, ...(JSON.parse(readFileSync(new URL(path, dir), 'utf8')) as Omit<FixtureFile<T>, 'path'>) }))
}

const secretOf = (s: FixtureSecret): Secret => (typeof s === 'string' ? s : new Uint8Array(Buffer.from(s.hex, 'hex')))
const bytesOf = (s: FixtureSecret): Uint8Array => {
  const v = secretOf(s)
  return typeof v === 'string' ? new TextEncoder().encode(v) : v
}
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))

const managers: Manager[] = []
afterAll(async () => {
  for (const m of managers.splice(0)) await m.close()
})

/** A Manager whose request is the cookie value, and whose response collects Set-Cookie. */
function manager(options: Omit<ManagerOptions<string, CookieAttributes[]>, 'getCookie' | 'setCookie'>): Manager<any, string, CookieAttributes[]> {
  const m = new Manager<any, string, CookieAttributes[]>({ ...options, getCookie: (_name, req) => req, setCookie: (c, res) => void res.push(c) })
  managers.push(m)
  return m
}

const signedFiles = files<SignedFixture>('signed-cookie')
const sealedFiles = files<SealedFixture>('sealed-cookie')

it('there are fixtures of each cookie format', () => {
  expect(signedFiles.length).toBeGreaterThan(0)
  expect(sealedFiles.length).toBeGreaterThan(0)
})

for (const file of signedFiles) {
  describe(`signed cookie values of ${file.release} (${file.path})`, () => {
    it('is format 1', () => expect(file.format).toBe(1))

    it.each(file.values)('$name: verifies as its ID with its key index', (f) => {
      const signer = new Signer(f.secrets.map(secretOf), f.options ?? {})
      try {
        expect(signer.check(f.value)).toEqual({ id: f.id, key: f.key })
      } finally {
        signer.close()
      }
    })

    it.each(file.values)('$name: signing its ID again gives the same value', (f) => {
      const signer = new Signer([secretOf(f.secrets[f.key]!)], f.options ?? {})
      try {
        expect(signer.sign(f.id)).toBe(f.value)
      } finally {
        signer.close()
      }
    })

    it.each(file.values)('$name: is "1." <id> "." base64url(HMAC-SHA256(secret, "1." <id>)) (node:crypto)', (f) => {
      const mac = createHmac('sha256', bytesOf(f.secrets[f.key]!)).update(`1.${f.id}`).digest('base64url')
      expect(f.value).toBe(`1.${f.id}.${mac}`)
    })

    it.each(file.values)('$name: a Manager configured alike accepts it as that session', async (f) => {
      const loose = f.options?.strictAlphabet === false
      const m = manager({
        store: new MemoryStore(),
        secrets: f.secrets.map(secretOf),
        ...(loose ? { generateId: () => f.id } : { idLength: f.options?.idLength ?? 32 }),
        onInvalidCookie: (e) => expect.fail(`rejected: ${e.reason}`),
      })
      const sess = await m.acquire(f.value, [])
      expect(sess.id).toBe(f.id)
    })
  })
}

for (const file of sealedFiles) {
  describe(`sealed cookie values of ${file.release} (${file.path})`, () => {
    it('is format 1 with metadata version 2', () => {
      expect(file.format).toBe(1)
      expect(file.metaVersion).toBe(2)
    })

    const store = new CookieStore()

    it.each(file.values)('$name: opens with its key index to its ID, metadata and field bytes', (f) => {
      const sealer = store.keys(f.secrets.map(secretOf))
      try {
        const opened = sealer.open(f.value)
        if (typeof opened === 'string') throw new Error(`did not open: ${opened}`)
        expect(opened.id).toBe(f.id)
        expect(opened.key).toBe(f.key)
        expect(opened.meta).toEqual(f.meta)
        expect(Object.fromEntries([...opened.fields].map(([k, b]) => [k, Buffer.from(b).toString('hex')]))).toEqual(Object.fromEntries(f.fields.map((x) => [x.name, x.hex])))
      } finally {
        sealer.close()
      }
    })

    it.each(file.values)('$name: its field bytes decode to its values, and the values encode to those bytes', (f) => {
      for (const field of f.fields) {
        const v = fromTyped(field.value)
        expectSame(decodeValue(unhex(field.hex)), v)
        expect(Buffer.from(encodeValue(v)).toString('hex')).toBe(field.hex)
      }
    })

    /** The documented layout, by another implementation: version | key id | nonce | AEAD(codec plaintext). */
    function reference(f: SealedFixture, value: string): { header: Buffer; plaintext: Uint8Array } {
      const secret = bytesOf(f.secrets[f.key]!)
      const derive = (label: string, n: number) => new Uint8Array(hkdfSync('sha256', secret, 'simplesessions sealed cookie', label, n))
      const b = Buffer.from(value, 'base64url')
      expect(b.toString('base64url')).toBe(value) // canonical base64url, no padding
      const header = b.subarray(0, 5)
      expect(header[0]).toBe(1)
      expect([...header.subarray(1)]).toEqual([...derive('v1 key id', 4)])
      const plaintext = nobleXChaCha(derive('v1 encryption key', 32), b.subarray(5, 29), header).decrypt(b.subarray(29))
      return { header, plaintext }
    }

    /** The plaintext the format prescribes for a fixture's record: [[2, createdAt, expiresAt, id, persist], fields]. */
    function plaintextOf(f: SealedFixture): Uint8Array {
      const fields = Object.create(null) as Record<string, Value>
      for (const x of f.fields) fields[x.name] = unhex(x.hex)
      return encodeValue([[2, f.meta.createdAt, f.meta.expiresAt, f.id, f.meta.persist ?? null], fields])
    }

    it.each(file.values)('$name: is the documented layout, and its plaintext is what the current code encodes for the record', (f) => {
      expect(Buffer.from(reference(f, f.value).plaintext).toString('hex')).toBe(Buffer.from(plaintextOf(f)).toString('hex'))
    })

    it.each(file.values)('$name: sealing the record again writes the same bytes but the nonce', (f) => {
      const sealer = store.keys([secretOf(f.secrets[f.key]!)])
      try {
        const fields = new Map(f.fields.map((x) => [x.name, unhex(x.hex)]))
        const again = sealer.seal({ id: f.id, meta: { ...f.meta }, fields })
        expect(again.length).toBe(f.value.length)
        const [was, now] = [reference(f, f.value), reference(f, again)]
        expect(now.header.equals(was.header)).toBe(true)
        expect(Buffer.from(now.plaintext).equals(Buffer.from(was.plaintext))).toBe(true)
      } finally {
        sealer.close()
      }
    })

    it.each(file.values)('$name: a Manager with these secrets serves it as the session, re-sealed when an older key opened it', async (f) => {
      const m = manager({
        store: new CookieStore(),
        secrets: f.secrets.map(secretOf),
        now: () => f.meta.createdAt + 1000,
        onInvalidCookie: (e) => expect.fail(`rejected: ${e.reason}`),
      })
      const sent: CookieAttributes[] = []
      const sess = await m.acquire(f.value, sent)
      expect(sess.id).toBe(f.id)
      expect(Object.keys(await sess.getAll()).sort()).toEqual(f.fields.map((x) => x.name).sort())
      for (const x of f.fields) expectSame(await sess.get(x.name), fromTyped(x.value))
      await sess.commit()
      if (f.key === 0) {
        expect(sent).toEqual([])
      } else {
        expect(sent).toHaveLength(1)
        const sealer = store.keys(f.secrets.map(secretOf))
        try {
          expect(sealer.open(sent[0]!.value)).toMatchObject({ id: f.id, key: 0 })
        } finally {
          sealer.close()
        }
      }
    })
  })
}
