// SHA-256 (FIPS 180-4) with a streaming init/update/final over one static context.
// The core is synchronous and single-threaded, so one context is enough; HMAC reuses it.

const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// FIPS 180-4 §4.1.2 functions. Inlined; with the fully unrolled rounds below the schedule lives in
// 16 locals and the round constants are immediates, which is what makes a compression cheap here.
// @ts-ignore: decorator
@inline function ch(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
// @ts-ignore: decorator
@inline function maj(x: u32, y: u32, z: u32): u32 { return (x & y) | (z & (x | y)); }
// @ts-ignore: decorator
@inline function S0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
// @ts-ignore: decorator
@inline function S1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
// @ts-ignore: decorator
@inline function s0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
// @ts-ignore: decorator
@inline function s1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }

/**
 * The 64 rounds over the message words w0..w15, added into the 8-word state at `state`.
 * Unrolled (generated once from the round formula, rotating the variable names each round): a
 * loop with the schedule in memory took about twice as long per block. Inlined into each caller,
 * so a caller that passes constant words gets them folded into the rounds.
 */
// @ts-ignore: decorator
@inline function rounds(state: usize, w0: u32, w1: u32, w2: u32, w3: u32, w4: u32, w5: u32, w6: u32, w7: u32, w8: u32, w9: u32, w10: u32, w11: u32, w12: u32, w13: u32, w14: u32, w15: u32): void {
  let a = load<u32>(state, 0);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  let e = load<u32>(state, 16);
  let f = load<u32>(state, 20);
  let g = load<u32>(state, 24);
  let h = load<u32>(state, 28);
  h += S1(e) + ch(e, f, g) + 0x428a2f98 + w0; d += h; h += S0(a) + maj(a, b, c);
  g += S1(d) + ch(d, e, f) + 0x71374491 + w1; c += g; g += S0(h) + maj(h, a, b);
  f += S1(c) + ch(c, d, e) + 0xb5c0fbcf + w2; b += f; f += S0(g) + maj(g, h, a);
  e += S1(b) + ch(b, c, d) + 0xe9b5dba5 + w3; a += e; e += S0(f) + maj(f, g, h);
  d += S1(a) + ch(a, b, c) + 0x3956c25b + w4; h += d; d += S0(e) + maj(e, f, g);
  c += S1(h) + ch(h, a, b) + 0x59f111f1 + w5; g += c; c += S0(d) + maj(d, e, f);
  b += S1(g) + ch(g, h, a) + 0x923f82a4 + w6; f += b; b += S0(c) + maj(c, d, e);
  a += S1(f) + ch(f, g, h) + 0xab1c5ed5 + w7; e += a; a += S0(b) + maj(b, c, d);
  h += S1(e) + ch(e, f, g) + 0xd807aa98 + w8; d += h; h += S0(a) + maj(a, b, c);
  g += S1(d) + ch(d, e, f) + 0x12835b01 + w9; c += g; g += S0(h) + maj(h, a, b);
  f += S1(c) + ch(c, d, e) + 0x243185be + w10; b += f; f += S0(g) + maj(g, h, a);
  e += S1(b) + ch(b, c, d) + 0x550c7dc3 + w11; a += e; e += S0(f) + maj(f, g, h);
  d += S1(a) + ch(a, b, c) + 0x72be5d74 + w12; h += d; d += S0(e) + maj(e, f, g);
  c += S1(h) + ch(h, a, b) + 0x80deb1fe + w13; g += c; c += S0(d) + maj(d, e, f);
  b += S1(g) + ch(g, h, a) + 0x9bdc06a7 + w14; f += b; b += S0(c) + maj(c, d, e);
  a += S1(f) + ch(f, g, h) + 0xc19bf174 + w15; e += a; a += S0(b) + maj(b, c, d);
  w0 += s1(w14) + w9 + s0(w1);
  h += S1(e) + ch(e, f, g) + 0xe49b69c1 + w0; d += h; h += S0(a) + maj(a, b, c);
  w1 += s1(w15) + w10 + s0(w2);
  g += S1(d) + ch(d, e, f) + 0xefbe4786 + w1; c += g; g += S0(h) + maj(h, a, b);
  w2 += s1(w0) + w11 + s0(w3);
  f += S1(c) + ch(c, d, e) + 0x0fc19dc6 + w2; b += f; f += S0(g) + maj(g, h, a);
  w3 += s1(w1) + w12 + s0(w4);
  e += S1(b) + ch(b, c, d) + 0x240ca1cc + w3; a += e; e += S0(f) + maj(f, g, h);
  w4 += s1(w2) + w13 + s0(w5);
  d += S1(a) + ch(a, b, c) + 0x2de92c6f + w4; h += d; d += S0(e) + maj(e, f, g);
  w5 += s1(w3) + w14 + s0(w6);
  c += S1(h) + ch(h, a, b) + 0x4a7484aa + w5; g += c; c += S0(d) + maj(d, e, f);
  w6 += s1(w4) + w15 + s0(w7);
  b += S1(g) + ch(g, h, a) + 0x5cb0a9dc + w6; f += b; b += S0(c) + maj(c, d, e);
  w7 += s1(w5) + w0 + s0(w8);
  a += S1(f) + ch(f, g, h) + 0x76f988da + w7; e += a; a += S0(b) + maj(b, c, d);
  w8 += s1(w6) + w1 + s0(w9);
  h += S1(e) + ch(e, f, g) + 0x983e5152 + w8; d += h; h += S0(a) + maj(a, b, c);
  w9 += s1(w7) + w2 + s0(w10);
  g += S1(d) + ch(d, e, f) + 0xa831c66d + w9; c += g; g += S0(h) + maj(h, a, b);
  w10 += s1(w8) + w3 + s0(w11);
  f += S1(c) + ch(c, d, e) + 0xb00327c8 + w10; b += f; f += S0(g) + maj(g, h, a);
  w11 += s1(w9) + w4 + s0(w12);
  e += S1(b) + ch(b, c, d) + 0xbf597fc7 + w11; a += e; e += S0(f) + maj(f, g, h);
  w12 += s1(w10) + w5 + s0(w13);
  d += S1(a) + ch(a, b, c) + 0xc6e00bf3 + w12; h += d; d += S0(e) + maj(e, f, g);
  w13 += s1(w11) + w6 + s0(w14);
  c += S1(h) + ch(h, a, b) + 0xd5a79147 + w13; g += c; c += S0(d) + maj(d, e, f);
  w14 += s1(w12) + w7 + s0(w15);
  b += S1(g) + ch(g, h, a) + 0x06ca6351 + w14; f += b; b += S0(c) + maj(c, d, e);
  w15 += s1(w13) + w8 + s0(w0);
  a += S1(f) + ch(f, g, h) + 0x14292967 + w15; e += a; a += S0(b) + maj(b, c, d);
  w0 += s1(w14) + w9 + s0(w1);
  h += S1(e) + ch(e, f, g) + 0x27b70a85 + w0; d += h; h += S0(a) + maj(a, b, c);
  w1 += s1(w15) + w10 + s0(w2);
  g += S1(d) + ch(d, e, f) + 0x2e1b2138 + w1; c += g; g += S0(h) + maj(h, a, b);
  w2 += s1(w0) + w11 + s0(w3);
  f += S1(c) + ch(c, d, e) + 0x4d2c6dfc + w2; b += f; f += S0(g) + maj(g, h, a);
  w3 += s1(w1) + w12 + s0(w4);
  e += S1(b) + ch(b, c, d) + 0x53380d13 + w3; a += e; e += S0(f) + maj(f, g, h);
  w4 += s1(w2) + w13 + s0(w5);
  d += S1(a) + ch(a, b, c) + 0x650a7354 + w4; h += d; d += S0(e) + maj(e, f, g);
  w5 += s1(w3) + w14 + s0(w6);
  c += S1(h) + ch(h, a, b) + 0x766a0abb + w5; g += c; c += S0(d) + maj(d, e, f);
  w6 += s1(w4) + w15 + s0(w7);
  b += S1(g) + ch(g, h, a) + 0x81c2c92e + w6; f += b; b += S0(c) + maj(c, d, e);
  w7 += s1(w5) + w0 + s0(w8);
  a += S1(f) + ch(f, g, h) + 0x92722c85 + w7; e += a; a += S0(b) + maj(b, c, d);
  w8 += s1(w6) + w1 + s0(w9);
  h += S1(e) + ch(e, f, g) + 0xa2bfe8a1 + w8; d += h; h += S0(a) + maj(a, b, c);
  w9 += s1(w7) + w2 + s0(w10);
  g += S1(d) + ch(d, e, f) + 0xa81a664b + w9; c += g; g += S0(h) + maj(h, a, b);
  w10 += s1(w8) + w3 + s0(w11);
  f += S1(c) + ch(c, d, e) + 0xc24b8b70 + w10; b += f; f += S0(g) + maj(g, h, a);
  w11 += s1(w9) + w4 + s0(w12);
  e += S1(b) + ch(b, c, d) + 0xc76c51a3 + w11; a += e; e += S0(f) + maj(f, g, h);
  w12 += s1(w10) + w5 + s0(w13);
  d += S1(a) + ch(a, b, c) + 0xd192e819 + w12; h += d; d += S0(e) + maj(e, f, g);
  w13 += s1(w11) + w6 + s0(w14);
  c += S1(h) + ch(h, a, b) + 0xd6990624 + w13; g += c; c += S0(d) + maj(d, e, f);
  w14 += s1(w12) + w7 + s0(w15);
  b += S1(g) + ch(g, h, a) + 0xf40e3585 + w14; f += b; b += S0(c) + maj(c, d, e);
  w15 += s1(w13) + w8 + s0(w0);
  a += S1(f) + ch(f, g, h) + 0x106aa070 + w15; e += a; a += S0(b) + maj(b, c, d);
  w0 += s1(w14) + w9 + s0(w1);
  h += S1(e) + ch(e, f, g) + 0x19a4c116 + w0; d += h; h += S0(a) + maj(a, b, c);
  w1 += s1(w15) + w10 + s0(w2);
  g += S1(d) + ch(d, e, f) + 0x1e376c08 + w1; c += g; g += S0(h) + maj(h, a, b);
  w2 += s1(w0) + w11 + s0(w3);
  f += S1(c) + ch(c, d, e) + 0x2748774c + w2; b += f; f += S0(g) + maj(g, h, a);
  w3 += s1(w1) + w12 + s0(w4);
  e += S1(b) + ch(b, c, d) + 0x34b0bcb5 + w3; a += e; e += S0(f) + maj(f, g, h);
  w4 += s1(w2) + w13 + s0(w5);
  d += S1(a) + ch(a, b, c) + 0x391c0cb3 + w4; h += d; d += S0(e) + maj(e, f, g);
  w5 += s1(w3) + w14 + s0(w6);
  c += S1(h) + ch(h, a, b) + 0x4ed8aa4a + w5; g += c; c += S0(d) + maj(d, e, f);
  w6 += s1(w4) + w15 + s0(w7);
  b += S1(g) + ch(g, h, a) + 0x5b9cca4f + w6; f += b; b += S0(c) + maj(c, d, e);
  w7 += s1(w5) + w0 + s0(w8);
  a += S1(f) + ch(f, g, h) + 0x682e6ff3 + w7; e += a; a += S0(b) + maj(b, c, d);
  w8 += s1(w6) + w1 + s0(w9);
  h += S1(e) + ch(e, f, g) + 0x748f82ee + w8; d += h; h += S0(a) + maj(a, b, c);
  w9 += s1(w7) + w2 + s0(w10);
  g += S1(d) + ch(d, e, f) + 0x78a5636f + w9; c += g; g += S0(h) + maj(h, a, b);
  w10 += s1(w8) + w3 + s0(w11);
  f += S1(c) + ch(c, d, e) + 0x84c87814 + w10; b += f; f += S0(g) + maj(g, h, a);
  w11 += s1(w9) + w4 + s0(w12);
  e += S1(b) + ch(b, c, d) + 0x8cc70208 + w11; a += e; e += S0(f) + maj(f, g, h);
  w12 += s1(w10) + w5 + s0(w13);
  d += S1(a) + ch(a, b, c) + 0x90befffa + w12; h += d; d += S0(e) + maj(e, f, g);
  w13 += s1(w11) + w6 + s0(w14);
  c += S1(h) + ch(h, a, b) + 0xa4506ceb + w13; g += c; c += S0(d) + maj(d, e, f);
  w14 += s1(w12) + w7 + s0(w15);
  b += S1(g) + ch(g, h, a) + 0xbef9a3f7 + w14; f += b; b += S0(c) + maj(c, d, e);
  w15 += s1(w13) + w8 + s0(w0);
  a += S1(f) + ch(f, g, h) + 0xc67178f2 + w15; e += a; a += S0(b) + maj(b, c, d);
  store<u32>(state, load<u32>(state, 0) + a, 0);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8);
  store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16);
  store<u32>(state, load<u32>(state, 20) + f, 20);
  store<u32>(state, load<u32>(state, 24) + g, 24);
  store<u32>(state, load<u32>(state, 28) + h, 28);
}

