// Session IDs from host entropy. JS fills POOL with crypto.getRandomValues (the only entropy
// source: there is no PRNG here); each ID consumes 3 fresh bytes per 4 characters, taking 6 bits a
// character, so every character is uniform over the 64-letter alphabet (no modulo bias).
// Used bytes are zeroed and never reused.

import { IO, OUT, POOL, POOL_SIZE } from './buffers';
import { alphabetChar, isB64url } from './base64url';
import { VERSION, MAC_CHARS, MAX_ID, ERR_MALFORMED, macFor } from './sign';
import { inTable } from './hmac';
import { POOL_SHORT } from './abi';

let poolPos: i32 = POOL_SIZE; // empty until JS fills it

/** JS calls this after writing POOL_SIZE fresh random bytes at POOL. */
export function poolFilled(): void {
  poolPos = 0;
}

export function poolRemaining(): i32 {
  return POOL_SIZE - poolPos;
}

// @ts-ignore: decorator
@inline function bytesFor(chars: i32): i32 {
  return ((chars + 3) >> 2) * 3;
}

/** Writes `len` ID characters at `dst`. Returns len, ERR_MALFORMED for a bad length, POOL_SHORT when POOL is short. */
function writeId(dst: usize, len: i32): i32 {
  if (len < 1 || len > MAX_ID) return ERR_MALFORMED;
  const need = bytesFor(len);
  if (need > POOL_SIZE - poolPos) return POOL_SHORT;
  const src = POOL + poolPos;
  let o = 0;
  for (let i = 0; o < len; i += 3) {
    const n = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | <u32>load<u8>(src + i + 2);
    store<u8>(dst + o, alphabetChar(n >>> 18));
    if (o + 1 < len) store<u8>(dst + o + 1, alphabetChar(n >>> 12));
    if (o + 2 < len) store<u8>(dst + o + 2, alphabetChar(n >>> 6));
    if (o + 3 < len) store<u8>(dst + o + 3, alphabetChar(n));
    o += 4;
  }
  memory.fill(src, 0, need);
  poolPos += need;
  return len;
}

/** A new ID of `len` characters at OUT. */
export function newId(len: i32): i32 {
  return writeId(OUT, len);
}

/** A new ID and its signed cookie value ("1.<id>.<mac>") at OUT, in one call. Returns its length. */
export function newSignedId(slot: i32, len: i32): i32 {
  if (!inTable(slot, 1)) return ERR_MALFORMED;
  const r = writeId(OUT + 2, len);
  if (r < 0) return r;
  store<u8>(OUT, VERSION);
  store<u8>(OUT, 0x2e, 1);
  store<u8>(OUT + 2 + len, 0x2e);
  macFor(slot, OUT + 2, len, OUT + 3 + len);
  return 3 + len + MAC_CHARS;
}

/** 1 when IO[0..len) is exactly `expected` base64url characters, else 0. */
export function validateId(len: i32, expected: i32): i32 {
  if (len != expected || len < 1) return 0;
  let bad: u32 = 0;
  for (let i = 0; i < len; i++) bad |= <u32>!isB64url(load<u8>(IO + i));
  return <i32>(bad == 0);
}
