// Varints of the format (assembly/codec/format.ts): unsigned LEB128, minimal, at most 10 bytes,
// and zigzag for signed integers. Writing, reading what the encoder wrote (trusted), and reading
// untrusted input (checked: truncation, overlong forms, values past 2^64 - 1).

import { CODEC_E_TRUNCATED as E_TRUNCATED, CODEC_E_VARINT as E_VARINT } from '../abi';

// @ts-ignore: decorator
@inline export function zigzag(v: i64): u64 {
  return <u64>((v << 1) ^ (v >> 63));
}

// @ts-ignore: decorator
@inline export function unzigzag(z: u64): i64 {
  return <i64>(z >>> 1) ^ -<i64>(z & 1);
}

/** Writes `v` as a minimal LEB128 varint at `o`; returns the address after it. */
// @ts-ignore: decorator
@inline export function putVarint(o: usize, v: u64): usize {
  while (v >= 0x80) {
    store<u8>(o++, <u8>(v | 0x80));
    v >>>= 7;
  }
  store<u8>(o++, <u8>v);
  return o;
}

/** Bytes of the varint of `v`. */
// @ts-ignore: decorator
@inline export function varintLength(v: u64): usize {
  let k: usize = 1;
  while (v >= 0x80) {
    v >>>= 7;
    k++;
  }
  return k;
}

/** Set by getVarint: the address after the varint read, or of the offending byte on an error. */
export let varAt: usize = 0;
/** Set by getVarint: 0, or E_TRUNCATED or E_VARINT. */
export let varErr: i32 = 0;

/**
 * Reads an untrusted varint at `p`, not reading at or past `end`. The decoder reads one-byte
 * varints itself and calls this for the rest.
 */
export function getVarint(p: usize, end: usize): u64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (p >= end) {
      varAt = p;
      varErr = E_TRUNCATED;
      return 0;
    }
    const b = <u64>load<u8>(p);
    if (shift == 63 && b > 1) {
      // The tenth byte holds bit 63 only, and ends the varint.
      varAt = p;
      varErr = E_VARINT;
      return 0;
    }
    p++;
    v |= (b & 0x7f) << shift;
    if (b < 0x80) {
      if (b == 0 && shift > 0) {
        varAt = p - 1;
        varErr = E_VARINT; // not minimal
        return 0;
      }
      varAt = p;
      varErr = 0;
      return v;
    }
    shift += 7;
  }
}

/** Set by readVarint: the address after the varint read. */
export let vEnd: usize = 0;

/** Reads a varint the encoder wrote (so well-formed) at `p`; vEnd is set after it. */
export function readVarint(p: usize): u64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    const b = <u64>load<u8>(p++);
    v |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  vEnd = p;
  return v;
}
