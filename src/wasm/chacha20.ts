// The ChaCha20 stream cipher (RFC 8439 §2.4) and HChaCha20 (draft-irtf-cfrg-xchacha §2.2) of the
// core (assembly/chacha20.ts, assembly/hchacha20.ts), for the building blocks' own tests and any
// caller that needs the bare keystream. Unauthenticated: sessions use ./aead.ts.

import { core, onCore } from './index.js'
import type { CoreExports, CryptoExports } from './abi.js'
import { AEAD_KEY_SIZE, CHACHA_NONCE_SIZE } from './abi.js'
import { bytes } from './memory.js'

let e!: CoreExports & CryptoExports
onCore((c) => {
  e = c.exports as CoreExports & CryptoExports
})

/** A ChaCha20 keystream from block `counter`: `xor(chunk)` returns chunk ^ keystream, chunks of any size; `wipe()` forgets the key. */
export function chacha20Stream(key: Uint8Array, nonce: Uint8Array, counter = 0): { xor(chunk: Uint8Array): Uint8Array; wipe(): void } {
  if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`key must be ${AEAD_KEY_SIZE} bytes, got ${key.length}`)
  if (nonce.length !== CHACHA_NONCE_SIZE) throw new RangeError(`nonce must be ${CHACHA_NONCE_SIZE} bytes, got ${nonce.length}`)
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) throw new RangeError(`counter must be a 32-bit unsigned integer, got ${counter}`)
  const u8 = bytes()
  u8.set(key, core.io)
  u8.set(nonce, core.io + AEAD_KEY_SIZE)
  e.chacha20Init(counter)
  return {
    xor: (chunk) => {
      const out = new Uint8Array(chunk.length)
      for (let off = 0; off < chunk.length; off += core.ioSize) {
        const part = chunk.subarray(off, off + core.ioSize)
        const m = bytes()
        m.set(part, core.io)
        if (e.chacha20Update(part.length) < 0) throw new RangeError('chacha20: the 32-bit block counter would wrap')
        out.set(m.subarray(core.io, core.io + part.length), off)
      }
      return out
    },
    wipe: () => e.chacha20Wipe(),
  }
}

/** The 32-byte HChaCha20 subkey of a 32-byte key and a 16-byte input. */
export function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`key must be ${AEAD_KEY_SIZE} bytes, got ${key.length}`)
  if (input.length !== 16) throw new RangeError(`input must be 16 bytes, got ${input.length}`)
  const u8 = bytes()
  u8.set(key, core.io)
  u8.set(input, core.io + AEAD_KEY_SIZE)
  e.hchacha20()
  const out = u8.slice(core.out, core.out + AEAD_KEY_SIZE)
  u8.fill(0, core.out, core.out + AEAD_KEY_SIZE)
  return out
}
