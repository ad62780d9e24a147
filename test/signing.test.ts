// Signed cookie values ("1.<id>.<mac>") and key rotation through Signer: the exact format
// against node:crypto, rotation, every single-character change and every other malformation
// rejected, secrets validated at construction, and key slots released by close().

import { createHash, createHmac, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { SessionError } from '../src/errors'
import { generateId, isValidId } from '../src/id'
import { Signer, type Secret, type SignerOptions } from '../src/signing'
import { core } from '../src/wasm/index'
import { patternBytes } from './helpers/bytes'

const B64URL = /^[A-Za-z0-9_-]+$/
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Every Signer a test makes is closed after it, so slot counts stay exact between tests. */
const open: Signer[] = []
function signer(secrets: readonly Secret[], options?: SignerOptions): Signer {
  const s = options === undefined ? new Signer(secrets) : new Signer(secrets, options)
  open.push(s)
  return s
}
afterEach(() => {
  for (const s of open.splice(0)) s.close()
})

const k0 = 'k0-' + 'a'.repeat(40)
const k1 = patternBytes(32, 1) // a Uint8Array secret
const k2 = 'k2: a passphrase of well over thirty-two bytes ✓'

const macOf = (secret: Secret, payload: string): string => createHmac('sha256', secret).update(payload).digest('base64url')

function expectSessionError(fn: () => unknown, code: string, message?: RegExp): SessionError {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(SessionError)
  const err = caught as SessionError
  expect(err.code).toBe(code)
  if (message) expect(err.message).toMatch(message)
  return err
}

/** Where `pattern` occurs in WASM memory, or -1. */
const memIndexOf = (pattern: Uint8Array): number => Buffer.from(core.mem().buffer).indexOf(pattern)

/**
 * The inner and outer states a key leaves in a key slot (the precomputed HMAC key), found by
 * diffing memory around a raw setKey into a spare slot. Keys of at most 64 bytes only (a longer
 * key is hashed first, which touches more memory).
 */
function slotStateOf(key: Uint8Array): Buffer {
  const slot = 220 // no signer of this file holds 220 slots except the exhaustion test, which closes them
  core.setKey(slot, new Uint8Array(32).fill(0x5a)) // the slot non-zero, IO and scratch already wiped
  const before = core.mem().slice()
  core.setKey(slot, key)
  const after = core.mem()
  let first = -1
  let last = -1
  for (let i = 0; i < after.length; i++) {
    if (after[i] !== before[i]) {
      if (first < 0) first = i
      last = i
    }
  }
  const state = Buffer.from(after.subarray(first, last + 1))
  core.clearKey(slot)
  expect(last - first, 'one slot (64 bytes) changed').toBeGreaterThanOrEqual(48)
  expect(last - first).toBeLessThan(64)
  return state
}

/**
 * Where the secret, or for a secret longer than a block its SHA-256 (the key HMAC actually uses),
 * can be found in WASM memory: 16-byte windows of the secret (all of them, or a sample plus the
 * tail for a big one), and the hash as bytes and as native-endian words.
 */
function traces(secret: Uint8Array): string[] {
  const found: string[] = []
  const step = secret.length > 1024 ? 997 : 4
  const starts = new Set<number>()
  for (let i = 0; i + 16 <= secret.length; i += step) starts.add(i)
  starts.add(Math.max(0, secret.length - 16))
  for (const i of starts) {
    const at = memIndexOf(secret.subarray(i, i + 16))
    if (at >= 0) found.push(`secret bytes ${i}..${i + 16} at ${at}`)
  }
  if (secret.length > 64) {
    const hash = createHash('sha256').update(secret).digest()
    const at = memIndexOf(hash)
    if (at >= 0) found.push(`SHA-256(secret) at ${at}`)
    const words = Buffer.from(hash).swap32()
    const atWords = memIndexOf(words)
    if (atWords >= 0) found.push(`SHA-256(secret) as little-endian words at ${atWords}`)
  }
  return found
}

function expectRejected(s: Signer, value: string, label: string, why?: 'malformed' | 'signature'): void {
  expect(s.verify(value), label).toBeUndefined()
  const c = s.check(value)
  if (why) expect(c, label).toBe(why)
  else expect(['malformed', 'signature'], label).toContain(c)
}

describe('signed value format', () => {
  it('is exactly "1.<id>.<mac>", mac = base64url(HMAC-SHA256(secret, "1.<id>")) with no padding', () => {
    for (const secret of [k0, k1, k2]) {
      const s = signer([secret])
      for (let i = 0; i < 20; i++) {
        const { id, value } = s.newSignedId()
        expect(value).toMatch(/^1\.[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/)
        expect(value).toBe(`1.${id}.${macOf(secret, `1.${id}`)}`)
        // sign() of the same id gives the same value.
        expect(s.sign(id)).toBe(value)
      }
    }
  })

  it('signs ids given by the caller, and the MAC covers the version', () => {
    const s = signer([k0])
    const id = generateId()
    const value = s.sign(id)
    expect(value).toBe(`1.${id}.${macOf(k0, `1.${id}`)}`)
    // Not the MAC of the bare id: the "1." prefix is part of what is signed.
    expect(value.endsWith(macOf(k0, id))).toBe(false)
    expect(s.verify(value)).toEqual({ id, key: 0 })
    expect(s.check(value)).toEqual({ id, key: 0 })
  })

  it('every id length 1..255 signs and verifies like node:crypto (one-block and streamed MACs)', () => {
    // "1." + id fits one SHA-256 block with its padding up to 53 id characters; longer ids take
    // the streaming path of the core. Both must give the same HMAC as node:crypto.
    const s = signer([k0, k2], { idLength: 32, idMinLength: 1, idMaxLength: 255 })
    const old = signer([k2], { idLength: 32, idMinLength: 1, idMaxLength: 255 })
    for (let n = 1; n <= 255; n++) {
      const id = generateId(n)
      const value = s.sign(id)
      expect(value, `id length ${n}`).toBe(`1.${id}.${macOf(k0, `1.${id}`)}`)
      expect(s.verify(value), `id length ${n}`).toEqual({ id, key: 0 })
      expect(s.verify(old.sign(id)), `id length ${n}, older key`).toEqual({ id, key: 1 })
      const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'Q' : 'A')
      expectRejected(s, flipped, `id length ${n}, changed MAC`, 'signature')
    }
  })

  it('honours idLength, and the id-length range when verifying', () => {
    const s = signer([k0], { idLength: 20, idMinLength: 16, idMaxLength: 40 })
    const { id, value } = s.newSignedId()
    expect(id).toHaveLength(20)
    expect(value).toBe(`1.${id}.${macOf(k0, `1.${id}`)}`)
    for (const n of [16, 17, 33, 40]) {
      const other = generateId(n)
      expect(s.verify(s.sign(other)), `length ${n}`).toEqual({ id: other, key: 0 })
    }
    for (const n of [15, 41]) {
      const other = generateId(n)
      const forged = `1.${other}.${macOf(k0, `1.${other}`)}` // correctly signed, but out of range
      expectRejected(s, forged, `length ${n}`, 'malformed')
    }
  })
})

describe('key rotation', () => {
  it('a value signed with any key of the list verifies, and says which key', () => {
    const secrets = [k0, k1, k2]
    const all = signer(secrets)
    secrets.forEach((secret, i) => {
      const single = signer([secret])
      for (let j = 0; j < 10; j++) {
        const { id, value } = single.newSignedId()
        expect(all.verify(value)).toEqual({ id, key: i })
        expect(all.check(value)).toEqual({ id, key: i })
      }
    })
    // The newest key signs.
    const { id, value } = all.newSignedId()
    expect(value).toBe(`1.${id}.${macOf(k0, `1.${id}`)}`)
    expect(all.sign(id)).toBe(value)
  })

  it('a value signed with a key not in the list does not verify', () => {
    const retired = 'retired-' + 'z'.repeat(40)
    const old = signer([retired]).newSignedId()
    const current = signer([k0, k1, k2])
    expectRejected(current, old.value, 'retired key', 'signature')
    // A secret that is a prefix or extension of a known one is another key.
    expectRejected(current, signer([k0 + 'x']).newSignedId().value, 'k0 + x', 'signature')
    expectRejected(current, signer([k0.slice(0, -1)]).newSignedId().value, 'k0 minus one char', 'signature')
  })

  it('string and Uint8Array spellings of the same secret are the same key', () => {
    const asBytes = signer([new TextEncoder().encode(k2)])
    const asString = signer([k2])
    const { id, value } = asBytes.newSignedId()
    expect(asString.verify(value)).toEqual({ id, key: 0 })
  })
})

describe('tampered and malformed values are rejected', () => {
  const replacements = ['A', 'a', 'z', '0', '9', '-', '_', '.', '=', '+', '/', ' ', '"', 'é', '\u0000', '\u00ff', '€', '😀']

  it('every single-character change at every position', () => {
    const s = signer([k0, k1])
    for (const by of [s, signer([k1])]) {
      const { value } = by.newSignedId()
      expect(s.verify(value)).toBeDefined()
      let tried = 0
      for (let pos = 0; pos < value.length; pos++) {
        const original = value[pos] ?? ''
        // Each listed character, plus the next letter of the alphabet (always a different
        // base64url character, so the change also stays inside the alphabet).
        const next = ALPHABET[(ALPHABET.indexOf(original) + 1) % 64] ?? 'A'
        for (const ch of [...replacements, next]) {
          if (ch === original) continue
          const changed = value.slice(0, pos) + ch + value.slice(pos + 1)
          const label = `position ${pos}: ${JSON.stringify(original)} -> ${JSON.stringify(ch)}`
          // Inside the id or the MAC, a base64url character keeps the value well-formed: only the
          // signature can reject it.
          const wellFormed = pos >= 2 && pos !== 34 && B64URL.test(ch)
          expectRejected(s, changed, label, wellFormed ? 'signature' : undefined)
          tried++
        }
      }
      expect(tried).toBeGreaterThan(value.length * (replacements.length - 1))
    }
  })

  it('a MAC whose last character is non-canonical (same decoded bytes, unused low bits set)', () => {
    const s = signer([k0])
    for (let i = 0; i < 30; i++) {
      const { value } = s.newSignedId()
      const mac = value.slice(-43)
      const last = ALPHABET.indexOf(mac.slice(-1))
      expect(last & 3, 'canonical: the 2 unused bits are zero').toBe(0)
      for (const low of [1, 2, 3]) {
        const alias = mac.slice(0, -1) + (ALPHABET[last | low] ?? '')
        // The alias decodes to exactly the same 32 bytes (decoders ignore the unused bits)…
        expect(Buffer.from(alias, 'base64url')).toEqual(Buffer.from(mac, 'base64url'))
        // …but is another spelling, and must not verify.
        expectRejected(s, value.slice(0, -43) + alias, `low bits ${low}`, 'signature')
      }
    }
  })

  it('appended text, every truncation, empty and doubled separators', () => {
    const s = signer([k0])
    const { id, value } = s.newSignedId()
    const mac = value.slice(-43)
    for (const extra of ['a', 'A', '=', '.', ' ', '\n', ';', 'é', '\u0000', '.x', '.' + mac, 'AAAA']) {
      expectRejected(s, value + extra, `appended ${JSON.stringify(extra)}`)
      expectRejected(s, extra + value, `prepended ${JSON.stringify(extra)}`)
    }
    for (let n = 0; n < value.length; n++) expectRejected(s, value.slice(0, n), `first ${n} chars`, 'malformed')
    for (let n = 1; n < value.length; n++) expectRejected(s, value.slice(n), `without the first ${n} chars`)
    expectRejected(s, `1.${id}.`, 'empty signature', 'malformed')
    expectRejected(s, `1.${id}..${mac}`, 'double dot', 'malformed')
    expectRejected(s, `1..${id}.${mac}`, 'double dot before the id', 'malformed')
    expectRejected(s, `1.${id}${mac}`, 'no dot before the MAC', 'malformed')
    expectRejected(s, `1${id}.${mac}`, 'no dot after the version', 'malformed')
    expectRejected(s, `1.${id}.${mac}=`, 'padded MAC')
    expectRejected(s, `1.${id}.${mac.slice(0, 42)}`, 'MAC one char short', 'malformed')
    expectRejected(s, `1.${id}.${Buffer.from(mac, 'base64url').toString('base64')}`, 'standard base64 MAC')
    expectRejected(s, `1.${id}.${Buffer.from(mac, 'base64url').toString('hex')}`, 'hex MAC')
  })

  it('wrong versions, even with a MAC that is right for that version\'s payload', () => {
    const s = signer([k0])
    const { id, value } = s.newSignedId()
    const mac = value.slice(-43)
    for (const v of ['0', '2', '9', '11', 'v1', '01', '', ' 1', '1 ']) {
      expectRejected(s, `${v}.${id}.${macOf(k0, `${v}.${id}`)}`, `version ${JSON.stringify(v)} with its own MAC`, 'malformed')
      expectRejected(s, `${v}.${id}.${mac}`, `version ${JSON.stringify(v)} with the v1 MAC`, 'malformed')
    }
    for (const junk of ['0.', '', '1', '.', '1.', '..', '1..', '2.', '1.' + id]) expectRejected(s, junk, JSON.stringify(junk), 'malformed')
  })

  it('ids that are not base64url, even when correctly MACed', () => {
    const s = signer([k0])
    const base = generateId()
    for (const bad of ['.', '=', '+', '/', ' ', '"', ';', ',', '\\', '\u007f', 'é']) {
      const id = base.slice(0, 10) + bad + base.slice(11)
      expectRejected(s, `1.${id}.${macOf(k0, `1.${id}`)}`, `id with ${JSON.stringify(bad)}`, 'malformed')
    }
  })

  it('non-strings', () => {
    const s = signer([k0])
    for (const v of [undefined, null, 42, {}, ['1.a.b'], new String(s.newSignedId().value)]) {
      expect(s.verify(v as unknown as string)).toBeUndefined()
      expect(s.check(v as unknown as string)).toBe('malformed')
    }
  })
})

describe('configuration', () => {
  it('refuses secrets shorter than 32 bytes (UTF-8 bytes, not characters) with CONFIG', () => {
    const short = 'x'.repeat(31)
    const err = expectSessionError(() => new Signer([short]), 'CONFIG', /^option secrets\[0\] is invalid: /)
    expect(err.message).not.toContain(short) // never echo a secret
    expectSessionError(() => new Signer([new Uint8Array(31)]), 'CONFIG', /^option secrets\[0\] is invalid: /)
    expectSessionError(() => new Signer(['é'.repeat(15) + 'a']), 'CONFIG', /^option secrets\[0\] is invalid: /) // 31 bytes
    expectSessionError(() => new Signer([k0, 'short']), 'CONFIG', /^option secrets\[1\] is invalid: /)
    expectSessionError(() => new Signer([k0, k1, new Uint8Array(0)]), 'CONFIG', /^option secrets\[2\] is invalid: /)
    // 16 characters of two bytes each: 32 bytes, accepted.
    expect(signer(['é'.repeat(16)]).keyCount).toBe(1)
    expect(signer([new Uint8Array(32)]).keyCount).toBe(1)
    expect(signer(['x'.repeat(32)]).keyCount).toBe(1)
  })

  it('refuses an empty or non-list, and secrets that are neither strings nor bytes', () => {
    expectSessionError(() => new Signer([]), 'CONFIG', /^option secrets is invalid: /)
    expectSessionError(() => new Signer(undefined as unknown as Secret[]), 'CONFIG', /^option secrets is invalid: /)
    expectSessionError(() => new Signer({ length: 1, 0: k0 } as unknown as Secret[]), 'CONFIG', /^option secrets is invalid: /)
    expectSessionError(() => new Signer([k0, 42 as unknown as Secret]), 'CONFIG', /^option secrets\[1\] is invalid: /)
    expectSessionError(() => new Signer([new ArrayBuffer(40) as unknown as Secret]), 'CONFIG', /^option secrets\[0\] is invalid: /)
  })

  it('never echoes a secret in an error message, even one passed where the list belongs', () => {
    // `secrets: process.env.SECRET` instead of `[process.env.SECRET]` is the likely mistake; the
    // message ends up in logs, so it must describe the value, not print it.
    const secret = 'a-real-secret-' + 'S'.repeat(40)
    for (const bad of [secret, [secret.slice(0, 20)], [k0, secret.slice(0, 31)]] as unknown as Secret[][]) {
      const err = expectSessionError(() => new Signer(bad), 'CONFIG', /^option secrets(\[\d+\])? is invalid: /)
      expect(err.message).not.toContain(secret.slice(0, 20))
    }
  })

  it('refuses bad id lengths', () => {
    for (const options of [{ idLength: 0 }, { idLength: 256 }, { idLength: 1.5 }, { idLength: Number.NaN }, { idMinLength: 33 }, { idMaxLength: 31 }]) {
      expectSessionError(() => new Signer([k0], options), 'CONFIG', /^option id(Min|Max)?Length is invalid: /)
    }
  })

  it('a refused configuration holds no key slot', () => {
    for (let i = 0; i < 2 * core.maxSlots; i++) {
      expect(() => new Signer([k0, k1], { idLength: 0 })).toThrow(SessionError)
      expect(() => new Signer([k0, 'short'])).toThrow(SessionError)
    }
    const s = signer([k0, k1, k2])
    expect(s.verify(s.newSignedId().value)).toBeDefined()
  })
})

describe('sign() refuses ids it would never issue', () => {
  it('throws INVALID_ID for a wrong length, a non-base64url character or a non-string', () => {
    const s = signer([k0])
    const id = generateId()
    const bad: unknown[] = [
      '',
      id.slice(1),
      id + 'A',
      id.slice(0, 31) + '.',
      id.slice(0, 31) + '=',
      id.slice(0, 31) + '+',
      id.slice(0, 31) + '/',
      id.slice(0, 31) + 'é',
      id.slice(0, 31) + '\u0000',
      id.slice(0, 30) + '😀', // 32 UTF-16 units, not ASCII
      undefined,
      null,
      32,
    ]
    for (const b of bad) expectSessionError(() => s.sign(b as string), 'INVALID_ID')
    expect(s.sign(id)).toBe(`1.${id}.${macOf(k0, `1.${id}`)}`)
  })
})

describe('newSignedId()', () => {
  it('returns a fresh valid id and the value that verifies to it', () => {
    const s = signer([k0, k1])
    const ids = new Set<string>()
    for (let i = 0; i < 500; i++) {
      const { id, value } = s.newSignedId()
      expect(isValidId(id)).toBe(true)
      expect(s.verify(value)).toEqual({ id, key: 0 })
      ids.add(id)
    }
    expect(ids.size).toBe(500)
  })
})

describe('key slots and close()', () => {
  it('creating and closing 1000 signers (1 to 3 keys each) never runs out of slots', () => {
    for (let i = 0; i < 1000; i++) {
      const secrets = [k0, k1, k2].slice(0, 1 + (i % 3))
      const s = new Signer(secrets)
      const { id, value } = s.newSignedId()
      expect(s.verify(value)).toEqual({ id, key: 0 })
      s.close()
    }
  })

  it('slots are exhausted by open signers (all but the loader\'s), and usable again once closed', () => {
    const made: Signer[] = []
    let err: unknown
    try {
      for (let i = 0; i < core.maxSlots + 10; i++) made.push(new Signer([k0]))
    } catch (e) {
      err = e
    }
    try {
      expect(err).toBeInstanceOf(SessionError)
      expect((err as SessionError).code).toBe('CONFIG')
      // Every slot but the last, which the loader's warm-up uses, is handed out.
      expect(made.length).toBe(core.maxSlots - 1)
    } finally {
      for (const s of made) s.close()
    }
    const again = signer([k0, k1, k2])
    expect(again.verify(again.newSignedId().value)).toBeDefined()
  })

  it('a slot reused by a new signer carries only the new key', () => {
    const a = new Signer([k0])
    const va = a.newSignedId().value
    a.close()
    const b = signer(['other-' + 'q'.repeat(40)]) // likely takes a's slot
    expectRejected(b, va, 'value of the closed signer', 'signature')
    expect(b.verify(b.newSignedId().value)).toEqual(expect.objectContaining({ key: 0 }))
  })

  it('many live signers with different keys never see each other\'s keys (no slot overlap)', () => {
    const live: { s: Signer; secrets: string[] }[] = []
    for (let i = 0; i < 40; i++) {
      const secrets = Array.from({ length: 1 + (i % 3) }, (_, j) => `signer ${i} key ${j} `.padEnd(40, '#'))
      live.push({ s: signer(secrets), secrets })
      // Close some to leave holes the next ones must fill without overlapping.
      if (i % 5 === 4) live.splice(i % 4, 1)[0]?.s.close()
    }
    const values = live.map(({ s }) => s.newSignedId().value)
    live.forEach(({ s, secrets }, i) => {
      values.forEach((v, j) => {
        if (i === j) expect(s.verify(v), `signer ${i} own value`).toEqual(expect.objectContaining({ key: 0 }))
        else expect(s.verify(v), `signer ${i} value of signer ${j}`).toBeUndefined()
      })
      // Every key of the list is live, at its index.
      secrets.forEach((secret, k) => {
        const id = generateId()
        expect(s.verify(`1.${id}.${macOf(secret, `1.${id}`)}`), `signer ${i} key ${k}`).toEqual({ id, key: k })
      })
    })
  })

  it('close() wipes the key\'s slot states from WASM memory', () => {
    const key = new Uint8Array(randomBytes(32))
    const state = slotStateOf(key)
    const s = new Signer([k0, key])
    expect(memIndexOf(state), 'the live signer holds the key state').toBeGreaterThanOrEqual(0)
    s.close()
    expect(memIndexOf(state), 'after close()').toBe(-1)
  })

  it('no copy of a secret of up to one block (64 bytes) stays in WASM memory', () => {
    for (const n of [32, 33, 64]) {
      const key = new Uint8Array(randomBytes(n))
      const s = new Signer([key])
      s.verify(s.newSignedId().value)
      expect(traces(key), `${n}-byte secret, live signer`).toEqual([])
      s.close()
      expect(traces(key), `${n}-byte secret, after close()`).toEqual([])
    }
  })

  // Fails today (see the report): a secret longer than a block is hashed through the core's one
  // streaming context, which keeps H(secret) — the effective HMAC key — as its chaining state and
  // the secret's last (length mod 64) bytes in its block buffer, after setKey and after close().
  // Secrets longer than the 64 KiB IO buffer are hashed through IO, which is never wiped.
  it('no copy of a secret longer than a block (or its hash, the effective key) stays in WASM memory after close()', () => {
    const left: Record<string, string[]> = {}
    for (const n of [65, 100, 200, 70_000]) {
      const key = new Uint8Array(randomBytes(n))
      const s = new Signer([key])
      s.verify(s.newSignedId().value)
      s.close()
      left[`${n}-byte secret`] = traces(key)
    }
    expect(left).toEqual({ '65-byte secret': [], '100-byte secret': [], '200-byte secret': [], '70000-byte secret': [] })
  })

  it('a closed signer throws on every use; close() twice is harmless', () => {
    const s = new Signer([k0])
    const { value } = s.newSignedId()
    s.close()
    s.close()
    expectSessionError(() => s.sign(generateId()), 'CONFIG')
    expectSessionError(() => s.verify(value), 'CONFIG')
    expectSessionError(() => s.check(value), 'CONFIG')
    expectSessionError(() => s.newSignedId(), 'CONFIG')
  })
})