/** One compression of the 64-byte big-endian block at `block` into the state at `state`. */
export function compress(state: usize, block: usize): void {
  rounds(state, bswap<u32>(load<u32>(block, 0)), bswap<u32>(load<u32>(block, 4)), bswap<u32>(load<u32>(block, 8)), bswap<u32>(load<u32>(block, 12)), bswap<u32>(load<u32>(block, 16)), bswap<u32>(load<u32>(block, 20)), bswap<u32>(load<u32>(block, 24)), bswap<u32>(load<u32>(block, 28)), bswap<u32>(load<u32>(block, 32)), bswap<u32>(load<u32>(block, 36)), bswap<u32>(load<u32>(block, 40)), bswap<u32>(load<u32>(block, 44)), bswap<u32>(load<u32>(block, 48)), bswap<u32>(load<u32>(block, 52)), bswap<u32>(load<u32>(block, 56)), bswap<u32>(load<u32>(block, 60)));
}

/**
 * The outer compression of HMAC: the block is the inner digest (8 words, read straight from the
 * inner state, already native-endian), then the padding of a 96-byte message — constants.
 */
export function compressDigest(state: usize, digest: usize): void {
  rounds(
    state,
    load<u32>(digest, 0), load<u32>(digest, 4), load<u32>(digest, 8), load<u32>(digest, 12),
    load<u32>(digest, 16), load<u32>(digest, 20), load<u32>(digest, 24), load<u32>(digest, 28),
    0x80000000, 0, 0, 0, 0, 0, 0, 96 << 3,
  );
}

