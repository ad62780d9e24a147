// base64url (RFC 4648 §5) without padding. Signatures are compared in their encoded form, so a
// non-canonical spelling of the right MAC (unused low bits set) never verifies.

const ALPHABET: usize = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117,
  118, 119, 120, 121, 122, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 45, 95,
]);

// @ts-ignore: decorator
@inline export function alphabetChar(sextet: u32): u8 {
  return load<u8>(ALPHABET + (sextet & 63));
}

/** 1 where a byte is in the base64url alphabet, else 0; branch-free lookups for validation. */
const IS_B64URL: usize = memory.data(256, 16);

export function initTables(): void {
  for (let i: usize = 0; i < 64; i++) store<u8>(IS_B64URL + load<u8>(ALPHABET + i), 1);
}

// @ts-ignore: decorator
@inline export function isB64url(c: u32): bool {
  return load<u8>(IS_B64URL + (c & 255)) != 0;
}

/** Encodes `len` bytes at `src` into `dst`; returns the number of characters written. */
export function encode(src: usize, len: i32, dst: usize): i32 {
  let o = dst;
  let i = 0;
  for (; i + 3 <= len; i += 3) {
    const n = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | <u32>load<u8>(src + i + 2);
    store<u8>(o, alphabetChar(n >>> 18));
    store<u8>(o + 1, alphabetChar(n >>> 12));
    store<u8>(o + 2, alphabetChar(n >>> 6));
    store<u8>(o + 3, alphabetChar(n));
    o += 4;
  }
  const rest = len - i;
  if (rest == 1) {
    const n = <u32>load<u8>(src + i) << 16;
    store<u8>(o, alphabetChar(n >>> 18));
    store<u8>(o + 1, alphabetChar(n >>> 12));
    o += 2;
  } else if (rest == 2) {
    const n = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8);
    store<u8>(o, alphabetChar(n >>> 18));
    store<u8>(o + 1, alphabetChar(n >>> 12));
    store<u8>(o + 2, alphabetChar(n >>> 6));
    o += 3;
  }
  return <i32>(o - dst);
}
