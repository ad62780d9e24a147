// Poly1305 (RFC 8439 §2.5) of the core (assembly/poly1305.ts), streaming. A one-time
// authenticator: a key must never MAC two messages, which is why the AEAD (./aead.ts) derives
// one per nonce; this wrapper is for the building block's own tests.

import { core, onCore } from './index.js'
import type { CoreExports, CryptoExports } from './abi.js'
import { AEAD_KEY_SIZE, AEAD_TAG_SIZE } from './abi.js'
import { bytes } from './memory.js'

let e!: CoreExports & CryptoExports
onCore((c) => {
  e = c.exports as CoreExports & CryptoExports
})

/** A Poly1305 MAC under the 32-byte one-time `key` (wiped from WASM memory as it is loaded). */
export function poly1305Stream(key: Uint8Array): { update(chunk: Uint8Array): void; digest(): Uint8Array } {
  if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`key must be ${AEAD_KEY_SIZE} bytes, got ${key.length}`)
  bytes().set(key, core.io)
  e.poly1305Init()
  return {
    update: (chunk) => {
      for (let off = 0; off < chunk.length; off += core.ioSize) {
        const part = chunk.subarray(off, off + core.ioSize)
        bytes().set(part, core.io)
        e.poly1305Update(part.length)
      }
    },
    digest: () => {
      e.poly1305Final()
      return bytes().slice(core.out, core.out + AEAD_TAG_SIZE)
    },
  }
}
