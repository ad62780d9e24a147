// Signed cookie values ("1.<id>.<mac>") and key rotation through Signer: the exact format
// against node:crypto, rotation, every single-character change and every other malformation
// rejected, secrets validated at construction, and key slots: shared by signers with the same
// secrets, released by close() or by garbage collection, wiped by the last user, and grown up to
// a fixed cap when many signers with different secrets are alive at once.

import { execFileSync } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import type { CookieAttributes } from '../src/cookie'
import { SessionError, configError } from '../src/errors'
import { generateId, isValidId } from '../src/id'
import { Manager } from '../src/manager'
import { Signer, type Secret, type SignerOptions } from '../src/signing'
import { MemoryStore } from '../src/stores/memory'
import { RESERVED_SLOT, core } from '../src/wasm/index'
import { isDebugWasm, patternBytes } from './helpers/bytes'

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
  const slot = RESERVED_SLOT // never handed to a signer
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

  it('checks each id length by the one ID-length rule (src/id.ts), naming the option', () => {
    const cases: [SignerOptions, RegExp][] = [
      [{ idLength: 0 }, /^option idLength is invalid: 0 \(an integer from 1 to 255\)$/],
      [{ idMinLength: 0 }, /^option idMinLength is invalid: 0 \(an integer from 1 to 255\)$/],
      [{ idMaxLength: 256 }, /^option idMaxLength is invalid: 256 \(an integer from 1 to 255\)$/],
    ]
    for (const [options, message] of cases) expectSessionError(() => new Signer([k0], options), 'CONFIG', message)
  })

  it('refuses an idLength outside its own accepted range', () => {
    // Each bound valid on its own; only idLength against the range is wrong.
    for (const options of [
      { idMinLength: 20, idMaxLength: 40, idLength: 50 },
      { idMinLength: 20, idMaxLength: 40, idLength: 19 },
      { idMinLength: 20, idMaxLength: 40, idLength: 41 },
      { idMinLength: 40, idMaxLength: 20, idLength: 30 },
    ]) {
      expectSessionError(() => new Signer([k0], options), 'CONFIG', /^option idMinLength is invalid: /)
    }
    for (const options of [{ idMinLength: 20, idMaxLength: 40, idLength: 20 }, { idMinLength: 20, idMaxLength: 40, idLength: 40 }]) {
      expect(signer([k0], options).newSignedId().id).toHaveLength(options.idLength)
    }
  })

  it('a refused configuration holds no key slot', () => {
    const capacity = core.slotCapacity()
    for (let i = 0; i < 2 * capacity; i++) {
      expect(() => new Signer([k0, k1], { idLength: 0 })).toThrow(SessionError)
      expect(() => new Signer([k0, 'short'])).toThrow(SessionError)
      expect(() => new Signer([`refused ${i} `.padEnd(40, '#')], { idMinLength: 40, idMaxLength: 20 })).toThrow(SessionError)
    }
    expect(core.slotCapacity()).toBe(capacity)
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

  // A secret longer than a block is hashed through the core's one streaming context (which would
  // keep H(secret), the effective HMAC key, and the secret's last bytes) and, past the 64 KiB IO
  // buffer, through IO: both must be wiped once the key is set or its identity computed.
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

describe('shared key slots', () => {
  it('close() twice releases one share only: another signer on the same slots keeps working', () => {
    const a = new Signer([k0, k1])
    const b = signer([k0, k1]) // the same secrets: the same slots
    a.close()
    a.close()
    expect(b.verify(b.newSignedId().value)).toEqual(expect.objectContaining({ key: 0 }))
    const id = generateId()
    expect(b.verify(`1.${id}.${macOf(k1, `1.${id}`)}`)).toEqual({ id, key: 1 })
  })

  it('close() twice does not free slots a later signer has taken', () => {
    for (const secretsOfB of [[k0, k1], ['other-' + 'p'.repeat(40), k2]]) {
      const a = new Signer([k0, k1])
      a.close()
      const b = signer(secretsOfB) // takes the slots a released
      a.close()
      const c = signer(['third-' + 'r'.repeat(40), 'fourth-' + 's'.repeat(40)]) // would take them if a's second close() freed them
      const { id, value } = b.newSignedId()
      expect(value).toBe(`1.${id}.${macOf(secretsOfB[0] ?? '', `1.${id}`)}`)
      expect(b.verify(value)).toEqual({ id, key: 0 })
      expect(c.verify(value)).toBeUndefined()
    }
  })

  it('closing one of two signers with the same secrets leaves the other working; the last close wipes the key', () => {
    const key = new Uint8Array(randomBytes(32))
    const state = slotStateOf(key)
    const a = new Signer([key])
    const b = new Signer([key], { idLength: 40, idMinLength: 32 }) // other options, the same key
    const { id, value } = a.newSignedId()
    a.close()
    expect(memIndexOf(state), 'b still holds the key').toBeGreaterThanOrEqual(0)
    expect(b.verify(value)).toEqual({ id, key: 0 })
    const own = b.newSignedId()
    expect(own.value).toBe(`1.${own.id}.${macOf(key, `1.${own.id}`)}`)
    b.close()
    expect(memIndexOf(state), 'after the last close()').toBe(-1)
    expect(traces(key)).toEqual([])
  })

  it('signers with a different order or a different subset of the same secrets keep their own key indexes', () => {
    const ab = signer([k0, k2])
    const ba = signer([k2, k0])
    const b = signer([k2])
    const id = generateId()
    const byK2 = `1.${id}.${macOf(k2, `1.${id}`)}`
    expect(ab.verify(byK2)).toEqual({ id, key: 1 })
    expect(ba.verify(byK2)).toEqual({ id, key: 0 })
    expect(b.verify(byK2)).toEqual({ id, key: 0 })
    expect(b.verify(ab.sign(id))).toBeUndefined()
    expect(ba.sign(id)).toBe(byK2)
  })

  it('300 secrets in one signer: each verifies at its index, the first signs', () => {
    const secrets = Array.from({ length: 300 }, (_, i) => `secret number ${i} of three hundred `.padEnd(48, '~'))
    const s = signer(secrets)
    expect(s.keyCount).toBe(300)
    for (let k = 0; k < 300; k++) {
      const id = generateId()
      expect(s.verify(`1.${id}.${macOf(secrets[k] ?? '', `1.${id}`)}`), `secret ${k}`).toEqual({ id, key: k })
    }
    const { id, value } = s.newSignedId()
    expect(value).toBe(`1.${id}.${macOf(secrets[0] ?? '', `1.${id}`)}`)
  })
})

/** One request through a Manager made for that request and dropped without close(). */
async function perRequest(
  secrets: Secret[],
  store: MemoryStore,
  cookie: string | undefined,
  customIds: boolean,
): Promise<{ n: unknown; cookie: string }> {
  const set: CookieAttributes[] = []
  const m = new Manager<Record<string, number>, { cookie?: string }, CookieAttributes[]>({
    secrets,
    store,
    getCookie: (_name, req) => req.cookie,
    setCookie: (c, res) => {
      res.push(c)
    },
    ...(customIds ? { generateId: () => generateId() } : {}),
  })
  const s = await m.acquire(cookie === undefined ? {} : { cookie }, set)
  const n = await s.get('n') // undefined unless the cookie verified
  await s.set('n', typeof n === 'number' ? n + 1 : 0)
  await s.regenerate() // a new ID: newSignedId, or sign() of the custom ID
  await s.commit()
  const value = set.at(-1)?.value
  if (value === undefined) throw new Error('no cookie was set')
  return { n, cookie: value }
}

describe('signers made and dropped without close()', () => {
  const wasmBytes = (): number => core.exports.memory.buffer.byteLength

  it('2,000 Signers with the same secrets all work, and WASM memory does not grow', () => {
    signer([k0, k2]).close() // memory as it is after one signer
    const before = wasmBytes()
    const capacity = core.slotCapacity()
    for (let i = 0; i < 2000; i++) {
      const s = new Signer([k0, k2])
      const { id, value } = s.newSignedId()
      expect(value).toBe(`1.${id}.${macOf(k0, `1.${id}`)}`)
      expect(s.verify(value)).toEqual({ id, key: 0 })
      const other = generateId()
      expect(s.verify(`1.${other}.${macOf(k2, `1.${other}`)}`)).toEqual({ id: other, key: 1 })
      expect(s.sign(other)).toBe(`1.${other}.${macOf(k0, `1.${other}`)}`)
    }
    expect(core.slotCapacity()).toBe(capacity)
    expect(wasmBytes()).toBe(before)
  })

  it('2,000 Managers, one per request, all work (verify, sign, newSignedId), and WASM memory does not grow', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    let { cookie } = await perRequest([k0, k2], store, undefined, false)
    const before = wasmBytes()
    for (let i = 0; i < 2000; i++) {
      const r = await perRequest([k0, k2], store, cookie, i % 2 === 1)
      expect(r.n, `request ${i}`).toBe(i)
      cookie = r.cookie
    }
    expect(wasmBytes()).toBe(before)
    store.close()
  })

  it('2,000 Managers with distinct secrets (nothing to share) all work; key memory stays within twice their keys', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    const tenant = (i: number): string => `tenant ${i}: a secret of more than thirty-two bytes`
    let { cookie } = await perRequest([tenant(-1)], store, undefined, false)
    const before = wasmBytes()
    for (let i = 0; i < 2000; i++) {
      // Rotation: the previous request's secret is the older key, so every cookie verifies with key 1
      // and is re-signed with this request's newest secret.
      const r = await perRequest([tenant(i), tenant(i - 1)], store, cookie, i % 2 === 1)
      expect(r.n, `request ${i}`).toBe(i)
      expect(r.cookie.endsWith(macOf(tenant(i), r.cookie.slice(0, -44)))).toBe(true)
      cookie = r.cookie
    }
    // 64 bytes of key state per secret; the table doubles as it grows, in whole 64 KiB pages.
    expect(wasmBytes() - before).toBeLessThanOrEqual(2 * 2000 * 2 * 64 + 65536)
    store.close()
  })

  it('beyond the documented cap of live keys, a CONFIG error; memory is bounded by the cap and reused', () => {
    const perSigner = 4096
    const keysOf = (n: number): Uint8Array[] => Array.from({ length: perSigner }, (_, i) => patternBytes(32, n * perSigner + i))
    const held: Signer[] = []
    const before = wasmBytes()
    let err: unknown
    try {
      for (let n = 0; n <= core.maxSlots / perSigner; n++) held.push(new Signer(keysOf(n)))
    } catch (e) {
      err = e
    }
    try {
      expect(err).toBeInstanceOf(SessionError)
      expect((err as SessionError).code).toBe('CONFIG')
      expect((err as SessionError).message).toMatch(new RegExp(`^option secrets is invalid: "\\d+ more keys" \\(the key table is full at ${core.maxSlots} slots`))
      // All but the reserved slot (RESERVED_SLOT) and the run that would not fit were handed out.
      expect(held.length).toBe(core.maxSlots / perSigner - 1)
      expect(core.slotCapacity()).toBe(core.maxSlots)
      expect(wasmBytes() - before).toBeLessThanOrEqual(core.maxSlots * 64 + 65536)
      const last = held.at(-1)
      expect(last?.verify(last.newSignedId().value)).toEqual(expect.objectContaining({ key: 0 }))
    } finally {
      for (const s of held.splice(0)) s.close()
    }
    const grown = wasmBytes()
    for (let n = 0; n < core.maxSlots / perSigner - 1; n++) held.push(new Signer(keysOf(100 + n)))
    for (const s of held.splice(0)) s.close()
    expect(wasmBytes(), 'the freed slots are reused').toBe(grown)
  })

  it('an unclosed signer\'s slots are wiped and reused once it is garbage collected', async () => {
    // A child process, so that gc() is there (node --expose-gc) whatever runs this suite; it runs
    // the sources bundled as they are, on the same wasm build as this project.
    const key = new Uint8Array(randomBytes(32))
    const state = slotStateOf(key)
    const root = fileURLToPath(new URL('..', import.meta.url))
    const debugWasm: esbuild.Plugin = {
      name: 'debug-wasm',
      setup(build) {
        build.onResolve({ filter: /\/generated\/release(\.js)?$/ }, () => ({ path: `${root}src/wasm/generated/debug.ts` }))
      },
    }
    const program = `
      import { Signer } from './src/signing'
      import { core } from './src/wasm/index'
      const gc = globalThis.gc
      if (typeof gc !== 'function') throw new Error('gc() is not exposed: run node with --expose-gc')
      const state = Buffer.from('${state.toString('hex')}', 'hex')
      const held = () => Buffer.from(core.mem().buffer).indexOf(state) >= 0
      const collect = async () => {
        for (let i = 0; i < 5; i++) {
          gc()
          await new Promise((r) => setTimeout(r, 2))
        }
      }
      ;(() => {
        const s = new Signer([Buffer.from('${Buffer.from(key).toString('hex')}', 'hex')])
        if (!s.verify(s.newSignedId().value)) throw new Error('does not verify')
      })()
      const heldAtFirst = held()
      for (let i = 0; i < 40 && held(); i++) await collect()
      const wipedAfterGc = !held()
      const capacities = []
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 500; i++) {
          const s = new Signer(['round ' + round + ' signer ' + i + ' '.padEnd(40, '#')])
          if (!s.verify(s.newSignedId().value)) throw new Error('does not verify')
        }
        await collect()
        capacities.push(core.slotCapacity())
      }
      console.log(JSON.stringify({ heldAtFirst, wipedAfterGc, capacities }))
    `
    const bundle = await esbuild.build({
      stdin: { contents: program, resolveDir: root, sourcefile: 'gc-child.ts', loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: isDebugWasm ? [debugWasm] : [],
    })
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module'], {
      input: bundle.outputFiles[0]?.text ?? '',
      encoding: 'utf8',
      timeout: 50_000,
    })
    const r = JSON.parse(out.trim()) as { heldAtFirst: boolean; wipedAfterGc: boolean; capacities: number[] }
    expect(r.heldAtFirst).toBe(true)
    expect(r.wipedAfterGc).toBe(true)
    // 10 rounds of 500 dropped signers: without reuse the table would hold 5,000 keys.
    expect(Math.max(...r.capacities)).toBeLessThanOrEqual(2048)
  })
})

