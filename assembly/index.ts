// The one ABI surface of the core: its functions here, typed for JS in src/wasm/abi.ts; its
// constants in ./abi.ts, from which the build generates JS's copy (src/wasm/generated/abi.ts).
// Conventions: inputs are written by JS at ioPtr(), results are read at outPtr(); functions
// return a length or a status (negative = error), never a pointer to fresh memory.

import { IO, IO_SIZE, OUT, OUT_SIZE, POOL, POOL_SIZE } from './buffers';
import * as sha from './sha256';
import * as hmac from './hmac';
import { initTables } from './base64url';
import * as chacha from './chacha20';
import { subkey as hchachaSubkey } from './hchacha20';
import * as poly from './poly1305';
import * as aead from './chacha20poly1305';
import * as hkdfMod from './hkdf';

export { sign, verify } from './sign';
export { newId, newSignedId, validateId, poolFilled, poolRemaining } from './id';

initTables();

export function ioPtr(): usize {
  return IO;
}
export function ioSize(): i32 {
  return IO_SIZE;
}
export function outPtr(): usize {
  return OUT;
}
export function outSize(): i32 {
  return OUT_SIZE;
}
export function poolPtr(): usize {
  return POOL;
}
export function poolSize(): i32 {
  return POOL_SIZE;
}
/** The most key slots the table grows to. */
export function maxSlots(): i32 {
  return hmac.MAX_SLOTS;
}
/** The key slots the table holds now. */
export function slotCapacity(): i32 {
  return hmac.slots();
}

// SHA-256, streaming: sha256Init, then sha256Update(len) per chunk written at IO, then
// sha256Final writes 32 bytes at OUT.
export function sha256Init(): void {
  sha.init();
}
export function sha256Update(len: i32): void {
  assert(len >= 0 && len <= IO_SIZE, 'sha256Update: length outside IO');
  sha.update(IO, len);
}
export function sha256Final(): void {
  sha.final(OUT);
}
/** Forgets the hash context; call after hashing secrets. */
export function sha256Wipe(): void {
  sha.wipe();
}

// HMAC-SHA256 with a key slot: hmacSetKey(slot, len) with the key at IO; then hmacInit(slot),
// sha256Update(len) per chunk, hmacFinal(slot) writes 32 bytes at OUT.
export function hmacSetKey(slot: i32, len: i32): i32 {
  return hmac.setKey(slot, IO, len);
}
/** Grows the key table to at least `count` slots: the slots it holds, or -1. */
export function hmacReserve(count: i32): i32 {
  return hmac.reserve(count);
}
/** The identity of the key at IO[0..len) (see assembly/hmac.ts), 32 bytes at OUT: 0, or -1. */
export function hmacKeyId(len: i32): i32 {
  return hmac.keyId(IO, len, OUT);
}
export function hmacClearKey(slot: i32): void {
  hmac.clearKey(slot);
}
export function hmacInit(slot: i32): void {
  hmac.begin(slot);
}
export function hmacFinal(slot: i32): void {
  hmac.end(slot, OUT);
}

// The tagged codec (format v2; v1 is still decoded): see assembly/codec/format.ts.
export { codecState, codecReserve, codecTape, codecUnits, codecStream, codecStreamSize, codecMaxDepth } from './codec/arena';
export { codecDecode, codecDecodeNext, codecKeysReset } from './codec/decode';
export { codecEncode, codecEncodePlace, codecEncodePlaced } from './codec/encode';

// ChaCha20 (RFC 8439 §2.4), streaming: chacha20Init(counter) with the key at IO[0..32) and the
// 12-byte nonce at IO[32..44) (the key is wiped from IO), chacha20Update(len) XORs the keystream
// into IO[0..len) in place, chacha20Wipe forgets the key. 0, or -1 for a length outside IO or
// past the counter's range.
export function chacha20Init(counter: u32): void {
  chacha.init(IO, IO + 32, counter);
  memory.fill(IO, 0, aead.KEY_SIZE);
}
export function chacha20Update(len: i32): i32 {
  if (len < 0 || len > IO_SIZE || !chacha.room(len)) return aead.MISUSE;
  chacha.xor(IO, len);
  return 0;
}
export function chacha20Wipe(): void {
  chacha.wipe();
}

/** HChaCha20 (draft-irtf-cfrg-xchacha §2.2): key at IO[0..32), 16 bytes at IO[32..48); the subkey at OUT. */
export function hchacha20(): void {
  hchachaSubkey(IO, IO + 32, OUT);
  memory.fill(IO, 0, aead.KEY_SIZE);
}

// Poly1305 (RFC 8439 §2.5), streaming: poly1305Init with the one-time key at IO[0..32) (wiped
// from IO), poly1305Update(len) per chunk at IO, poly1305Final writes the 16-byte tag at OUT and
// forgets the key.
export function poly1305Init(): void {
  poly.init(IO);
  memory.fill(IO, 0, aead.KEY_SIZE);
}
export function poly1305Update(len: i32): i32 {
  if (len < 0 || len > IO_SIZE) return aead.MISUSE;
  poly.update(IO, len);
  return 0;
}
export function poly1305Final(): void {
  poly.final(OUT);
}

