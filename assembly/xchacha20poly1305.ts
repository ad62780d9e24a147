// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2 and §2.3,
// https://datatracker.ietf.org/doc/html/draft-irtf-cfrg-xchacha-03#section-2): ChaCha20-Poly1305
// with a 192-bit nonce, long enough to be drawn at random for every message under one key
// (§2.1: a collision is expected after about 2^96 messages). The first 16 nonce bytes and the key
// give a subkey (HChaCha20); the ChaCha20-Poly1305 nonce is 4 zero bytes and the last 8 nonce
// bytes. The AEAD itself is assembly/chacha20poly1305.ts, which calls this for its X variant.

import { subkey } from './hchacha20';
import { XCHACHA_NONCE_SIZE } from './abi';

export const NONCE_SIZE: i32 = XCHACHA_NONCE_SIZE;

/** The subkey (32 bytes at `keyOut`) and the 12-byte ChaCha20 nonce (at `nonceOut`) for `key` and `nonce24`. */
export function derive(key: usize, nonce24: usize, keyOut: usize, nonceOut: usize): void {
  subkey(key, nonce24, keyOut);
  store<u32>(nonceOut, 0);
  memory.copy(nonceOut + 4, nonce24 + 16, 8);
}
