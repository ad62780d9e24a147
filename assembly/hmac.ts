// HMAC-SHA256 (RFC 2104) with each key's inner and outer chaining states computed once, when the
// key is set: a MAC over a message of at most 55 bytes then costs exactly two compressions.
//
// Key slots: 64 bytes each (inner state, then outer state), numbered from 0, addressed as
// table + slot * 64. The table starts as STATIC_SLOTS slots in static memory and grows when JS
// asks (reserve: doubling) up to MAX_SLOTS, 4 MiB of key states, so memory stays bounded however
// many signers a process keeps alive. A grown table is the topmost region of memory, above the
// codec's arena: it grows in place, and moves up when the arena grows under it (keepAbove).
// Slot numbers never change; a move copies the states and wipes the bytes they leave.
// The table's address is one global load on the hot path, against a constant before it grew;
// measured in src/signing.ts.

import * as sha from './sha256';
import { ensureMemory } from './buffers';

export const STATIC_SLOTS: i32 = 256;
/** The most slots the table grows to. */
export const MAX_SLOTS: i32 = 65536;
const STATIC_TABLE: usize = memory.data(STATIC_SLOTS * 64, 16);
let table: usize = STATIC_TABLE;
let slotCount: i32 = STATIC_SLOTS;
/** The lowest address a grown table may take: the end of the codec's arena. */
let floor: usize = (__heap_base + 15) & ~15;

const PAD: usize = memory.data(64, 16);
const INNER: usize = memory.data(32, 16);
const SHORT_BLOCK: usize = memory.data(64, 16);
const SHORT_STATE: usize = memory.data(32, 16);
const SHORT_OUTER: usize = memory.data(32, 16);
/** keyId's key states, wiped as soon as the identity is computed. */
const ID_STATE: usize = memory.data(64, 16);
// What keyId MACs. UTF-16, so its zero bytes keep it apart from every signed payload ("1.<id>",
// cookie octets only): an identity is never a MAC an attacker could use.
const ID_LABEL = 'simplesessions key id';

/** Longest message that fits one block with its padding: 64 - 1 (0x80) - 8 (length). */
export const SHORT_MAX: i32 = 55;

// @ts-ignore: decorator
@inline function keyState(slot: i32): usize {
  return table + (<usize>slot << 6);
}

/** The slots the table holds now. */
export function slots(): i32 {
  return slotCount;
}

/** True when slots [first, first + count) are in the table. */
// @ts-ignore: decorator
@inline export function inTable(first: i32, count: i32): bool {
  return first >= 0 && count >= 0 && first <= slotCount - count;
}

/**
 * Grows the table to hold at least `count` slots. Returns the slots it holds, or -1 when `count`
 * is beyond MAX_SLOTS or memory cannot grow.
 */
export function reserve(count: i32): i32 {
  if (count <= slotCount) return slotCount;
  if (count > MAX_SLOTS) return -1;
  let cap = slotCount << 1;
  while (cap < count) cap <<= 1;
  if (cap > MAX_SLOTS) cap = MAX_SLOTS;
  if (table == STATIC_TABLE) {
    // The first growth leaves static memory for the top.
    if (!ensureMemory(floor + (<usize>cap << 6))) return -1;
    const bytes = <usize>slotCount << 6;
    memory.copy(floor, STATIC_TABLE, bytes);
    memory.fill(STATIC_TABLE, 0, bytes);
    table = floor;
  } else if (!ensureMemory(table + (<usize>cap << 6))) {
    return -1;
  }
  slotCount = cap;
  return cap;
}

/**
 * Called by the codec before its arena takes memory up to `addr`: a grown table below `addr`
 * moves to start there. False when memory cannot grow.
 */
export function keepAbove(addr: usize): bool {
  addr = (addr + 15) & ~15;
  if (addr > floor) floor = addr;
  if (table == STATIC_TABLE || table >= addr) return true;
  const bytes = <usize>slotCount << 6;
  if (!ensureMemory(addr + bytes)) return false;
  memory.copy(addr, table, bytes);
  memory.fill(table, 0, min(bytes, addr - table));
  table = addr;
  return true;
}

