// ChaCha20-Poly1305 (RFC 8439 §2.8) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §2) over
// the core's IO buffer: the algorithms are in assembly/chacha20poly1305.ts, their measured costs
// in docs/decisions/aead.md.
//
// `seal` returns ciphertext | tag; `open` takes the same and returns the plaintext, or undefined
// when the input is shorter than a tag or the tag does not match (the core released nothing).
// Keys and nonces of the wrong length are programming errors: RangeError. The key is wiped
// from WASM memory by the core as soon as it is loaded, the plaintext from IO once it is copied
// out. Inputs too large for one pass through IO go through the streaming exports in IO-sized
// chunks, with the same results.
//
// The core has one AEAD context: a stream must be finished (or wiped) before another starts,
// and the one-shot functions wipe whatever stream was in progress.

import { core, onCore } from './index.js'
import type { CoreExports, CryptoExports } from './abi.js'
import { AEAD_FORGED, AEAD_KEY_SIZE, AEAD_TAG_SIZE, CHACHA_NONCE_SIZE, XCHACHA_NONCE_SIZE } from './abi.js'
import { bytes } from './memory.js'

let e!: CoreExports & CryptoExports
let nonceAt = 0
let dataAt = 0
onCore((c) => {
  e = c.exports as CoreExports & CryptoExports
  nonceAt = e.aeadNonceAt()
  dataAt = e.aeadDataAt()
})

/** Encrypts and authenticates with ChaCha20-Poly1305 (12-byte nonce): ciphertext | 16-byte tag. */
export function chachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return seal(false, key, nonce, aad, plaintext)
}

/** The plaintext of a ChaCha20-Poly1305 ciphertext | tag, or undefined if it does not authenticate. */
export function chachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  return open(false, key, nonce, aad, sealed)
}

/** Encrypts and authenticates with XChaCha20-Poly1305 (24-byte nonce): ciphertext | 16-byte tag. */
export function xchachaSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return seal(true, key, nonce, aad, plaintext)
}

/** The plaintext of an XChaCha20-Poly1305 ciphertext | tag, or undefined if it does not authenticate. */
export function xchachaOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  return open(true, key, nonce, aad, sealed)
}

/**
 * XChaCha20-Poly1305 under a fresh random nonce: nonce (24 bytes) | ciphertext | tag. The nonce
 * comes from the host's CSPRNG (crypto.getRandomValues, looked up at each call), written straight
 * into WASM memory; 192 random bits make a repeat under one key negligible (draft §2.1).
 */
export function xchachaSealRandom(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const u8 = bytes()
  const at = core.io + nonceAt
  globalThis.crypto.getRandomValues(u8.subarray(at, at + XCHACHA_NONCE_SIZE))
  const nonce = u8.slice(at, at + XCHACHA_NONCE_SIZE)
  const sealed = seal(true, key, nonce, aad, plaintext)
  const out = new Uint8Array(XCHACHA_NONCE_SIZE + sealed.length)
  out.set(nonce)
  out.set(sealed, XCHACHA_NONCE_SIZE)
  return out
}

function checkKeyNonce(x: boolean, key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`key must be ${AEAD_KEY_SIZE} bytes, got ${key.length}`)
  const n = x ? XCHACHA_NONCE_SIZE : CHACHA_NONCE_SIZE
  if (nonce.length !== n) throw new RangeError(`nonce must be ${n} bytes, got ${nonce.length}`)
}

/** Key at IO[0..32), nonce at its offset: what every entry point starts with. */
function putKeyNonce(u8: Uint8Array, key: Uint8Array, nonce: Uint8Array): void {
  u8.set(key, core.io)
  u8.set(nonce, core.io + nonceAt)
}

function fail(what: string, r: number): never {
  e.aeadWipe()
  throw new Error(`${what}: the core refused the call (${r})`)
}

function seal(x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKeyNonce(x, key, nonce)
  if (dataAt + aad.length + plaintext.length + AEAD_TAG_SIZE > core.ioSize) return sealStreamed(x, key, nonce, aad, plaintext)
  const u8 = bytes()
  putKeyNonce(u8, key, nonce)
  const at = core.io + dataAt
  u8.set(aad, at)
  u8.set(plaintext, at + aad.length)
  const n = e.aeadSeal(x ? 1 : 0, aad.length, plaintext.length)
  if (n < 0) fail('seal', n)
  return u8.slice(at + aad.length, at + aad.length + n)
}

