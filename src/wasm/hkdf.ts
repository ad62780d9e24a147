// HKDF-SHA256 (RFC 5869) in the core (assembly/hkdf.ts): extract with the salt as the HMAC key,
// then expand. Inputs go end to end into IO; the core wipes the IKM (and the PRK) from IO and
// every intermediate state, and this wrapper zeroes the OKM in IO once it is copied out. Inputs
// must fit IO together with the output (64 KiB: far more than keys and labels need), else
// RangeError, as for a length over 255 · 32 bytes (HKDF_MAX_OKM, RFC 5869 §2.3).

import { core, onCore } from './index.js'
import type { CoreExports, CryptoExports } from './abi.js'
import { HKDF_HASH_LEN, HKDF_MAX_OKM } from './abi.js'
import { bytes } from './memory.js'

let e!: CoreExports & CryptoExports
onCore((c) => {
  e = c.exports as CoreExports & CryptoExports
})

function put(parts: readonly Uint8Array[], outLen: number, what: string): number {
  const total = parts.reduce((n, p) => n + p.length, 0)
  if (!Number.isInteger(outLen) || outLen < 0 || outLen > HKDF_MAX_OKM) throw new RangeError(`${what}: length must be 0..${HKDF_MAX_OKM}, got ${outLen}`)
  if (total + outLen > core.ioSize) throw new RangeError(`${what}: inputs of ${total} bytes and ${outLen} output bytes do not fit the core's ${core.ioSize}-byte buffer`)
  const u8 = bytes()
  let at = core.io
  for (const p of parts) {
    u8.set(p, at)
    at += p.length
  }
  return at
}

/** Copies `len` bytes at `at` out of WASM memory and zeroes them there. */
function take(at: number, len: number): Uint8Array {
  const u8 = bytes()
  const out = u8.slice(at, at + len)
  u8.fill(0, at, at + len)
  return out
}

/** `length` bytes of OKM = HKDF-Expand(HKDF-Extract(salt, ikm), info, length). */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const at = put([salt, ikm, info], length, 'hkdf')
  if (e.hkdf(salt.length, ikm.length, info.length, length) !== length) throw new Error('hkdf: the core refused the call')
  return take(at, length)
}

/** HKDF-Extract (RFC 5869 §2.2): the 32-byte (HKDF_HASH_LEN) PRK. */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  put([salt, ikm], 0, 'hkdfExtract')
  if (e.hkdfExtract(salt.length, ikm.length) !== HKDF_HASH_LEN) throw new Error('hkdfExtract: the core refused the call')
  return take(core.out, HKDF_HASH_LEN)
}

/** HKDF-Expand (RFC 5869 §2.3): `length` bytes of OKM from a PRK. */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const at = put([prk, info], length, 'hkdfExpand')
  if (e.hkdfExpand(prk.length, info.length, length) !== length) throw new Error('hkdfExpand: the core refused the call')
  return take(at, length)
}