/** The streaming context: chaining state, a partial block and the byte count. */
export const STATE: usize = memory.data(32, 16);
const BLOCK: usize = memory.data(64, 16);
let blockLen: i32 = 0;
let totalLen: u64 = 0;

/** Starts a hash from `from` (the IV, or a precomputed HMAC state) having seen `seen` bytes. */
export function begin(from: usize, seen: u64): void {
  memory.copy(STATE, from, 32);
  blockLen = 0;
  totalLen = seen;
}

export function init(): void {
  begin(IV, 0);
}

export function update(ptr: usize, len: i32): void {
  totalLen += <u64>len;
  if (blockLen > 0) {
    const take = min(64 - blockLen, len);
    memory.copy(BLOCK + blockLen, ptr, take);
    blockLen += take;
    ptr += take;
    len -= take;
    if (blockLen < 64) return;
    compress(STATE, BLOCK);
    blockLen = 0;
  }
  while (len >= 64) {
    compress(STATE, ptr);
    ptr += 64;
    len -= 64;
  }
  if (len > 0) {
    memory.copy(BLOCK, ptr, len);
    blockLen = len;
  }
}

/** Pads, compresses the last block(s) and writes the 32-byte digest at `out`. */
export function final(out: usize): void {
  store<u8>(BLOCK + blockLen, 0x80);
  blockLen++;
  if (blockLen > 56) {
    memory.fill(BLOCK + blockLen, 0, 64 - blockLen);
    compress(STATE, BLOCK);
    blockLen = 0;
  }
  memory.fill(BLOCK + blockLen, 0, 56 - blockLen);
  store<u64>(BLOCK + 56, bswap<u64>(totalLen << 3));
  compress(STATE, BLOCK);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(STATE + i)));
  blockLen = 0;
}

/** Forgets the context (state, partial block, count): used after hashing key material. */
export function wipe(): void {
  memory.fill(STATE, 0, 32);
  memory.fill(BLOCK, 0, 64);
  blockLen = 0;
  totalLen = 0;
}

/** The IV, for callers that start from it. */
export function iv(): usize {
  return IV;
}
