// ChaCha20 (RFC 8439 §2.3-2.4, https://www.rfc-editor.org/rfc/rfc8439#section-2.3): a 256-bit
// key, a 96-bit nonce and a 32-bit block counter; the keystream is XORed into the data.
//
// One streaming context over static memory (the core is synchronous and single-threaded, as for
// SHA-256): init sets the state, xor(ptr, len) encrypts or decrypts in place and may be called
// with chunks of any size (the unused end of a keystream block is kept for the next chunk), wipe
// forgets the state and the keystream. Only additions, XORs and fixed rotations: the time taken
// depends on the length alone, never on the key or the data.

/** The 16-word state (§2.3): constants, key, counter, nonce. Holds the key: wiped by wipe(). */
const STATE: usize = memory.data(64, 16);
/** The current keystream block and how much of it is used (64: none left). */
const KS: usize = memory.data(64, 16);
let ksUsed: i32 = 64;
/** Blocks left before the 32-bit counter would wrap (§2.4: the counter must not repeat). */
let blocksLeft: u64 = 0;

// "expand 32-byte k", §2.3.
export const C0: u32 = 0x61707865;
export const C1: u32 = 0x3320646e;
export const C2: u32 = 0x79622d32;
export const C3: u32 = 0x6b206574;

/**
 * The 20 rounds (§2.3: ten column-then-diagonal double rounds) over the state at `src`, written
 * to `dst` as 16 words; with `add` the input is added back (the block function), without it not
 * (HChaCha20, draft-irtf-cfrg-xchacha §2.2). One function, not inlined into its three callers:
 * a call costs nothing beside 20 rounds, and each inlined copy cost about 1 kB of gzipped wasm.
 */
export function rounds(src: usize, dst: usize, add: bool): void {
  let x0 = load<u32>(src, 0), x1 = load<u32>(src, 4), x2 = load<u32>(src, 8), x3 = load<u32>(src, 12);
  let x4 = load<u32>(src, 16), x5 = load<u32>(src, 20), x6 = load<u32>(src, 24), x7 = load<u32>(src, 28);
  let x8 = load<u32>(src, 32), x9 = load<u32>(src, 36), x10 = load<u32>(src, 40), x11 = load<u32>(src, 44);
  let x12 = load<u32>(src, 48), x13 = load<u32>(src, 52), x14 = load<u32>(src, 56), x15 = load<u32>(src, 60);
  for (let i = 0; i < 10; i++) {
    // Quarter rounds (§2.1) on the columns...
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 16); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 12);
    x0 += x4; x12 = rotl<u32>(x12 ^ x0, 8); x8 += x12; x4 = rotl<u32>(x4 ^ x8, 7);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 16); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 12);
    x1 += x5; x13 = rotl<u32>(x13 ^ x1, 8); x9 += x13; x5 = rotl<u32>(x5 ^ x9, 7);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 16); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 12);
    x2 += x6; x14 = rotl<u32>(x14 ^ x2, 8); x10 += x14; x6 = rotl<u32>(x6 ^ x10, 7);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 16); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 12);
    x3 += x7; x15 = rotl<u32>(x15 ^ x3, 8); x11 += x15; x7 = rotl<u32>(x7 ^ x11, 7);
    // ...then on the diagonals (§2.3.1).
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 16); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 12);
    x0 += x5; x15 = rotl<u32>(x15 ^ x0, 8); x10 += x15; x5 = rotl<u32>(x5 ^ x10, 7);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 16); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 12);
    x1 += x6; x12 = rotl<u32>(x12 ^ x1, 8); x11 += x12; x6 = rotl<u32>(x6 ^ x11, 7);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 16); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 12);
    x2 += x7; x13 = rotl<u32>(x13 ^ x2, 8); x8 += x13; x7 = rotl<u32>(x7 ^ x8, 7);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 16); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 12);
    x3 += x4; x14 = rotl<u32>(x14 ^ x3, 8); x9 += x14; x4 = rotl<u32>(x4 ^ x9, 7);
  }
  if (add) {
    x0 += load<u32>(src, 0); x1 += load<u32>(src, 4); x2 += load<u32>(src, 8); x3 += load<u32>(src, 12);
    x4 += load<u32>(src, 16); x5 += load<u32>(src, 20); x6 += load<u32>(src, 24); x7 += load<u32>(src, 28);
    x8 += load<u32>(src, 32); x9 += load<u32>(src, 36); x10 += load<u32>(src, 40); x11 += load<u32>(src, 44);
    x12 += load<u32>(src, 48); x13 += load<u32>(src, 52); x14 += load<u32>(src, 56); x15 += load<u32>(src, 60);
  }
  // WebAssembly is little-endian, as the serialization of §2.3 is: words are stored as they are.
  store<u32>(dst, x0, 0); store<u32>(dst, x1, 4); store<u32>(dst, x2, 8); store<u32>(dst, x3, 12);
  store<u32>(dst, x4, 16); store<u32>(dst, x5, 20); store<u32>(dst, x6, 24); store<u32>(dst, x7, 28);
  store<u32>(dst, x8, 32); store<u32>(dst, x9, 36); store<u32>(dst, x10, 40); store<u32>(dst, x11, 44);
  store<u32>(dst, x12, 48); store<u32>(dst, x13, 52); store<u32>(dst, x14, 56); store<u32>(dst, x15, 60);
}