function open(x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  checkKeyNonce(x, key, nonce)
  if (sealed.length < AEAD_TAG_SIZE) return undefined
  if (dataAt + aad.length + sealed.length > core.ioSize) return openStreamed(x, key, nonce, aad, sealed)
  const u8 = bytes()
  putKeyNonce(u8, key, nonce)
  const at = core.io + dataAt + aad.length
  u8.set(aad, core.io + dataAt)
  u8.set(sealed, at)
  const n = e.aeadOpen(x ? 1 : 0, aad.length, sealed.length)
  if (n === AEAD_FORGED) return undefined
  if (n < 0) fail('open', n)
  const plaintext = u8.slice(at, at + n)
  u8.fill(0, at, at + n)
  return plaintext
}

/** Feeds `data` through IO in IO-sized chunks to `step(len)`; `out` (if given) receives what the core wrote back in place. */
function feed(data: Uint8Array, step: (len: number) => number, what: string, out?: Uint8Array): void {
  for (let off = 0; off < data.length; off += core.ioSize) {
    const chunk = data.subarray(off, off + core.ioSize)
    const u8 = bytes()
    u8.set(chunk, core.io)
    const r = step(chunk.length)
    if (r < 0) fail(what, r)
    if (out) {
      out.set(u8.subarray(core.io, core.io + chunk.length), off)
      u8.fill(0, core.io, core.io + chunk.length)
    }
  }
}

/** A sealing stream: aad chunks first, then plaintext chunks (each returns its ciphertext), then the tag. */
export interface SealStream {
  aad(chunk: Uint8Array): void
  encrypt(chunk: Uint8Array): Uint8Array
  /** The tag; the key is forgotten. */
  final(): Uint8Array
  /** Abandons the stream and forgets the key. */
  wipe(): void
}

/**
 * An opening stream, in two passes so that nothing is decrypted before the tag matched: aad
 * chunks, `auth` on every ciphertext chunk, `verify(tag)`, then `decrypt` on the same chunks.
 * After a false verify the stream is wiped and decrypt throws.
 */
export interface OpenStream {
  aad(chunk: Uint8Array): void
  auth(chunk: Uint8Array): void
  verify(tag: Uint8Array): boolean
  decrypt(chunk: Uint8Array): Uint8Array
  /** Forgets the key (also done by a false verify). */
  wipe(): void
}

function start(x: boolean, key: Uint8Array, nonce: Uint8Array): void {
  checkKeyNonce(x, key, nonce)
  putKeyNonce(bytes(), key, nonce)
  e.aeadInit(x ? 1 : 0)
}

/** Streaming seal (x: XChaCha20-Poly1305, 24-byte nonce; else ChaCha20-Poly1305, 12-byte nonce). */
export function sealStream(x: boolean, key: Uint8Array, nonce: Uint8Array): SealStream {
  start(x, key, nonce)
  return {
    aad: (chunk) => feed(chunk, (n) => e.aeadAad(n), 'aad'),
    encrypt: (chunk) => {
      const out = new Uint8Array(chunk.length)
      feed(chunk, (n) => e.aeadEncrypt(n), 'encrypt', out)
      return out
    },
    final: () => {
      const r = e.aeadSealFinal()
      if (r < 0) fail('final', r)
      return bytes().slice(core.out, core.out + AEAD_TAG_SIZE)
    },
    wipe: () => e.aeadWipe(),
  }
}

/** Streaming open (see OpenStream). */
export function openStream(x: boolean, key: Uint8Array, nonce: Uint8Array): OpenStream {
  start(x, key, nonce)
  return {
    aad: (chunk) => feed(chunk, (n) => e.aeadAad(n), 'aad'),
    auth: (chunk) => feed(chunk, (n) => e.aeadAuth(n), 'auth'),
    verify: (tag) => {
      if (tag.length !== AEAD_TAG_SIZE) {
        e.aeadWipe()
        return false
      }
      bytes().set(tag, core.io)
      const r = e.aeadVerify()
      if (r === AEAD_FORGED) return false
      if (r < 0) fail('verify', r)
      return true
    },
    decrypt: (chunk) => {
      const out = new Uint8Array(chunk.length)
      feed(chunk, (n) => e.aeadDecrypt(n), 'decrypt', out)
      return out
    },
    wipe: () => e.aeadWipe(),
  }
}

function sealStreamed(x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const s = sealStream(x, key, nonce)
  s.aad(aad)
  const out = new Uint8Array(plaintext.length + AEAD_TAG_SIZE)
  out.set(s.encrypt(plaintext))
  out.set(s.final(), plaintext.length)
  return out
}

function openStreamed(x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  const s = openStream(x, key, nonce)
  const ct = sealed.subarray(0, sealed.length - AEAD_TAG_SIZE)
  s.aad(aad)
  s.auth(ct)
  if (!s.verify(sealed.subarray(ct.length))) return undefined
  const plaintext = s.decrypt(ct)
  s.wipe()
  return plaintext
}
