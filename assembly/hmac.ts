// HMAC-SHA256 (RFC 2104) with each key's inner and outer chaining states computed once, when the
// key is set: a MAC over a message of at most 55 bytes then costs exactly two compressions.

import * as sha from './sha256';

/** Key slots available to the whole process; JS hands out contiguous runs of them per signer. */
export const MAX_SLOTS: i32 = 256;
// Per slot: inner state (32 bytes) then outer state (32 bytes).
const SLOTS: usize = memory.data(MAX_SLOTS * 64, 16);
const PAD: usize = memory.data(64, 16);
const INNER: usize = memory.data(32, 16);
const SHORT_BLOCK: usize = memory.data(64, 16);
const SHORT_STATE: usize = memory.data(32, 16);
const SHORT_OUTER: usize = memory.data(32, 16);

/** Longest message that fits one block with its padding: 64 - 1 (0x80) - 8 (length). */
export const SHORT_MAX: i32 = 55;

// @ts-ignore: decorator
@inline function innerState(slot: i32): usize {
  return SLOTS + (<usize>slot << 6);
}

// @ts-ignore: decorator
@inline function outerState(slot: i32): usize {
  return SLOTS + (<usize>slot << 6) + 32;
}

/** Sets the key of `slot` from `len` bytes at `key`. Returns 0, or -1 for a bad slot. */
export function setKey(slot: i32, key: usize, len: i32): i32 {
  if (slot < 0 || slot >= MAX_SLOTS || len < 0) return -1;
  memory.fill(PAD, 0, 64);
  if (len > 64) {
    // Keys longer than a block are hashed first (RFC 2104 §2).
    sha.init();
    sha.update(key, len);
    sha.final(PAD);
    sha.wipe(); // the context held the key's hash and its last bytes
  } else {
    memory.copy(PAD, key, len);
  }
  for (let i: usize = 0; i < 64; i++) store<u8>(PAD + i, load<u8>(PAD + i) ^ 0x36);
  memory.copy(innerState(slot), sha.iv(), 32);
  sha.compress(innerState(slot), PAD);
  for (let i: usize = 0; i < 64; i++) store<u8>(PAD + i, load<u8>(PAD + i) ^ (0x36 ^ 0x5c));
  memory.copy(outerState(slot), sha.iv(), 32);
  sha.compress(outerState(slot), PAD);
  memory.fill(PAD, 0, 64); // no copy of the key stays behind
  return 0;
}

/** Forgets a slot's key. */
export function clearKey(slot: i32): void {
  if (slot >= 0 && slot < MAX_SLOTS) memory.fill(innerState(slot), 0, 64);
}

/** Starts a MAC with `slot`'s key; feed the message with sha.update. */
export function begin(slot: i32): void {
  sha.begin(innerState(slot), 64);
}

/** Finishes the MAC started by begin(slot) and writes 32 bytes at `out`. */
export function end(slot: i32, out: usize): void {
  sha.final(INNER);
  sha.begin(outerState(slot), 64);
  sha.update(INNER, 32);
  sha.final(out);
}

/**
 * The MAC of a message of at most SHORT_MAX bytes, written at `out`: exactly two compressions,
 * with both padded blocks built in place (no streaming bookkeeping).
 */
export function macShort(slot: i32, msg: usize, len: i32, out: usize): void {
  assert(len >= 0 && len <= SHORT_MAX, 'macShort: message longer than one block');
  memory.copy(SHORT_BLOCK, msg, len);
  store<u8>(SHORT_BLOCK + len, 0x80);
  memory.fill(SHORT_BLOCK + len + 1, 0, 55 - len);
  store<u64>(SHORT_BLOCK + 56, bswap<u64>(<u64>(64 + len) << 3));
  memory.copy(SHORT_STATE, innerState(slot), 32);
  sha.compress(SHORT_STATE, SHORT_BLOCK);
  // Outer: ostate over the inner digest and its padding, in one compression.
  memory.copy(SHORT_OUTER, outerState(slot), 32);
  sha.compressDigest(SHORT_OUTER, SHORT_STATE);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(SHORT_OUTER + i)));
}