/** Writes the inner state (32 bytes) then the outer state of the `len`-byte key at `key` to `dst`. */
export function keyStates(dst: usize, key: usize, len: i32): void {
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
  memory.copy(dst, sha.iv(), 32);
  sha.compress(dst, PAD);
  for (let i: usize = 0; i < 64; i++) store<u8>(PAD + i, load<u8>(PAD + i) ^ (0x36 ^ 0x5c));
  memory.copy(dst + 32, sha.iv(), 32);
  sha.compress(dst + 32, PAD);
  memory.fill(PAD, 0, 64); // no copy of the key stays behind
}

/** Sets the key of `slot` from `len` bytes at `key`. Returns 0, or -1 for a bad slot. */
export function setKey(slot: i32, key: usize, len: i32): i32 {
  if (!inTable(slot, 1) || len < 0) return -1;
  keyStates(keyState(slot), key, len);
  return 0;
}

/**
 * A key's identity, HMAC(key, ID_LABEL), written as 32 bytes at `out`: equal for equal keys
 * (after RFC 2104's hashing of long keys), and no use for signing. Touches no slot. 0, or -1.
 */
export function keyId(key: usize, len: i32, out: usize): i32 {
  if (len < 0) return -1;
  keyStates(ID_STATE, key, len);
  macShortAt(ID_STATE, changetype<usize>(ID_LABEL), ID_LABEL.length << 1, out);
  memory.fill(ID_STATE, 0, 64);
  return 0;
}

/** Forgets a slot's key. */
export function clearKey(slot: i32): void {
  if (inTable(slot, 1)) memory.fill(keyState(slot), 0, 64);
}

/** Starts a MAC with `slot`'s key; feed the message with sha.update. */
export function begin(slot: i32): void {
  beginAt(keyState(slot));
}

/** Finishes the MAC started by begin(slot) and writes 32 bytes at `out`. */
export function end(slot: i32, out: usize): void {
  endAt(keyState(slot), out);
}

/** Starts a MAC with the key states (keyStates) at `states`, which need not be a slot. */
export function beginAt(states: usize): void {
  sha.begin(states, 64);
}

/** Finishes the MAC started by beginAt(states) and writes 32 bytes at `out`. */
export function endAt(states: usize, out: usize): void {
  sha.final(INNER);
  sha.begin(states + 32, 64);
  sha.update(INNER, 32);
  sha.final(out);
}

/** Forgets the last inner digest, for callers whose MACs are key material (HKDF). */
export function wipeInner(): void {
  memory.fill(INNER, 0, 32);
}

/**
 * The MAC of a message of at most SHORT_MAX bytes, written at `out`: exactly two compressions,
 * with both padded blocks built in place (no streaming bookkeeping).
 */
export function macShort(slot: i32, msg: usize, len: i32, out: usize): void {
  macShortAt(keyState(slot), msg, len, out);
}

// @ts-ignore: decorator
@inline function macShortAt(states: usize, msg: usize, len: i32, out: usize): void {
  assert(len >= 0 && len <= SHORT_MAX, 'macShort: message longer than one block');
  memory.copy(SHORT_BLOCK, msg, len);
  store<u8>(SHORT_BLOCK + len, 0x80);
  memory.fill(SHORT_BLOCK + len + 1, 0, 55 - len);
  store<u64>(SHORT_BLOCK + 56, bswap<u64>(<u64>(64 + len) << 3));
  memory.copy(SHORT_STATE, states, 32);
  sha.compress(SHORT_STATE, SHORT_BLOCK);
  // Outer: ostate over the inner digest and its padding, in one compression.
  memory.copy(SHORT_OUTER, states + 32, 32);
  sha.compressDigest(SHORT_OUTER, SHORT_STATE);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(SHORT_OUTER + i)));
}
