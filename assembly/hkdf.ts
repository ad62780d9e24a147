// HKDF-SHA256 (RFC 5869, https://www.rfc-editor.org/rfc/rfc5869), over the HMAC of
// assembly/hmac.ts with key states computed here rather than in a signer's slot:
//   extract (§2.2): PRK = HMAC(salt, IKM), the salt as the key (an empty salt is HashLen zero
//                   bytes, which HMAC's zero padding of the key makes the same thing);
//   expand  (§2.3): T(i) = HMAC(PRK, T(i-1) | info | i), OKM = the first L bytes of T(1) | T(2) | …,
//                   L at most 255 · 32 bytes.
// PRK, both key states, the last T block, the hash context and HMAC's inner digest are wiped
// before returning; what remains is the OKM the caller asked for.

import * as sha from './sha256';
import { keyStates, beginAt, endAt, wipeInner } from './hmac';
import { HKDF_HASH_LEN, HKDF_MAX_OKM } from './abi';

export const HASH_LEN: i32 = HKDF_HASH_LEN;
/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const MAX_OKM: i32 = HKDF_MAX_OKM;

const STATES: usize = memory.data(64, 16);
const PRK: usize = memory.data(32, 16);
const T: usize = memory.data(32, 16);
const COUNTER: usize = memory.data(16, 16);

/** PRK = HMAC(salt, ikm) written at `out` (32 bytes). */
export function extract(salt: usize, saltLen: i32, ikm: usize, ikmLen: i32, out: usize): void {
  keyStates(STATES, salt, saltLen);
  beginAt(STATES);
  sha.update(ikm, ikmLen);
  endAt(STATES, out);
  wipe();
}

/** `len` (<= MAX_OKM) bytes of OKM from the `prkLen`-byte PRK and the info, written at `out`. */
export function expand(prk: usize, prkLen: i32, info: usize, infoLen: i32, out: usize, len: i32): void {
  keyStates(STATES, prk, prkLen);
  let done = 0;
  for (let i = 1; done < len; i++) {
    beginAt(STATES);
    if (i > 1) sha.update(T, HASH_LEN);
    sha.update(info, infoLen);
    store<u8>(COUNTER, <u8>i);
    sha.update(COUNTER, 1);
    endAt(STATES, T);
    const take = min(HASH_LEN, len - done);
    memory.copy(out + <usize>done, T, take);
    done += take;
  }
  wipe();
}

/** Extract then expand; the PRK never leaves the core. */
export function derive(salt: usize, saltLen: i32, ikm: usize, ikmLen: i32, info: usize, infoLen: i32, out: usize, len: i32): void {
  extract(salt, saltLen, ikm, ikmLen, PRK);
  expand(PRK, HASH_LEN, info, infoLen, out, len);
  memory.fill(PRK, 0, HASH_LEN);
}

function wipe(): void {
  memory.fill(STATES, 0, 64);
  memory.fill(T, 0, HASH_LEN);
  store<u8>(COUNTER, 0);
  sha.wipe();
  wipeInner();
}