describe('diagnostics: each refusal says what is wrong, in the one message shape', () => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn()
    } catch (err) {
      expect(err).toBeInstanceOf(SessionError)
      return (err as Error).message
    }
    throw new Error('expected a throw')
  }

  it('names the option, shows the value (never a secret), and says what is wanted', () => {
    expect(messageOf(() => new Signer([]))).toBe('option secrets is invalid: [] (a non-empty list, newest first)')
    // A list is shown by its length, never its items: they may be secrets.
    expect(configError('secrets', ['x'.repeat(40), 'y'.repeat(40)], 'why').message).toBe('option secrets is invalid: a list of 2 (why)')
    expect(messageOf(() => new Signer('a secret in the wrong place, long enough to be one' as never))).toBe('option secrets is invalid: "string" (a non-empty list, newest first)')
    expect(messageOf(() => new Signer([5 as never]))).toBe('option secrets[0] is invalid: "number" (a string or Uint8Array)')
    expect(messageOf(() => new Signer(['x'.repeat(40), 'short']))).toBe('option secrets[1] is invalid: "5 bytes" (at least 32 bytes)')
    expect(messageOf(() => new Signer(['x'.repeat(40)], { idLength: 50, idMinLength: 20, idMaxLength: 40 }))).toBe('option idMinLength is invalid: 20 (must be <= idLength 50 <= idMaxLength 40)')
  })

  it('a closed signer and an ID that cannot be signed say so', () => {
    const s = new Signer(['y'.repeat(40)])
    expect(messageOf(() => s.sign('abc'))).toBe('cannot sign id of length 3: not a valid session id')
    s.close()
    expect(messageOf(() => s.sign('A'.repeat(32)))).toBe('this Signer was closed')
  })
})
