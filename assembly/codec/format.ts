// The tagged codec, format version 2: session values <-> bytes, keeping their types.
//
// ## Format v2, byte by byte
//
//   blob    = 0x02 value                       format version, then exactly one value, nothing after
//   value   = 0x00                             null
//           | 0x01                             false
//           | 0x02                             true
//           | 0x03 zigzag                      integer: a safe integer, |v| <= 2^53 - 1
//           | 0x04 f64                         float64: 8 bytes, IEEE 754 little-endian
//           | 0x05 varint                      bigint v >= 0, v < 2^64
//           | 0x06 varint                      bigint v < 0: the varint holds -1 - v, < 2^64
//           | 0x07 varint(n) byte{n}           string: n bytes of well-formed UTF-8
//           | 0x08 varint(n) byte{n}           bytes (Uint8Array)
//           | 0x09 zigzag                      Date: milliseconds since the epoch, |t| <= 8.64e15
//           | 0x0a varint(n) value{n}          array of n values
//           | 0x0b varint(n) (key value){n}    plain object of n entries, keys in key order (below)
//   key     = varint(n) byte{n}                n bytes of well-formed UTF-8 (no tag)
//   varint  = unsigned LEB128: 7 bits a byte, low group first, high bit set on all but the last
//             byte; minimal (the last byte of a multi-byte varint is never 0x00); at most 10
//             bytes; value < 2^64
//   zigzag  = varint of (v << 1) ^ (v >> 63), so small negative numbers stay short
//
// A fields blob (a whole session) is a blob whose value is an object (tag 0x0b).
//
// Key order: each key of an object comes strictly after the one before it, comparing their UTF-8
// bytes: the shorter key first, and keys of one length bytewise (as unsigned bytes, the first
// difference deciding). Strictly: no two keys are equal. Shorter-first, because a JS object lists
// its array-index keys ("0", "7", "10", …) first and in numeric order, which for canonical
// decimal strings is exactly shorter-first order: an object keyed by integers (a cart by product
// id) is already in order, where a plain bytewise order ("10" < "7") would need it sorted; and
// because the length alone decides most comparisons. A decoded object lists its keys as JS does:
// the array-index ones first, then the others in this order; re-encoding sorts them again, to
// the same bytes.
//
// ## Format v1
//
// Format v1 (version byte 0x01) is v2 with the keys of an object in any order, no two equal. It is
// still decoded (its objects keep the order of their bytes, as JS lists them), never written:
// encoding a value decoded from v1 gives v2, so a session stored in v1 moves to v2 when it is next
// written. Bytes of two versions for one value differ; within v2 they never do.
//
// ## Number rules
//
// A JS number is written as an integer (0x03) when it is integer-valued, within the safe range
// and not -0; every other number is written as float64 (0x04): fractions, -0, ±Infinity and
// integer values beyond 2^53 - 1. NaN is refused (encode error; a decoder refuses a NaN
// float64 too). So each number has exactly one encoding, and a decoder refuses the others: an
// integer out of the safe range, a float64 that holds a safe integer other than -0. Bigints are a
// separate type (0x05/0x06), from -2^64 to 2^64 - 1, which holds every int64 and uint64; a Date is
// its time value, and an Invalid Date is refused.
//
// ## Canonical form
//
// Every value has exactly one v2 encoding (minimal varints, the number rules above, object keys in
// key order, no trailing bytes), so decode(bytes) of v2 bytes re-encodes to the same bytes. (v1
// was not: two orders of one object's keys decoded to one value.)
//
// The rest of the codec: assembly/codec/decode.ts (untrusted bytes -> a tape JS walks),
// encode.ts (a stream JS writes -> bytes), varint.ts, utf8.ts, bytes.ts (word-at-a-time helpers)
// and arena.ts (the memory both share).

/** The version encode writes. */
export const FORMAT_VERSION: u8 = 2;
/** The version before object keys were ordered: still decoded, with its keys in any order. */
export const FORMAT_V1: u8 = 1;

// Tags (the same in both versions). T_NULL, T_FALSE and T_TRUE have the numbers of the entry kinds
// CODEC_K_NULL, CODEC_K_FALSE and CODEC_K_TRUE (assembly/abi.ts), which encode and decode rely on.
export const T_NULL: u32 = 0x00;
export const T_FALSE: u32 = 0x01;
export const T_TRUE: u32 = 0x02;
export const T_INT: u32 = 0x03;
export const T_FLOAT: u32 = 0x04;
export const T_BIGPOS: u32 = 0x05;
export const T_BIGNEG: u32 = 0x06;
export const T_STRING: u32 = 0x07;
export const T_BYTES: u32 = 0x08;
export const T_DATE: u32 = 0x09;
export const T_ARRAY: u32 = 0x0a;
export const T_OBJECT: u32 = 0x0b;

/** Largest integer of tag 0x03: 2^53 - 1. */
export const MAX_SAFE: i64 = 9007199254740991;
export const MAX_SAFE_F: f64 = 9007199254740991.0;
/** Largest |time value| of a Date (ECMA-262 TimeClip). */
export const MAX_TIME: i64 = 8640000000000000;

/** True when `f` is written as an integer (tag 0x03): integer-valued, safe, and not -0. */
// @ts-ignore: decorator
@inline export function isIntegerNumber(f: f64): bool {
  return trunc<f64>(f) == f && abs<f64>(f) <= MAX_SAFE_F && !(f == 0 && (reinterpret<u64>(f) >> 63) != 0);
}