/** Writes the constants and the 32-byte key at `key` into the first 12 words of `state`. */
// @ts-ignore: decorator
@inline export function setKey(state: usize, key: usize): void {
  store<u32>(state, C0, 0);
  store<u32>(state, C1, 4);
  store<u32>(state, C2, 8);
  store<u32>(state, C3, 12);
  memory.copy(state + 16, key, 32);
}

/** Starts a keystream: the 32-byte key at `key`, the 12-byte nonce at `nonce`, block `counter`. */
export function init(key: usize, nonce: usize, counter: u32): void {
  setKey(STATE, key);
  store<u32>(STATE, counter, 48);
  memory.copy(STATE + 52, nonce, 12);
  ksUsed = 64;
  blocksLeft = 0x100000000 - <u64>counter;
}

/** Restarts the keystream of the current key and nonce at block `counter`. */
export function seek(counter: u32): void {
  store<u32>(STATE, counter, 48);
  ksUsed = 64;
  blocksLeft = 0x100000000 - <u64>counter;
}

/** The next keystream block into KS; the counter moves on (§2.4). */
function nextBlock(): void {
  rounds(STATE, KS, true);
  store<u32>(STATE, load<u32>(STATE, 48) + 1, 48);
  blocksLeft--;
  ksUsed = 0;
}

/** True when `len` more bytes fit in what is left of the counter's range. */
export function room(len: i32): bool {
  const need = (<u64>max(len - (64 - ksUsed), 0) + 63) >> 6;
  return need <= blocksLeft;
}

/** The next `len` keystream bytes XORed into `ptr` (in place). Check room(len) first. */
export function xor(ptr: usize, len: i32): void {
  // The rest of the previous chunk's block first.
  if (ksUsed < 64) {
    const take = min(64 - ksUsed, len);
    for (let i = 0; i < take; i++) store<u8>(ptr + i, load<u8>(ptr + i) ^ load<u8>(KS + ksUsed + i));
    ksUsed += take;
    ptr += take;
    len -= take;
  }
  while (len >= 64) {
    nextBlock();
    for (let i: usize = 0; i < 64; i += 8) store<u64>(ptr + i, load<u64>(ptr + i) ^ load<u64>(KS + i));
    ksUsed = 64;
    ptr += 64;
    len -= 64;
  }
  if (len > 0) {
    nextBlock();
    for (let i = 0; i < len; i++) store<u8>(ptr + i, load<u8>(ptr + i) ^ load<u8>(KS + i));
    ksUsed = len;
  }
}

/** The keystream block for the current counter written at `dst` (64 bytes); the counter moves on. */
export function block(dst: usize): void {
  rounds(STATE, dst, true);
  store<u32>(STATE, load<u32>(STATE, 48) + 1, 48);
  blocksLeft--;
}

/** Forgets the key, the keystream and the position. */
export function wipe(): void {
  memory.fill(STATE, 0, 64);
  memory.fill(KS, 0, 64);
  ksUsed = 64;
  blocksLeft = 0;
}
