// HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2,
// https://datatracker.ietf.org/doc/html/draft-irtf-cfrg-xchacha-03#section-2.2): a 256-bit subkey
// from a 256-bit key and the first 128 bits of XChaCha20's 192-bit nonce. It is the ChaCha20 state
// with the 16 nonce bytes in place of counter and nonce, the 20 rounds without the final addition
// of the input, and words 0-3 and 12-15 of the result as the subkey.

import { rounds, setKey } from './chacha20';

/** The state, then the rounds' output: both hold key material, wiped before returning. */
const STATE: usize = memory.data(64, 16);
const OUT: usize = memory.data(64, 16);

/** Writes the 32-byte subkey of the key at `key` and the 16 bytes at `nonce16` to `dst`. */
export function subkey(key: usize, nonce16: usize, dst: usize): void {
  setKey(STATE, key);
  memory.copy(STATE + 48, nonce16, 16);
  rounds(STATE, OUT, false);
  memory.copy(dst, OUT, 16);
  memory.copy(dst + 16, OUT + 48, 16);
  memory.fill(STATE, 0, 64);
  memory.fill(OUT, 0, 64);
}
