// The codec's memory, shared by decode and encode: the arena (input and output bytes), the stack
// of container frames, and the state block JS reads (arena address and capacity, errAt). The
// arena is the memory past __heap_base: the core never allocates (runtime stub, static buffers
// only), so the codec owns it and grows it with memory.grow, not through heap.alloc, whose stub
// aborts when memory runs out (the release build would then import env.abort).

import { CODEC_TAPE, CODEC_UNITS, CODEC_STREAM, CODEC_STREAM_SIZE, ensureMemory } from '../buffers';
import { keepAbove } from '../hmac';
import {
  CODEC_E_TOO_LARGE as E_TOO_LARGE,
  CODEC_MAX_DEPTH as MAX_DEPTH,
  CODEC_STATE_ARENA,
  CODEC_STATE_CAPACITY,
  CODEC_STATE_ERR_AT,
} from '../abi';

/** Largest arena: input or output, plus room for a long string placed by JS. */
const ARENA_MAX: usize = 1 << 30;

// Containers being read or written, a 64-byte frame per level: +0 items remaining (i32), +4 1 for
// an object. An object's frame also keeps +8 the address of its previous key and +12 (decode) or
// +16 (encode) that key's length, -1 before the first (the key order check); decode keeps +32 a
// 256-bit set of the key-cache slots of the object's keys so far, which tells which keys may
// repeat an earlier one; encode keeps +20 1 once a key was out of order, +24 the address of the
// first entry and +28 the number of entries (to sort them when the object ends).
export const STACK: usize = memory.data(MAX_DEPTH * 64, 16);

// State read by JS through codecState(): arena address, arena capacity, errAt (offsets in
// assembly/abi.ts).
const STATE: usize = memory.data(16, 16);

export let arena: usize = 0;
export let arenaCap: usize = 0;

// @ts-ignore: decorator
@inline export function setErrAt(at: i32): void {
  store<i32>(STATE, at, CODEC_STATE_ERR_AT);
}

/**
 * Grows the arena (keeping its bytes) to hold at least `size` bytes; false when it cannot.
 * Doubling, so a value of n bytes costs O(log n) grows once. Memory never shrinks; the arena is
 * bounded by the largest maxBytes in use (x4 for a long string's worst-case UTF-8 room).
 */
export function ensureArena(size: usize): bool {
  if (size <= arenaCap) return true;
  if (size > ARENA_MAX) return false;
  if (arena == 0) arena = (__heap_base + 15) & ~15;
  let cap = max<usize>(arenaCap << 1, 65536);
  while (cap < size) cap <<= 1;
  if (cap > ARENA_MAX) cap = ARENA_MAX;
  // 16 bytes of slack: word-sized reads of the last bytes never leave memory. A grown key table
  // sits above the arena (assembly/hmac.ts) and moves up first.
  const needed = arena + cap + 16;
  if (!keepAbove(needed) || !ensureMemory(needed)) return false;
  arenaCap = cap;
  store<u32>(STATE, <u32>arena, CODEC_STATE_ARENA);
  store<u32>(STATE, <u32>arenaCap, CODEC_STATE_CAPACITY);
  return true;
}

export function codecState(): usize {
  if (arena == 0) ensureArena(65536);
  return STATE;
}

/** Makes the arena hold at least `size` bytes (JS copies a decode input there). 0, or E_TOO_LARGE. */
export function codecReserve(size: i32): i32 {
  return size >= 0 && ensureArena(<usize>size) ? 0 : E_TOO_LARGE;
}

// Layout JS reads once.
export function codecTape(): usize {
  return CODEC_TAPE;
}
export function codecUnits(): usize {
  return CODEC_UNITS;
}
export function codecStream(): usize {
  return CODEC_STREAM;
}
export function codecStreamSize(): i32 {
  return CODEC_STREAM_SIZE;
}
export function codecMaxDepth(): i32 {
  return MAX_DEPTH;
}
