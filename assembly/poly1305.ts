// Poly1305 (RFC 8439 §2.5, https://www.rfc-editor.org/rfc/rfc8439#section-2.5): a one-time
// authenticator; the 32-byte key is r (clamped) and s, the tag is ((Σ blocks · r^i) mod 2^130-5) + s.
//
// Arithmetic on five 26-bit limbs (after poly1305-donna's 32-bit version): each product of two
// limbs fits 52 bits, a sum of five fits 64, so WebAssembly's i64 multiply does the work and no
// 128-bit product is needed. Everything is straight-line arithmetic on the limbs: no branch and
// no memory index depends on the key, the message or the accumulator, so the time taken depends
// on the length alone (§4, https://www.rfc-editor.org/rfc/rfc8439#section-4). The final reduction
// picks h or h - p with a mask, not a branch.
//
// One streaming context over static memory (init, update with chunks of any size, final), wiped
// by final: r, s, the accumulator and the partial block are all key-dependent.

/** r (5 limbs), h (5 limbs), s (4 words): u32 each. */
const CTX: usize = memory.data(64, 16);
const R: usize = CTX;
const H: usize = CTX + 20;
const S: usize = CTX + 40;
/** The partial block of the last update and its length. */
const BUF: usize = memory.data(16, 16);
let bufLen: i32 = 0;

const MASK: u32 = 0x3ffffff;

/** Starts a MAC with the 32-byte one-time key at `key`. */
export function init(key: usize): void {
  // Clamping (§2.5): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff, taken 26 bits at a time.
  store<u32>(R, load<u32>(key, 0) & 0x3ffffff, 0);
  store<u32>(R, (load<u32>(key, 3) >> 2) & 0x3ffff03, 4);
  store<u32>(R, (load<u32>(key, 6) >> 4) & 0x3ffc0ff, 8);
  store<u32>(R, (load<u32>(key, 9) >> 6) & 0x3f03fff, 12);
  store<u32>(R, (load<u32>(key, 12) >> 8) & 0x00fffff, 16);
  memory.fill(H, 0, 20);
  memory.copy(S, key + 16, 16);
  bufLen = 0;
}

/**
 * Adds `len` bytes of whole 16-byte blocks at `m` to the accumulator. `hibit` is 2^128 in the top
 * limb for full blocks (§2.5: "add one bit beyond the number of octets"), 0 for the last, padded one.
 */
function blocks(m: usize, len: i32, hibit: u32): void {
  const r0 = <u64>load<u32>(R, 0), r1 = <u64>load<u32>(R, 4), r2 = <u64>load<u32>(R, 8);
  const r3 = <u64>load<u32>(R, 12), r4 = <u64>load<u32>(R, 16);
  // r_i * 5: a limb that overflows 2^130 wraps around as * 5, since 2^130 ≡ 5 (mod p).
  const s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
  let h0 = load<u32>(H, 0), h1 = load<u32>(H, 4), h2 = load<u32>(H, 8), h3 = load<u32>(H, 12), h4 = load<u32>(H, 16);
  while (len >= 16) {
    h0 += load<u32>(m, 0) & MASK;
    h1 += (load<u32>(m, 3) >> 2) & MASK;
    h2 += (load<u32>(m, 6) >> 4) & MASK;
    h3 += (load<u32>(m, 9) >> 6) & MASK;
    h4 += (load<u32>(m, 12) >> 8) | hibit;
    // h *= r, limb by limb.
    const d0 = <u64>h0 * r0 + <u64>h1 * s4 + <u64>h2 * s3 + <u64>h3 * s2 + <u64>h4 * s1;
    let d1 = <u64>h0 * r1 + <u64>h1 * r0 + <u64>h2 * s4 + <u64>h3 * s3 + <u64>h4 * s2;
    let d2 = <u64>h0 * r2 + <u64>h1 * r1 + <u64>h2 * r0 + <u64>h3 * s4 + <u64>h4 * s3;
    let d3 = <u64>h0 * r3 + <u64>h1 * r2 + <u64>h2 * r1 + <u64>h3 * r0 + <u64>h4 * s4;
    let d4 = <u64>h0 * r4 + <u64>h1 * r3 + <u64>h2 * r2 + <u64>h3 * r1 + <u64>h4 * r0;
    // Partial reduction mod 2^130 - 5: carries ripple up, the top one wraps as * 5.
    let c = <u32>(d0 >> 26); h0 = <u32>d0 & MASK;
    d1 += c; c = <u32>(d1 >> 26); h1 = <u32>d1 & MASK;
    d2 += c; c = <u32>(d2 >> 26); h2 = <u32>d2 & MASK;
    d3 += c; c = <u32>(d3 >> 26); h3 = <u32>d3 & MASK;
    d4 += c; c = <u32>(d4 >> 26); h4 = <u32>d4 & MASK;
    h0 += c * 5; c = h0 >> 26; h0 &= MASK;
    h1 += c;
    m += 16;
    len -= 16;
  }
  store<u32>(H, h0, 0); store<u32>(H, h1, 4); store<u32>(H, h2, 8); store<u32>(H, h3, 12); store<u32>(H, h4, 16);
}

