// AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8, https://www.rfc-editor.org/rfc/rfc8439#section-2.8) and,
// with a subkey and nonce from assembly/xchacha20poly1305.ts, XChaCha20-Poly1305.
//
// The construction (§2.8): the Poly1305 key is the first 32 bytes of ChaCha20 block 0 (§2.6); the
// text is encrypted from block 1; the tag is Poly1305 over aad | pad16 | ciphertext | pad16 |
// le64(aad length) | le64(ciphertext length).
//
// Decryption authenticates first. The ciphertext is MACed, the tag compared in constant time
// (every byte, no early exit), and only when it matches is the keystream XORed in: a wrong tag
// releases no plaintext, not even to the core's own buffers. For the streaming API that means
// two passes (auth every chunk, verify, then decrypt the same chunks), which JS drives.
//
// One context, as a small state machine: a call in the wrong phase, or past the 2^32 - 1 blocks
// one nonce may cover (§2.8 note 1), returns MISUSE and changes nothing. The one-time Poly1305
// key and the subkey are wiped as soon as they are loaded; the ChaCha20 key state when the
// message is done (final, a failed verify, or wipe).
//
// What it costs against OpenSSL: docs/decisions/aead.md.

import * as chacha from './chacha20';
import * as poly from './poly1305';
import { derive } from './xchacha20poly1305';
import { AEAD_KEY_SIZE, AEAD_TAG_SIZE, AEAD_MISUSE, AEAD_FORGED, CHACHA_NONCE_SIZE } from './abi';

export const KEY_SIZE: i32 = AEAD_KEY_SIZE;
export const TAG_SIZE: i32 = AEAD_TAG_SIZE;

/** A call out of order, a length out of range: nothing was done. */
export const MISUSE: i32 = AEAD_MISUSE;
/** The tag did not match: nothing was decrypted, the context is wiped. */
export const FORGED: i32 = AEAD_FORGED;

const IDLE: i32 = 0;
const AAD: i32 = 1;
const TEXT: i32 = 2;
const VERIFIED: i32 = 3;
let phase: i32 = IDLE;
let aadLen: u64 = 0;
let textLen: u64 = 0;
/** Bytes that verify() authenticated and decrypt() may still release. */
let authLeft: u64 = 0;

/** Block 0 of the keystream: its first 32 bytes are the one-time Poly1305 key. */
const POLY_KEY: usize = memory.data(64, 16);
const SUBKEY: usize = memory.data(32, 16);
const NONCE12: usize = memory.data(CHACHA_NONCE_SIZE, 16);
const LENGTHS: usize = memory.data(16, 16);
const EXPECTED: usize = memory.data(16, 16);

/** Starts a message: the 32-byte key at `key`, the nonce (24 bytes if `x`, else 12) at `nonce`. */
export function begin(key: usize, nonce: usize, x: bool): void {
  if (x) {
    derive(key, nonce, SUBKEY, NONCE12);
    chacha.init(SUBKEY, NONCE12, 0);
    memory.fill(SUBKEY, 0, 32);
  } else {
    chacha.init(key, nonce, 0);
  }
  chacha.block(POLY_KEY); // block 0; the counter is now 1, where encryption starts
  poly.init(POLY_KEY);
  memory.fill(POLY_KEY, 0, 64);
  aadLen = 0;
  textLen = 0;
  authLeft = 0;
  phase = AAD;
}

/** Feeds `len` bytes of additional data at `ptr`. Only before the text. */
export function aad(ptr: usize, len: i32): i32 {
  if (phase != AAD || len < 0) return MISUSE;
  poly.update(ptr, len);
  aadLen += <u64>len;
  return 0;
}

/** The end of the additional data: pad it to 16 bytes (§2.8). */
// @ts-ignore: decorator
@inline function toText(): void {
  if (phase == AAD) {
    poly.zeros(<i32>((16 - (aadLen & 15)) & 15));
    phase = TEXT;
  }
}

/** Encrypts `len` bytes at `ptr` in place and MACs the ciphertext. */
export function encrypt(ptr: usize, len: i32): i32 {
  if ((phase != AAD && phase != TEXT) || len < 0 || !chacha.room(len)) return MISUSE;
  toText();
  chacha.xor(ptr, len);
  poly.update(ptr, len);
  textLen += <u64>len;
  return 0;
}

