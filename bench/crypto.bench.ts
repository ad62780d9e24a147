// Sealed-cookie crypto rows: XChaCha20-Poly1305 and ChaCha20-Poly1305 seal and open of 300 bytes
// (about an 8-field session's codec bytes plus its metadata) in the WASM core against OpenSSL's
// chacha20-poly1305 through node:crypto, and HKDF-SHA256 against node:crypto's hkdfSync. node:crypto
// has no XChaCha20-Poly1305: its row sits beside the ChaCha20 one of OpenSSL for context (the
// difference is one HChaCha20, 20 rounds without the keystream).

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { chachaOpen, chachaSeal, xchachaOpen, xchachaSeal } from '../src/wasm/aead'
import { hkdf } from '../src/wasm/hkdf'
import { assert, sink, type Suite } from './harness'

/** Operations per timed call (see harness.ts). */
const B = 20
const SIZE = 300

export function cryptoSuite(): Suite {
  const key = new Uint8Array(randomBytes(32))
  const nonce12 = new Uint8Array(randomBytes(12))
  const nonce24 = new Uint8Array(randomBytes(24))
  const aad = new TextEncoder().encode('sess.v1')
  const pt = new Uint8Array(randomBytes(SIZE))

  const nodeSeal = (): Uint8Array => {
    const c = createCipheriv('chacha20-poly1305', key, nonce12, { authTagLength: 16 })
    c.setAAD(aad, { plaintextLength: pt.length })
    const ct = c.update(pt)
    c.final()
    const out = new Uint8Array(ct.length + 16)
    out.set(ct)
    out.set(c.getAuthTag(), ct.length)
    return out
  }
  const nodeOpen = (sealed: Uint8Array): Uint8Array | undefined => {
    const d = createDecipheriv('chacha20-poly1305', key, nonce12, { authTagLength: 16 })
    d.setAAD(aad, { plaintextLength: sealed.length - 16 })
    d.setAuthTag(sealed.subarray(sealed.length - 16))
    const p = d.update(sealed.subarray(0, sealed.length - 16))
    try {
      d.final()
    } catch {
      return undefined
    }
    return p
  }

  // Self-checks, outside the timed loops: both sides produce and accept the same bytes.
  const sealed12 = chachaSeal(key, nonce12, aad, pt)
  const sealedNode = nodeSeal()
  assert(Buffer.compare(sealed12, sealedNode) === 0, 'ours and OpenSSL seal to the same bytes')
  assert(Buffer.compare(chachaOpen(key, nonce12, aad, sealedNode) ?? new Uint8Array(0), pt) === 0, 'ours opens what OpenSSL sealed')
  assert(Buffer.compare(nodeOpen(sealed12) ?? new Uint8Array(0), pt) === 0, 'OpenSSL opens what we sealed')
  const sealed24 = xchachaSeal(key, nonce24, aad, pt)
  assert(Buffer.compare(xchachaOpen(key, nonce24, aad, sealed24) ?? new Uint8Array(0), pt) === 0, 'our XChaCha20-Poly1305 round trip')
  const ikm = new Uint8Array(randomBytes(32))
  const salt = new Uint8Array(0)
  const info = new TextEncoder().encode('simplesessions cookie encryption v1')
  assert(Buffer.compare(hkdf(ikm, salt, info, 32), new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32))) === 0, 'HKDF matches node:crypto')

  return {
    contenders: [
      { name: 'ours xchacha seal 300 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += xchachaSeal(key, nonce24, aad, pt).length } },
      { name: 'ours xchacha open 300 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += xchachaOpen(key, nonce24, aad, sealed24)?.length ?? -1 } },
      { name: 'ours chacha seal 300 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += chachaSeal(key, nonce12, aad, pt).length } },
      { name: 'ours chacha open 300 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += chachaOpen(key, nonce12, aad, sealed12)?.length ?? -1 } },
      { name: 'node:crypto chacha seal 300 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += nodeSeal().length } },
      { name: 'node:crypto chacha open 300 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += nodeOpen(sealedNode)?.length ?? -1 } },
      { name: 'ours hkdf 32 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += hkdf(ikm, salt, info, 32).length } },
      { name: 'node:crypto hkdfSync 32 B', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += hkdfSync('sha256', ikm, salt, info, 32).byteLength } },
    ],
    rows: [
      { measure: 'ChaCha20-Poly1305 seal, 300 B', ours: 'ours chacha seal 300 B', theirs: 'node:crypto chacha seal 300 B' },
      { measure: 'ChaCha20-Poly1305 open, 300 B', ours: 'ours chacha open 300 B', theirs: 'node:crypto chacha open 300 B' },
      { measure: 'XChaCha20-Poly1305 seal vs OpenSSL ChaCha20', ours: 'ours xchacha seal 300 B', theirs: 'node:crypto chacha seal 300 B' },
      { measure: 'XChaCha20-Poly1305 open vs OpenSSL ChaCha20', ours: 'ours xchacha open 300 B', theirs: 'node:crypto chacha open 300 B' },
      { measure: 'HKDF-SHA256, 32 B', ours: 'ours hkdf 32 B', theirs: 'node:crypto hkdfSync 32 B' },
    ],
    context: [],
  }
}