/** Feeds `len` message bytes at `m`; chunks may have any length. */
export function update(m: usize, len: i32): void {
  if (bufLen > 0) {
    const take = min(16 - bufLen, len);
    memory.copy(BUF + bufLen, m, take);
    bufLen += take;
    m += take;
    len -= take;
    if (bufLen < 16) return;
    blocks(BUF, 16, 1 << 24);
    bufLen = 0;
  }
  const whole = len & ~15;
  if (whole > 0) {
    blocks(m, whole, 1 << 24);
    m += whole;
    len -= whole;
  }
  if (len > 0) {
    memory.copy(BUF, m, len);
    bufLen = len;
  }
}

const ZEROS: usize = memory.data(16, 16);

/** `n` zero bytes (n < 16), for the AEAD's padding to a block boundary (§2.8). */
export function zeros(n: i32): void {
  update(ZEROS, n);
}

/** Finishes the MAC: writes the 16-byte tag at `out` and wipes the context. */
export function final(out: usize): void {
  if (bufLen > 0) {
    // The last, short block: a 1 byte after the message, then zeros; no 2^128 bit (§2.5).
    store<u8>(BUF + bufLen, 1);
    memory.fill(BUF + bufLen + 1, 0, 15 - bufLen);
    blocks(BUF, 16, 0);
  }
  let h0 = load<u32>(H, 0), h1 = load<u32>(H, 4), h2 = load<u32>(H, 8), h3 = load<u32>(H, 12), h4 = load<u32>(H, 16);
  // Full carry.
  let c = h1 >> 26; h1 &= MASK;
  h2 += c; c = h2 >> 26; h2 &= MASK;
  h3 += c; c = h3 >> 26; h3 &= MASK;
  h4 += c; c = h4 >> 26; h4 &= MASK;
  h0 += c * 5; c = h0 >> 26; h0 &= MASK;
  h1 += c;
  // g = h + 5 - 2^130, i.e. h - p; if that did not borrow, h >= p and g is the result.
  let g0 = h0 + 5; c = g0 >> 26; g0 &= MASK;
  let g1 = h1 + c; c = g1 >> 26; g1 &= MASK;
  let g2 = h2 + c; c = g2 >> 26; g2 &= MASK;
  let g3 = h3 + c; c = g3 >> 26; g3 &= MASK;
  let g4 = h4 + c - (1 << 26);
  // The sign bit of g4 says whether h < p: a mask of all ones keeps g, of zeros keeps h.
  const keepG = (g4 >> 31) - 1;
  const keepH = ~keepG;
  h0 = (h0 & keepH) | (g0 & keepG);
  h1 = (h1 & keepH) | (g1 & keepG);
  h2 = (h2 & keepH) | (g2 & keepG);
  h3 = (h3 & keepH) | (g3 & keepG);
  h4 = (h4 & keepH) | (g4 & keepG);
  // h mod 2^128, as four 32-bit words.
  const w0 = h0 | (h1 << 26);
  const w1 = (h1 >> 6) | (h2 << 20);
  const w2 = (h2 >> 12) | (h3 << 14);
  const w3 = (h3 >> 18) | (h4 << 8);
  // + s, mod 2^128 (§2.5: "the 128 least significant bits").
  let f = <u64>w0 + <u64>load<u32>(S, 0);
  store<u32>(out, <u32>f, 0);
  f = <u64>w1 + <u64>load<u32>(S, 4) + (f >> 32);
  store<u32>(out, <u32>f, 4);
  f = <u64>w2 + <u64>load<u32>(S, 8) + (f >> 32);
  store<u32>(out, <u32>f, 8);
  f = <u64>w3 + <u64>load<u32>(S, 12) + (f >> 32);
  store<u32>(out, <u32>f, 12);
  wipe();
}

/** Forgets r, s, the accumulator and the partial block. */
export function wipe(): void {
  memory.fill(CTX, 0, 64);
  memory.fill(BUF, 0, 16);
  bufLen = 0;
}
