// The one ABI surface of the core. Everything exported here is mirrored by src/wasm/abi.ts.
// Conventions: inputs are written by JS at ioPtr(), results are read at outPtr(); functions
// return a length or a status (negative = error), never a pointer to fresh memory.

import { IO, IO_SIZE, OUT, OUT_SIZE, POOL, POOL_SIZE } from './buffers';
import * as sha from './sha256';
import * as hmac from './hmac';
import { initTables } from './base64url';

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

// The tagged codec (format v2; v1 is still decoded): see assembly/codec.ts.
export {
  codecState, codecReserve, codecDecode, codecDecodeNext, codecKeysReset, codecEncode, codecEncodePlace,
  codecEncodePlaced, codecTape, codecUnits, codecStream, codecStreamSize, codecMaxDepth,
} from './codec';