// ChaCha20-Poly1305 (RFC 8439 §2.8) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §2): `x` is 1
// for the 24-byte nonce. See assembly/chacha20poly1305.ts. Results: a length, or MISUSE (-1: a
// length that does not fit, a call out of order) or FORGED (-2: the tag did not match).
//
// One shot, in IO: the key at IO[0..32) (always wiped from IO), the nonce at aeadNonceAt(), the
// aad at aeadDataAt() and the text right after it. aeadSeal writes ciphertext | tag over the
// plaintext; aeadOpen takes ciphertext | tag and writes the plaintext over the ciphertext only
// once the tag has matched.
const AEAD_NONCE: i32 = 32;
const AEAD_DATA: i32 = 64;
export function aeadNonceAt(): i32 {
  return AEAD_NONCE;
}
export function aeadDataAt(): i32 {
  return AEAD_DATA;
}
export function aeadSeal(x: i32, aadLen: i32, textLen: i32): i32 {
  if (aadLen < 0 || textLen < 0 || <i64>aadLen + <i64>textLen > <i64>(IO_SIZE - AEAD_DATA - aead.TAG_SIZE)) {
    memory.fill(IO, 0, aead.KEY_SIZE);
    return aead.MISUSE;
  }
  return aead.seal(x != 0, IO, IO + AEAD_NONCE, IO + AEAD_DATA, aadLen, textLen);
}
export function aeadOpen(x: i32, aadLen: i32, ctLen: i32): i32 {
  if (aadLen < 0 || ctLen < 0 || <i64>aadLen + <i64>ctLen > <i64>(IO_SIZE - AEAD_DATA)) {
    memory.fill(IO, 0, aead.KEY_SIZE);
    return aead.MISUSE;
  }
  return aead.open(x != 0, IO, IO + AEAD_NONCE, IO + AEAD_DATA, aadLen, ctLen);
}

// Streaming, for inputs of any size: aeadInit(x) with the key at IO[0..32) (wiped) and the nonce
// at IO[32..]; aeadAad(len) per aad chunk at IO; then to seal, aeadEncrypt(len) per chunk (in
// place) and aeadSealFinal (the tag at OUT); to open, aeadAuth(len) per ciphertext chunk (nothing
// is written), aeadVerify with the tag at IO[0..16), and only after it succeeded aeadDecrypt(len)
// per chunk, the same chunks again, in place; aeadWipe when done or abandoned.
export function aeadInit(x: i32): void {
  aead.begin(IO, IO + AEAD_NONCE, x != 0);
  memory.fill(IO, 0, aead.KEY_SIZE);
}
export function aeadAad(len: i32): i32 {
  return len > IO_SIZE ? aead.MISUSE : aead.aad(IO, len);
}
export function aeadEncrypt(len: i32): i32 {
  return len > IO_SIZE ? aead.MISUSE : aead.encrypt(IO, len);
}
export function aeadSealFinal(): i32 {
  return aead.sealFinal(OUT);
}
export function aeadAuth(len: i32): i32 {
  return len > IO_SIZE ? aead.MISUSE : aead.auth(IO, len);
}
export function aeadVerify(): i32 {
  return aead.verify(IO);
}
export function aeadDecrypt(len: i32): i32 {
  return len > IO_SIZE ? aead.MISUSE : aead.decrypt(IO, len);
}
export function aeadWipe(): void {
  aead.wipe();
}

// HKDF-SHA256 (RFC 5869): see assembly/hkdf.ts. Inputs laid end to end at IO, the OKM written
// right after them; the secret inputs (IKM, PRK) are wiped from IO. `len` or -1 (lengths that do
// not fit IO, or `len` over 255 * 32).
//   hkdf(saltLen, ikmLen, infoLen, len)   IO: salt | ikm | info, then OKM
//   hkdfExtract(saltLen, ikmLen)          IO: salt | ikm; the 32-byte PRK at OUT
//   hkdfExpand(prkLen, infoLen, len)      IO: prk | info, then OKM
// @ts-ignore: decorator
@inline function fits(a: i32, b: i32, c: i32, len: i32): bool {
  return a >= 0 && b >= 0 && c >= 0 && len >= 0 && <i64>a + <i64>b + <i64>c + <i64>len <= <i64>IO_SIZE;
}
export function hkdf(saltLen: i32, ikmLen: i32, infoLen: i32, len: i32): i32 {
  if (!fits(saltLen, ikmLen, infoLen, len) || len > hkdfMod.MAX_OKM) {
    if (fits(saltLen, ikmLen, 0, 0)) memory.fill(IO + saltLen, 0, ikmLen);
    return -1;
  }
  const ikm = IO + <usize>saltLen;
  const info = ikm + <usize>ikmLen;
  hkdfMod.derive(IO, saltLen, ikm, ikmLen, info, infoLen, info + <usize>infoLen, len);
  memory.fill(ikm, 0, ikmLen);
  return len;
}
export function hkdfExtract(saltLen: i32, ikmLen: i32): i32 {
  if (!fits(saltLen, ikmLen, 0, 0)) return -1;
  hkdfMod.extract(IO, saltLen, IO + <usize>saltLen, ikmLen, OUT);
  memory.fill(IO + <usize>saltLen, 0, ikmLen);
  return hkdfMod.HASH_LEN;
}
export function hkdfExpand(prkLen: i32, infoLen: i32, len: i32): i32 {
  if (!fits(prkLen, infoLen, 0, len) || len > hkdfMod.MAX_OKM) {
    if (fits(prkLen, 0, 0, 0)) memory.fill(IO, 0, prkLen);
    return -1;
  }
  const info = IO + <usize>prkLen;
  hkdfMod.expand(IO, prkLen, info, infoLen, info + <usize>infoLen, len);
  memory.fill(IO, 0, prkLen);
  return len;
}