/** MACs `len` bytes of ciphertext at `ptr` and writes nothing: the first pass of decryption. */
export function auth(ptr: usize, len: i32): i32 {
  if ((phase != AAD && phase != TEXT) || len < 0 || !chacha.room(len)) return MISUSE;
  toText();
  poly.update(ptr, len);
  textLen += <u64>len;
  return 0;
}

/** The tag of what was fed, at `out`; Poly1305's context is wiped. */
function tag(out: usize): void {
  toText();
  poly.zeros(<i32>((16 - (textLen & 15)) & 15));
  store<u64>(LENGTHS, aadLen, 0);
  store<u64>(LENGTHS, textLen, 8);
  poly.update(LENGTHS, 16);
  poly.final(out);
}

/** Finishes a sealed message: the 16-byte tag at `out`; the context is wiped. */
export function sealFinal(out: usize): i32 {
  if (phase != AAD && phase != TEXT) return MISUSE;
  tag(out);
  wipe();
  return TAG_SIZE;
}

/**
 * Compares the tag of what auth() fed with the 16 bytes at `given`, in constant time. On a match
 * the keystream restarts at block 1 for decrypt(); otherwise FORGED and the context is wiped.
 */
export function verify(given: usize): i32 {
  if (phase != AAD && phase != TEXT) return MISUSE;
  tag(EXPECTED);
  let diff: u64 = (load<u64>(EXPECTED) ^ load<u64>(given)) | (load<u64>(EXPECTED, 8) ^ load<u64>(given, 8));
  memory.fill(EXPECTED, 0, 16);
  if (diff != 0) {
    wipe();
    return FORGED;
  }
  chacha.seek(1);
  authLeft = textLen;
  phase = VERIFIED;
  return 0;
}

/** Decrypts `len` bytes at `ptr` in place: only after verify(), and no more than it authenticated. */
export function decrypt(ptr: usize, len: i32): i32 {
  if (phase != VERIFIED || len < 0 || <u64>len > authLeft) return MISUSE;
  chacha.xor(ptr, len);
  authLeft -= <u64>len;
  return 0;
}

/** Forgets the key state, the MAC state and the phase. */
export function wipe(): void {
  chacha.wipe();
  poly.wipe();
  memory.fill(SUBKEY, 0, 32);
  memory.fill(POLY_KEY, 0, 64);
  aadLen = 0;
  textLen = 0;
  authLeft = 0;
  phase = IDLE;
}

/**
 * One-shot seal over one buffer: the key at `key` (wiped here), the nonce at `nonce`, the aad at
 * `data`, the plaintext right after it. Writes ciphertext over the plaintext and the tag after it.
 * The caller has checked that the buffer holds all of it and the tag.
 */
export function seal(x: bool, key: usize, nonce: usize, data: usize, dataAad: i32, textBytes: i32): i32 {
  begin(key, nonce, x);
  memory.fill(key, 0, KEY_SIZE);
  aad(data, dataAad);
  const text = data + <usize>dataAad;
  encrypt(text, textBytes);
  return textBytes + sealFinal(text + <usize>textBytes);
}

/**
 * One-shot open over one buffer laid out as for seal, with the ciphertext and its tag after the
 * aad (`ctLen` includes the tag). On success the plaintext is written over the ciphertext and its
 * length returned; on FORGED the buffer is as it was, less the key.
 */
export function open(x: bool, key: usize, nonce: usize, data: usize, dataAad: i32, ctLen: i32): i32 {
  if (ctLen < TAG_SIZE) {
    memory.fill(key, 0, KEY_SIZE);
    return FORGED;
  }
  begin(key, nonce, x);
  memory.fill(key, 0, KEY_SIZE);
  aad(data, dataAad);
  const text = data + <usize>dataAad;
  const textBytes = ctLen - TAG_SIZE;
  auth(text, textBytes);
  const r = verify(text + <usize>textBytes);
  if (r < 0) return r;
  decrypt(text, textBytes);
  wipe();
  return textBytes;
}
