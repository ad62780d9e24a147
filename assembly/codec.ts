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
// ## Decoding untrusted bytes
//
// One pass validates everything: each length and count is checked against the bytes that remain
// (a count of n needs at least n bytes, 2n for an object) before JS allocates anything for it;
// the whole input is already bounded by maxBytes on the JS side. Unknown tags, truncation,
// trailing bytes, invalid UTF-8 (overlong forms, surrogates, > U+10FFFF), non-canonical varints
// and numbers, duplicate keys, v2 keys out of order and nesting deeper than maxDepth are errors,
// with the byte offset in errAt (the state block). The order check compares each key with the
// one before it in its object (kept in the object's frame): a length comparison, and for keys of
// equal length a few words of bytes.
//
// ## The boundary
//
// Decode: JS copies the bytes into the arena and calls codecDecode; this module validates and
// writes a tape of 16-byte entries (kind, length or count, offset or number) into CODEC_TAPE,
// and the UTF-16 code units of short strings into CODEC_UNITS, so JS builds every string with one
// String.fromCharCode call and never decodes UTF-8 itself (long strings, over SHORT_MAX bytes,
// are validated here and left to TextDecoder). Object keys go through a cache of KEY_SLOTS slots
// of UTF-8 bytes here, mirrored by an array of strings in JS: a key seen before comes back as a
// slot number and JS reuses the very same string (no new string, no re-internalizing). Each open
// object also keeps the set of slots its keys used, so a key is flagged K_CHECK (JS looks for a
// duplicate) only when it shares a slot with an earlier key of that object: duplicate keys are
// refused at the cost of a bit test. The tape is filled in chunks (codecDecodeNext continues),
// so memory stays fixed however many values the input holds.
//
// Encode: JS walks the value, classifies each item by its JS type and writes a stream of 8-byte
// aligned entries into CODEC_STREAM (kind, length or count, then the f64 / 64-bit payload or the
// string's UTF-16 code units); codecEncode turns the stream into the format (tags, varints, the
// number rules, UTF-16 -> UTF-8 with lone-surrogate checks, depth and size limits) in the arena.
// Long strings and byte arrays skip the stream: JS writes their bytes straight into the arena
// (codecEncodePlace) and codecEncodePlaced frames them in place. Keys are written in the order JS
// lists them, and an object whose keys were out of order is sorted here when it ends (see "Key
// order (format v2)" in the encoder part).

import {
  CODEC_TAPE,
  CODEC_TAPE_SIZE,
  CODEC_UNITS,
  CODEC_UNITS_SIZE,
  CODEC_STREAM,
  CODEC_STREAM_SIZE,
  ensureMemory,
} from './buffers';
import { keepAbove } from './hmac';
import {
  CODEC_K_NULL as K_NULL,
  CODEC_K_FALSE as K_FALSE,
  CODEC_K_TRUE as K_TRUE,
  CODEC_K_NUMBER as K_NUMBER,
  CODEC_K_DATE as K_DATE,
  CODEC_K_BIG_I64 as K_BIG_I64,
  CODEC_K_BIG_U64 as K_BIG_U64,
  CODEC_K_BIG_NEG as K_BIG_NEG,
  CODEC_K_STR16 as K_STR16,
  CODEC_K_STR8 as K_STR8,
  CODEC_K_BYTES as K_BYTES,
  CODEC_K_ARRAY as K_ARRAY,
  CODEC_K_OBJECT as K_OBJECT,
  CODEC_K_KEY_HIT as K_KEY_HIT,
  CODEC_K_KEY_MISS as K_KEY_MISS,
  CODEC_K_CHECK as K_CHECK,
  CODEC_TAPE_ENTRY,
  CODEC_E_TRUNCATED as E_TRUNCATED,
  CODEC_E_TAG as E_TAG,
  CODEC_E_TRAILING as E_TRAILING,
  CODEC_E_UTF8 as E_UTF8,
  CODEC_E_DEPTH as E_DEPTH,
  CODEC_E_VERSION as E_VERSION,
  CODEC_E_VARINT as E_VARINT,
  CODEC_E_RANGE as E_RANGE,
  CODEC_E_FLOAT as E_FLOAT,
  CODEC_E_NOT_OBJECT as E_NOT_OBJECT,
  CODEC_E_TOO_LARGE as E_TOO_LARGE,
  CODEC_E_SURROGATE as E_SURROGATE,
  CODEC_E_NAN as E_NAN,
  CODEC_E_INVALID_DATE as E_INVALID_DATE,
  CODEC_E_STREAM as E_STREAM,
  CODEC_E_ORDER as E_ORDER,
  CODEC_DONE as DONE,
  CODEC_ENC_FIRST as ENC_FIRST,
  CODEC_ENC_LAST as ENC_LAST,
  CODEC_ENC_FIELDS as ENC_FIELDS,
  CODEC_KEY_SLOTS as KEY_SLOTS,
  CODEC_MAX_DEPTH as MAX_DEPTH,
  CODEC_STATE_ARENA,
  CODEC_STATE_CAPACITY,
  CODEC_STATE_ERR_AT,
} from './abi';

/** The version encode writes. */
export const FORMAT_VERSION: u8 = 2;
/** The version before object keys were ordered: still decoded, with its keys in any order. */
export const FORMAT_V1: u8 = 1;

// Tags (the same in both versions).
const T_NULL: u32 = 0x00;
const T_FALSE: u32 = 0x01;
const T_TRUE: u32 = 0x02;
const T_INT: u32 = 0x03;
const T_FLOAT: u32 = 0x04;
const T_BIGPOS: u32 = 0x05;
const T_BIGNEG: u32 = 0x06;
const T_STRING: u32 = 0x07;
const T_BYTES: u32 = 0x08;
const T_DATE: u32 = 0x09;
const T_ARRAY: u32 = 0x0a;
const T_OBJECT: u32 = 0x0b;

// Entry kinds (shared by the decode tape and the encode stream), errors, flags and limits: the
// ABI constants of assembly/abi.ts (imported above under their short names).

/** Largest arena: input or output, plus room for a long string placed by JS. */
const ARENA_MAX: usize = 1 << 30;
/** Strings of at most this many UTF-8 bytes are decoded to UTF-16 here; longer ones by JS. */
export const SHORT_MAX: i32 = 64;
/** Key cache: slots of 32 bytes (length + 1, then up to 31 bytes). */
export const KEY_MAX: i32 = 31;

const ENTRY: usize = CODEC_TAPE_ENTRY;
const TAPE_LAST: usize = CODEC_TAPE + <usize>CODEC_TAPE_SIZE - 2 * ENTRY; // room for key + value
// Room for a key and a value of SHORT_MAX units each, plus the 14 bytes a widening may write past each.
const UNITS_LAST: usize = CODEC_UNITS + <usize>CODEC_UNITS_SIZE - <usize>(4 * SHORT_MAX + 32);

const MAX_SAFE: i64 = 9007199254740991;
const MAX_SAFE_F: f64 = 9007199254740991.0;
const MAX_TIME: i64 = 8640000000000000;

// Containers being read or written, a 64-byte frame per level: +0 items remaining (i32), +4 1 for
// an object. An object's frame also keeps +8 the address of its previous key and +12 (decode) or
// +16 (encode) that key's length, -1 before the first (the key order check); decode keeps +32 a
// 256-bit set of the key-cache slots of the object's keys so far, which tells which keys may
// repeat an earlier one; encode keeps +20 1 once a key was out of order, +24 the address of the
// first entry and +28 the number of entries (to sort them when the object ends).
const STACK: usize = memory.data(MAX_DEPTH * 64, 16);
const KEYS: usize = memory.data(KEY_SLOTS * 32, 16);

// State read by JS through codecState(): arena address, arena capacity, errAt (offsets in
// assembly/abi.ts).
const STATE: usize = memory.data(16, 16);

let arena: usize = 0;
let arenaCap: usize = 0;

// @ts-ignore: decorator
@inline function setErrAt(at: i32): void {
  store<i32>(STATE, at, CODEC_STATE_ERR_AT);
}

/**
 * Grows the arena (keeping its bytes) to hold at least `size` bytes; false when it cannot.
 *
 * The arena is the memory past __heap_base: the core never allocates (runtime stub, static
 * buffers only), so the codec owns it, and grows it with memory.grow (doubling, so a value of n
 * bytes costs O(log n) grows once). Not through heap.alloc: the stub allocator aborts when memory
 * runs out, which would make the release build import env.abort. Memory never shrinks; the arena
 * is bounded by the largest maxBytes in use (x4 for a long string's worst-case UTF-8 room).
 */
function ensureArena(size: usize): bool {
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

// ---------------------------------------------------------------------------------------------
// Varints

// @ts-ignore: decorator
@inline function zigzag(v: i64): u64 {
  return <u64>((v << 1) ^ (v >> 63));
}

// @ts-ignore: decorator
@inline function unzigzag(z: u64): i64 {
  return <i64>(z >>> 1) ^ -<i64>(z & 1);
}

/** Writes `v` as a minimal LEB128 varint at `o`; returns the address after it. */
// @ts-ignore: decorator
@inline function putVarint(o: usize, v: u64): usize {
  while (v >= 0x80) {
    store<u8>(o++, <u8>(v | 0x80));
    v >>>= 7;
  }
  store<u8>(o++, <u8>v);
  return o;
}

/** Bytes of the varint of `v`. */
// @ts-ignore: decorator
@inline function varintLength(v: u64): usize {
  let k: usize = 1;
  while (v >= 0x80) {
    v >>>= 7;
    k++;
  }
  return k;
}

// Decode cursor and the result of the last varint read.
let pos: usize = 0;
let end: usize = 0;
let verr: i32 = 0;

/** Reads a varint at pos (the globals); on error sets verr, and pos points at the offending byte. */
function getVarintSlow(): u64 {
  let p = pos;
  let v: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (p >= end) {
      pos = p;
      verr = E_TRUNCATED;
      return 0;
    }
    const b = <u64>load<u8>(p);
    if (shift == 63 && b > 1) {
      // The tenth byte holds bit 63 only, and ends the varint.
      pos = p;
      verr = E_VARINT;
      return 0;
    }
    p++;
    v |= (b & 0x7f) << shift;
    if (b < 0x80) {
      if (b == 0 && shift > 0) {
        pos = p - 1;
        verr = E_VARINT; // not minimal
        return 0;
      }
      pos = p;
      return v;
    }
    shift += 7;
  }
}

// ---------------------------------------------------------------------------------------------
// UTF-8

/** Four bytes to four 16-bit lanes. */
// @ts-ignore: decorator
@inline function widen(x: u32): u64 {
  let v = <u64>x;
  v = (v | (v << 16)) & 0x0000ffff0000ffff;
  return (v | (v << 8)) & 0x00ff00ff00ff00ff;
}

/** Four 16-bit lanes (each < 0x100) to four bytes. */
// @ts-ignore: decorator
@inline function narrow(v: u64): u32 {
  v = (v | (v >>> 8)) & 0x0000ffff0000ffff;
  return <u32>(v | (v >>> 16));
}

/**
 * Decodes `n` bytes of UTF-8 at `src` into UTF-16 code units at `dst`, validating (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). Returns the number of units, or -1.
 * Never writes more units than there are bytes.
 */
function utf8ToUnits(src: usize, n: i32, dst: usize): i32 {
  let i = 0;
  // ASCII, eight bytes at a time, each widened to a 16-bit unit. The last word may reach past
  // the string (readable: the arena has slack) and past its units (the scratch has room).
  while (i < n) {
    let w = load<u64>(src + i);
    if (n - i < 8) w = lowBytes(w, n - i);
    if (w & 0x8080808080808080) break;
    store<u64>(dst + (<usize>i << 1), widen(<u32>w));
    store<u64>(dst + (<usize>i << 1), widen(<u32>(w >>> 32)), 8);
    i += 8;
  }
  if (i >= n) return n;
  let o = dst + (<usize>i << 1);
  while (i < n) {
    const c = <u32>load<u8>(src + i);
    if (c < 0x80) {
      store<u16>(o, <u16>c);
      o += 2;
      i++;
      continue;
    }
    if (c < 0xc2) return -1; // continuation byte, or overlong 2-byte form
    if (c < 0xe0) {
      if (i + 1 >= n) return -1;
      const c1 = <u32>load<u8>(src + i + 1);
      if ((c1 & 0xc0) != 0x80) return -1;
      store<u16>(o, <u16>(((c & 0x1f) << 6) | (c1 & 0x3f)));
      o += 2;
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      if (i + 2 >= n) return -1;
      const c1 = <u32>load<u8>(src + i + 1);
      const c2 = <u32>load<u8>(src + i + 2);
      if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80) return -1;
      if (c == 0xe0 && c1 < 0xa0) return -1; // overlong
      if (c == 0xed && c1 >= 0xa0) return -1; // U+D800..U+DFFF
      store<u16>(o, <u16>(((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f)));
      o += 2;
      i += 3;
      continue;
    }
    if (c < 0xf5) {
      if (i + 3 >= n) return -1;
      const c1 = <u32>load<u8>(src + i + 1);
      const c2 = <u32>load<u8>(src + i + 2);
      const c3 = <u32>load<u8>(src + i + 3);
      if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80 || (c3 & 0xc0) != 0x80) return -1;
      if (c == 0xf0 && c1 < 0x90) return -1; // overlong
      if (c == 0xf4 && c1 >= 0x90) return -1; // above U+10FFFF
      const cp = (((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)) - 0x10000;
      store<u16>(o, <u16>(0xd800 | (cp >> 10)));
      store<u16>(o + 2, <u16>(0xdc00 | (cp & 0x3ff)));
      o += 4;
      i += 4;
      continue;
    }
    return -1;
  }
  return <i32>((o - dst) >> 1);
}

/** True when `n` bytes at `src` are well-formed UTF-8 (the rules of utf8ToUnits). */
function validUtf8(src: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    // ASCII runs eight bytes at a time.
    while (i + 8 <= n && (load<u64>(src + i) & 0x8080808080808080) == 0) i += 8;
    if (i >= n) break;
    const c = <u32>load<u8>(src + i);
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c < 0xc2) return false;
    if (c < 0xe0) {
      if (i + 1 >= n || (<u32>load<u8>(src + i + 1) & 0xc0) != 0x80) return false;
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      if (i + 2 >= n) return false;
      const c1 = <u32>load<u8>(src + i + 1);
      const c2 = <u32>load<u8>(src + i + 2);
      if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80) return false;
      if (c == 0xe0 && c1 < 0xa0) return false;
      if (c == 0xed && c1 >= 0xa0) return false;
      i += 3;
      continue;
    }
    if (c < 0xf5) {
      if (i + 3 >= n) return false;
      const c1 = <u32>load<u8>(src + i + 1);
      const c2 = <u32>load<u8>(src + i + 2);
      const c3 = <u32>load<u8>(src + i + 3);
      if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80 || (c3 & 0xc0) != 0x80) return false;
      if (c == 0xf0 && c1 < 0x90) return false;
      if (c == 0xf4 && c1 >= 0x90) return false;
      i += 4;
      continue;
    }
    return false;
  }
  return true;
}

/**
 * The UTF-8 length of `n` UTF-16 code units at `src`, or -1 when they hold a lone surrogate
 * (which UTF-8 cannot represent).
 */
function utf8Length(src: usize, n: i32): i32 {
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) continue;
    if (c < 0x800) {
      len += 1;
      continue;
    }
    if ((c & 0xf800) != 0xd800) {
      len += 2;
      continue;
    }
    // A surrogate: a high one followed by a low one makes one 4-byte sequence.
    if (c >= 0xdc00 || i + 1 >= n) return -1;
    const d = <u32>load<u16>(src + (<usize>(i + 1) << 1));
    if ((d & 0xfc00) != 0xdc00) return -1;
    len += 2; // 4 bytes for 2 units
    i++;
  }
  return len;
}

/** Writes `n` code units at `src` as UTF-8 at `dst` (already checked by utf8Length). */
function unitsToUtf8(src: usize, n: i32, dst: usize): void {
  let o = dst;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
    } else if (c < 0x800) {
      store<u8>(o, <u8>(0xc0 | (c >> 6)));
      store<u8>(o + 1, <u8>(0x80 | (c & 0x3f)));
      o += 2;
    } else if ((c & 0xf800) != 0xd800) {
      store<u8>(o, <u8>(0xe0 | (c >> 12)));
      store<u8>(o + 1, <u8>(0x80 | ((c >> 6) & 0x3f)));
      store<u8>(o + 2, <u8>(0x80 | (c & 0x3f)));
      o += 3;
    } else {
      const d = <u32>load<u16>(src + (<usize>(i + 1) << 1));
      const cp = 0x10000 + (((c & 0x3ff) << 10) | (d & 0x3ff));
      store<u8>(o, <u8>(0xf0 | (cp >> 18)));
      store<u8>(o + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
      store<u8>(o + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
      store<u8>(o + 3, <u8>(0x80 | (cp & 0x3f)));
      o += 4;
      i++;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decode

let dMaxDepth: i32 = 0;
let dStrict: bool = false; // format v2: keys must be in order
let dSp: i32 = 0;
let dRootDone: bool = false;
let dDone: bool = false;
let dBase: usize = 0;

/** Forgets every cached key; JS must do the same (codecDecode does it on every error). */
export function codecKeysReset(): void {
  for (let s: usize = 0; s < <usize>KEY_SLOTS; s++) store<u8>(KEYS + (s << 5), 0);
}

function decodeError(code: i32, at: usize): i32 {
  setErrAt(<i32>(at - dBase));
  // Slots filled in this chunk are not yet known to JS, which stops here.
  codecKeysReset();
  return code;
}

/** The low `n` (0..7) bytes of a word. */
// @ts-ignore: decorator
@inline function lowBytes(w: u64, n: i32): u64 {
  return w & ((<u64>1 << (<u64>n << 3)) - 1);
}

/** Slot of the key cache for the `n` bytes at `p` (multiplicative hashing of 8-byte words). */
// @ts-ignore: decorator
@inline function keySlot(p: usize, n: i32): i32 {
  let h: u64 = <u64>n;
  let i = 0;
  for (; i + 8 <= n; i += 8) h = (h ^ load<u64>(p + i)) * 0x9e3779b97f4a7c15;
  if (i < n) h = (h ^ lowBytes(load<u64>(p + i), n - i)) * 0x9e3779b97f4a7c15;
  return <i32>(h >>> 56);
}

/** Compares `n` bytes (reads whole words: both sides must have 7 readable bytes after them). */
// @ts-ignore: decorator
@inline function bytesEqual(a: usize, b: usize, n: i32): bool {
  let i = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  return i == n || lowBytes(load<u64>(a + i) ^ load<u64>(b + i), n - i) == 0;
}

/**
 * Compares `n` bytes at `a` and at `b` as unsigned bytes, the first difference deciding: negative,
 * 0 or positive. Reads whole words: both sides must have 7 readable bytes after them.
 */
// @ts-ignore: decorator
@inline function compareBytes(a: usize, b: usize, n: i32): i32 {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const x = load<u64>(a + i);
    const y = load<u64>(b + i);
    // Little-endian words: byte-swapped, the first byte is the most significant.
    if (x != y) return bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
  }
  if (i == n) return 0;
  const x = bswap<u64>(lowBytes(load<u64>(a + i), n - i));
  const y = bswap<u64>(lowBytes(load<u64>(b + i), n - i));
  return x == y ? 0 : x < y ? -1 : 1;
}

/**
 * Starts decoding the `len` bytes at the arena. `wantObject`: the value must be an object (a
 * fields blob). Returns the number of tape entries written (| DONE when the value is complete),
 * or a negative error.
 */
export function codecDecode(len: i32, maxDepth: i32, wantObject: i32): i32 {
  assert(len >= 0 && <usize>len <= arenaCap, 'codecDecode: input outside the arena');
  assert(maxDepth >= 1 && maxDepth <= MAX_DEPTH, 'codecDecode: maxDepth out of range');
  dBase = arena;
  pos = arena;
  end = arena + <usize>len;
  dMaxDepth = maxDepth;
  dSp = 0;
  dRootDone = false;
  dDone = false;
  verr = 0;
  if (len == 0) return decodeError(E_TRUNCATED, pos);
  const version = load<u8>(pos);
  if (version != FORMAT_VERSION && version != FORMAT_V1) return decodeError(E_VERSION, pos);
  dStrict = version == FORMAT_VERSION;
  pos++;
  if (wantObject && pos < end && <u32>load<u8>(pos) != T_OBJECT) return decodeError(E_NOT_OBJECT, pos);
  return fill();
}

/** Continues a decode whose last result had no DONE. */
export function codecDecodeNext(): i32 {
  assert(!dDone && dBase != 0, 'codecDecodeNext: no decode in progress');
  return fill();
}

/**
 * Validates the `n` bytes of UTF-8 at `p` and writes their tape entry: K_STR16 with the units
 * written at `u` (short strings), or K_STR8 (JS decodes those). Returns the next free unit
 * address, or 0 for invalid UTF-8.
 */
// @ts-ignore: decorator
@inline function stringEntry(t: usize, u: usize, p: usize, n: i32, flags: i32): usize {
  if (n <= SHORT_MAX) {
    const units = utf8ToUnits(p, n, u);
    if (units < 0) return 0;
    store<i32>(t, K_STR16 | flags);
    store<i32>(t, units, 4);
    store<i32>(t, <i32>(u >> 1), 8);
    return u + (<usize>units << 1);
  }
  if (!validUtf8(p, n)) return 0;
  store<i32>(t, K_STR8 | flags);
  store<i32>(t, n, 4);
  store<i32>(t, <i32>p, 8);
  return u;
}

function fill(): i32 {
  // Cursors live in locals for the loop (globals are memory accesses); pos and dSp are written
  // back when the chunk ends. A varint's first byte is read inline; longer ones go through
  // getVarintSlow, which works on the globals.
  let t = CODEC_TAPE;
  let u = CODEC_UNITS;
  let p = pos;
  const e = end;
  // The innermost container is kept in locals too: its frame, items remaining, whether an object.
  let sp = dSp;
  let fr = STACK + (<usize>(sp - 1) << 6);
  let rem = sp > 0 ? load<i32>(fr) : 0;
  let isObject = sp > 0 ? load<i32>(fr, 4) : 0;
  while (t <= TAPE_LAST && u <= UNITS_LAST) {
    if (sp > 0) {
      if (rem == 0) {
        if (--sp > 0) {
          fr -= 64;
          rem = load<i32>(fr);
          isObject = load<i32>(fr, 4);
        }
        continue;
      }
      rem--;
      if (isObject) {
        // A key: varint length, UTF-8 bytes.
        const keyAt = p;
        let n64: u64;
        if (p < e && (n64 = <u64>load<u8>(p)) < 0x80) {
          p++;
        } else {
          pos = p;
          n64 = getVarintSlow();
          if (verr) return decodeError(verr, pos);
          p = pos;
        }
        if (n64 > <u64>(e - p)) return decodeError(E_TRUNCATED, p);
        const n = <i32>n64;
        if (dStrict) {
          // In order: longer than the previous key, or as long and bytewise after (or equal: a
          // duplicate, which the checks below refuse with their own message).
          const prevLen = load<i32>(fr, 12);
          if (n < prevLen || (n == prevLen && compareBytes(<usize>load<u32>(fr, 8), p, n) > 0)) return decodeError(E_ORDER, keyAt);
          store<u32>(fr, <u32>p, 8);
          store<i32>(fr, n, 12);
        }
        if (n <= KEY_MAX) {
          const slot = keySlot(p, n);
          // A key can only repeat an earlier key of this object if it has the same slot; then JS
          // checks (K_CHECK), which is rare enough to cost nothing.
          const word = fr + 32 + (<usize>(slot >> 6) << 3);
          const bit = <u64>1 << <u64>(slot & 63);
          const seen = load<u64>(word);
          store<u64>(word, seen | bit);
          const check = (seen & bit) != 0 ? K_CHECK : 0;
          const s = KEYS + (<usize>slot << 5);
          if (<i32>load<u8>(s) == n + 1 && bytesEqual(s + 1, p, n)) {
            store<i32>(t, K_KEY_HIT | check);
            store<i32>(t, slot, 4);
          } else {
            const units = utf8ToUnits(p, n, u);
            if (units < 0) return decodeError(E_UTF8, p);
            store<u8>(s, <u8>(n + 1));
            memory.copy(s + 1, p, <usize>n);
            store<i32>(t, K_KEY_MISS | check);
            store<i32>(t, units, 4);
            store<i32>(t, <i32>(u >> 1), 8);
            store<i32>(t, slot, 12);
            u += <usize>units << 1;
          }
        } else {
          const u2 = stringEntry(t, u, p, n, K_CHECK);
          if (!u2) return decodeError(E_UTF8, p);
          u = u2;
        }
        p += <usize>n;
        t += ENTRY;
      }
    } else if (dRootDone) {
      if (p != e) return decodeError(E_TRAILING, p);
      dDone = true;
      break;
    } else {
      dRootDone = true;
    }

    // A value.
    if (p >= e) return decodeError(E_TRUNCATED, p);
    const at = p;
    const tag = <u32>load<u8>(p++);
    if (tag <= T_TRUE) {
      store<i32>(t, <i32>tag); // K_NULL, K_FALSE, K_TRUE have the tags' numbers
      t += ENTRY;
      continue;
    }
    if (tag > T_OBJECT) return decodeError(E_TAG, at);
    if (tag == T_FLOAT) {
      if (e - p < 8) return decodeError(E_TRUNCATED, e);
      const f = load<f64>(p);
      // NaN, or a number that has an integer encoding, is not canonical.
      if (f != f) return decodeError(E_FLOAT, at);
      if (trunc<f64>(f) == f && abs<f64>(f) <= MAX_SAFE_F && !(f == 0 && (reinterpret<u64>(f) >> 63) != 0)) {
        return decodeError(E_FLOAT, at);
      }
      store<i32>(t, K_NUMBER);
      store<f64>(t, f, 8);
      p += 8;
      t += ENTRY;
      continue;
    }
    // Every other tag is followed by a varint.
    let v: u64;
    if (p < e && (v = <u64>load<u8>(p)) < 0x80) {
      p++;
    } else {
      pos = p;
      v = getVarintSlow();
      if (verr) return decodeError(verr, pos);
      p = pos;
    }
    switch (tag) {
      case T_INT: {
        const i = unzigzag(v);
        if (i > MAX_SAFE || i < -MAX_SAFE) return decodeError(E_RANGE, at);
        store<i32>(t, K_NUMBER);
        store<f64>(t, <f64>i, 8);
        break;
      }
      case T_STRING: {
        if (v > <u64>(e - p)) return decodeError(E_TRUNCATED, p);
        const n = <i32>v;
        const u2 = stringEntry(t, u, p, n, 0);
        if (!u2) return decodeError(E_UTF8, p);
        u = u2;
        p += <usize>n;
        break;
      }
      case T_ARRAY:
      case T_OBJECT: {
        const obj = <i32>(tag == T_OBJECT);
        // Every item takes at least one byte (an entry two): no count larger than that is possible.
        if (v > <u64>(e - p) >> <u64>obj) return decodeError(E_TRUNCATED, p);
        if (sp >= dMaxDepth) return decodeError(E_DEPTH, at);
        if (sp > 0) store<i32>(fr, rem);
        fr = STACK + (<usize>sp << 6);
        sp++;
        rem = <i32>v;
        isObject = obj;
        store<i32>(fr, obj, 4);
        if (obj) {
          store<i32>(fr, -1, 12);
          store<u64>(fr, 0, 32);
          store<u64>(fr, 0, 40);
          store<u64>(fr, 0, 48);
          store<u64>(fr, 0, 56);
        }
        store<i32>(t, obj ? K_OBJECT : K_ARRAY);
        store<i32>(t, <i32>v, 4);
        break;
      }
      case T_BIGPOS: {
        store<i32>(t, v <= <u64>i64.MAX_VALUE ? K_BIG_I64 : K_BIG_U64);
        store<u64>(t, v, 8);
        break;
      }
      case T_BIGNEG: {
        if (v <= <u64>i64.MAX_VALUE) {
          store<i32>(t, K_BIG_I64);
          store<i64>(t, -1 - <i64>v, 8);
        } else {
          store<i32>(t, K_BIG_NEG);
          store<u64>(t, v, 8);
        }
        break;
      }
      case T_BYTES: {
        if (v > <u64>(e - p)) return decodeError(E_TRUNCATED, p);
        store<i32>(t, K_BYTES);
        store<i32>(t, <i32>v, 4);
        store<i32>(t, <i32>p, 8);
        p += <usize>v;
        break;
      }
      case T_DATE: {
        const i = unzigzag(v);
        if (i > MAX_TIME || i < -MAX_TIME) return decodeError(E_RANGE, at);
        store<i32>(t, K_DATE);
        store<f64>(t, <f64>i, 8);
        break;
      }
      default:
        assert(false, 'fill: tag not handled');
    }
    t += ENTRY;
  }
  pos = p;
  dSp = sp;
  if (sp > 0) store<i32>(fr, rem);
  return <i32>((t - CODEC_TAPE) >> 4) | (dDone ? DONE : 0);
}

// ---------------------------------------------------------------------------------------------
// Encode

let eOut: usize = 0; // bytes written into the arena
let eMax: usize = 0; // maxBytes
let eMaxDepth: i32 = 0;
let eSp: i32 = 0;
let eRootDone: bool = false;
let eWantObject: bool = false;

// Key order (format v2). JS hands over an object's keys in its own order; they are written as
// they come, each compared with the one before it (cheap: lengths differ, or a word or two of
// bytes), and an object whose keys were not in order is sorted in place when it ends, entries
// (key and value bytes) moved as blocks. Here rather than in JS: the order is one of UTF-8 bytes,
// which only the core has (JS would have to compute each key's UTF-8 length, and its code unit
// order differs from UTF-8 order for keys with characters above U+FFFF).

/** Records key `n` bytes at `k` of the object of frame `fr`; marks the object when out of order. */
// @ts-ignore: decorator
@inline function noteKey(fr: usize, k: usize, n: i32): void {
  if (load<i32>(fr, 20)) return;
  const prevLen = load<i32>(fr, 16);
  if (n < prevLen || (n == prevLen && compareBytes(<usize>load<u32>(fr, 12), k, n) >= 0)) {
    store<i32>(fr, 1, 20);
    return;
  }
  store<u32>(fr, <u32>k, 12);
  store<i32>(fr, n, 16);
}

/** Ends the container of frame `fr` (its bytes end at the arena's eOut): 0, or an error of sortEntries. */
function closeFrame(fr: usize): i32 {
  if (!load<i32>(fr, 4) || !load<i32>(fr, 20)) return 0;
  return sortEntries(fr, arena + eOut);
}

let vEnd: usize = 0;

/** Reads a varint the encoder wrote (so well-formed) at `p`; vEnd is set after it. */
function readVarint(p: usize): u64 {
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

/** The address after the value the encoder wrote at `p`. */
function skipValue(p: usize): usize {
  const tag = <u32>load<u8>(p++);
  if (tag <= T_TRUE) return p;
  if (tag == T_FLOAT) return p + 8;
  const v = readVarint(p);
  p = vEnd;
  if (tag == T_STRING || tag == T_BYTES) return p + <usize>v;
  if (tag == T_ARRAY) {
    for (let i: u64 = 0; i < v; i++) p = skipValue(p);
  } else if (tag == T_OBJECT) {
    for (let i: u64 = 0; i < v; i++) {
      const k = readVarint(p);
      p = skipValue(vEnd + <usize>k);
    }
  }
  return p;
}

/** Order of entries `a` and `b` by their keys (a table of u32 address, i32 length at `keys`). */
// @ts-ignore: decorator
@inline function keyCompare(keys: usize, a: u32, b: u32): i32 {
  const ka = keys + (<usize>a << 3);
  const kb = keys + (<usize>b << 3);
  const na = load<i32>(ka, 4);
  const nb = load<i32>(kb, 4);
  if (na != nb) return na < nb ? -1 : 1;
  return compareBytes(<usize>load<u32>(ka), <usize>load<u32>(kb), na);
}

/**
 * Copies `n` bytes from `src` to `dst` (apart), a word at a time when short: memory.copy is a call
 * out of the module, which costs more than a short entry's words. May write up to 7 bytes past
 * `dst + n` (and read past `src + n`).
 */
// @ts-ignore: decorator
@inline function copyEntry(dst: usize, src: usize, n: usize): void {
  if (n > 64) {
    memory.copy(dst, src, n);
    return;
  }
  for (let i: usize = 0; i < n; i += 8) store<u64>(dst + i, load<u64>(src + i));
}

/**
 * Puts the entries of the object of frame `fr`, whose bytes end at `end`, in key order. Scratch
 * past `end` (grown to fit): a copy of the entries, then per entry its start and its key, and two
 * arrays of entry numbers for a merge sort. 0, E_TOO_LARGE, or E_STREAM for two equal keys.
 */
function sortEntries(fr: usize, end: usize): i32 {
  const body = <usize>load<u32>(fr, 24);
  const n = <usize>load<i32>(fr, 28);
  const len = end - body;
  const copy = end;
  const starts = (copy + len + 15) & ~7; // n + 1 u32, 8 bytes past the copy (copyEntry's overshoot)
  const keys = starts + ((n + 1) << 2); // n (u32 address, i32 length)
  let idx = keys + (n << 3); // n u32
  let tmp = idx + (n << 2); // n u32
  if (!ensureArena(tmp + (n << 2) + 16 - arena)) return E_TOO_LARGE;
  let p = body;
  for (let i: usize = 0; i < n; i++) {
    store<u32>(starts + (i << 2), <u32>p);
    const k = readVarint(p);
    store<u32>(keys + (i << 3), <u32>vEnd);
    store<i32>(keys + (i << 3), <i32>k, 4);
    p = skipValue(vEnd + <usize>k);
    store<u32>(idx + (i << 2), <u32>i);
  }
  store<u32>(starts + (n << 2), <u32>end);
  assert(p == end, 'sortEntries: entries do not end where the object does');
  if (n <= 16) {
    // Insertion sort: few comparisons for the usual few keys, mostly in order already.
    for (let i: usize = 1; i < n; i++) {
      const x = load<u32>(idx + (i << 2));
      let j = i;
      while (j > 0 && keyCompare(keys, load<u32>(idx + ((j - 1) << 2)), x) > 0) {
        store<u32>(idx + (j << 2), load<u32>(idx + ((j - 1) << 2)));
        j--;
      }
      store<u32>(idx + (j << 2), x);
    }
  } else {
    // Bottom-up merge sort: runs of `w` merged into runs of 2w, idx -> tmp, then swapped.
    for (let w: usize = 1; w < n; w <<= 1) {
      for (let lo: usize = 0; lo < n; lo += w << 1) {
        const mid = min<usize>(lo + w, n);
        const hi = min<usize>(lo + (w << 1), n);
        let a = lo;
        let b = mid;
        for (let o = lo; o < hi; o++) {
          let take: u32;
          if (a < mid && (b >= hi || keyCompare(keys, load<u32>(idx + (a << 2)), load<u32>(idx + (b << 2))) <= 0)) {
            take = load<u32>(idx + (a++ << 2));
          } else {
            take = load<u32>(idx + (b++ << 2));
          }
          store<u32>(tmp + (o << 2), take);
        }
      }
      const t = idx;
      idx = tmp;
      tmp = t;
    }
  }
  for (let i: usize = 1; i < n; i++) {
    if (keyCompare(keys, load<u32>(idx + ((i - 1) << 2)), load<u32>(idx + (i << 2))) == 0) return E_STREAM;
  }
  let q = copy;
  for (let i: usize = 0; i < n; i++) {
    const j = <usize>load<u32>(idx + (i << 2));
    const s = <usize>load<u32>(starts + (j << 2));
    const e = <usize>load<u32>(starts + ((j + 1) << 2));
    copyEntry(q, s, e - s);
    q += e - s;
  }
  memory.copy(body, copy, len);
  return 0;
}

function encodeError(code: i32, at: i32): i32 {
  setErrAt(at);
  return code;
}

/**
 * Frames the stream CODEC_STREAM[0..len) into the arena. flags: ENC_FIRST starts a value
 * (resets the state, writes the version), ENC_LAST ends it (checks it is complete), ENC_FIELDS
 * (with ENC_FIRST) requires an object. Returns the number of bytes written so far, or an error
 * (errAt: offset of the entry in the stream).
 */
export function codecEncode(len: i32, flags: i32, maxBytes: i32, maxDepth: i32): i32 {
  assert(len >= 0 && len <= CODEC_STREAM_SIZE && (len & 7) == 0, 'codecEncode: bad stream length');
  if (flags & ENC_FIRST) {
    assert(maxDepth >= 1 && maxDepth <= MAX_DEPTH && maxBytes >= 1, 'codecEncode: bad limits');
    eMax = <usize>maxBytes;
    eMaxDepth = maxDepth;
    eSp = 0;
    eRootDone = false;
    eWantObject = (flags & ENC_FIELDS) != 0;
    if (!ensureArena(65536)) return encodeError(E_TOO_LARGE, 0);
    store<u8>(arena, FORMAT_VERSION);
    eOut = 1;
  }
  let p = CODEC_STREAM;
  const pEnd = CODEC_STREAM + <usize>len;
  // The output cursor and its limit live in locals; eOut is written back at the end (and before
  // the arena grows, which may move it).
  let o = arena + eOut;
  let limit = arena + arenaCap;
  // The innermost container in locals: its frame, items remaining, whether an object (an object
  // counts two items an entry: the even ones are keys).
  let sp = eSp;
  let fr = STACK + (<usize>(sp - 1) << 6);
  let rem = sp > 0 ? load<i32>(fr) : 0;
  let isObject = sp > 0 ? load<i32>(fr, 4) : 0;
  while (p < pEnd) {
    const kind = load<i32>(p);
    const n = load<i32>(p, 4);
    let isKey = 0;
    while (sp > 0 && rem == 0) {
      if (isObject && load<i32>(fr, 20)) {
        const r = sortEntries(fr, o);
        if (r < 0) return encodeError(r, <i32>(p - CODEC_STREAM));
        limit = arena + arenaCap;
      }
      if (--sp > 0) {
        fr -= 64;
        rem = load<i32>(fr);
        isObject = load<i32>(fr, 4);
      }
    }
    if (sp > 0) {
      isKey = isObject & ~rem & 1;
      rem--;
      if (isKey && kind != K_STR16) return encodeError(E_STREAM, <i32>(p - CODEC_STREAM));
    } else {
      if (eRootDone || (eWantObject && kind != K_OBJECT)) return encodeError(E_STREAM, <i32>(p - CODEC_STREAM));
      eRootDone = true;
    }
    // The most this item can take: a tag, a 10-byte varint, and 3 bytes a unit or 1 a byte.
    const need: usize = kind == K_STR16 ? <usize>n * 3 + 11 : kind == K_BYTES ? <usize>n + 11 : 11;
    if (o + need > limit) {
      eOut = o - arena;
      if (!ensureArena(eOut + need)) return encodeError(E_TOO_LARGE, <i32>(p - CODEC_STREAM));
      o = arena + eOut;
      limit = arena + arenaCap;
    }
    switch (kind) {
      case K_NULL:
      case K_FALSE:
      case K_TRUE: {
        store<u8>(o++, <u8>kind); // the tags have the kinds' numbers
        p += 8;
        break;
      }
      case K_NUMBER: {
        const f = load<f64>(p, 8);
        if (f != f) return encodeError(E_NAN, <i32>(p - CODEC_STREAM));
        if (trunc<f64>(f) == f && abs<f64>(f) <= MAX_SAFE_F && !(f == 0 && (reinterpret<u64>(f) >> 63) != 0)) {
          store<u8>(o++, <u8>T_INT);
          o = putVarint(o, zigzag(<i64>f));
        } else {
          store<u8>(o, <u8>T_FLOAT);
          store<f64>(o + 1, f);
          o += 9;
        }
        p += 16;
        break;
      }
      case K_STR16: {
        const src = p + 8;
        if (!isKey) store<u8>(o++, <u8>T_STRING);
        // Optimistically ASCII (n bytes), four units at a time (the last word may reach into the
        // entry's padding; the bytes written past the string are overwritten by what follows).
        const head = o;
        o = putVarint(o, <u64>n);
        const ascii = o;
        let i = 0;
        while (i < n) {
          let w = load<u64>(src + (<usize>i << 1));
          if (n - i < 4) w &= (<u64>1 << (<u64>(n - i) << 4)) - 1;
          if (w & 0xff80ff80ff80ff80) break;
          store<u32>(o + i, narrow(w));
          i += 4;
        }
        if (i < n) {
          // The word that broke the loop holds a non-ASCII unit; its ASCII units first.
          while (load<u16>(src + (<usize>i << 1)) < 0x80) {
            store<u8>(o + i, load<u8>(src + (<usize>i << 1)));
            i++;
          }
          // Not ASCII after all: the real length, the ASCII prefix moved after its header, the
          // rest transcoded.
          const n8 = utf8Length(src, n);
          if (n8 < 0) return encodeError(E_SURROGATE, <i32>(p - CODEC_STREAM));
          const body = head + varintLength(<u64>n8);
          if (body != o) memory.copy(body, o, <usize>i);
          putVarint(head, <u64>n8);
          unitsToUtf8(src + (<usize>i << 1), n - i, body + i);
          o = body + <usize>n8;
          if (isKey) noteKey(fr, body, n8);
        } else {
          o += <usize>n;
          if (isKey) noteKey(fr, ascii, n);
        }
        p = src + ((<usize>n * 2 + 7) & ~7);
        break;
      }
      case K_BIG_I64: {
        const v = load<i64>(p, 8);
        if (v >= 0) {
          store<u8>(o++, <u8>T_BIGPOS);
          o = putVarint(o, <u64>v);
        } else {
          store<u8>(o++, <u8>T_BIGNEG);
          o = putVarint(o, <u64>(-1 - v));
        }
        p += 16;
        break;
      }
      case K_ARRAY:
      case K_OBJECT: {
        if (sp >= eMaxDepth) return encodeError(E_DEPTH, <i32>(p - CODEC_STREAM));
        const obj = <i32>(kind == K_OBJECT);
        store<u8>(o++, <u8>(obj ? T_OBJECT : T_ARRAY));
        o = putVarint(o, <u64>n);
        if (sp > 0) store<i32>(fr, rem);
        fr = STACK + (<usize>sp << 6);
        sp++;
        rem = n << obj;
        isObject = obj;
        store<i32>(fr, obj, 4);
        if (obj) {
          store<i32>(fr, -1, 16);
          store<i32>(fr, 0, 20);
          store<u32>(fr, <u32>o, 24);
          store<i32>(fr, n, 28);
        }
        p += 8;
        break;
      }
      case K_DATE: {
        const f = load<f64>(p, 8);
        if (f != f) return encodeError(E_INVALID_DATE, <i32>(p - CODEC_STREAM));
        // A Date's time value is always an integer within ±8.64e15 (ECMA-262 TimeClip).
        assert(trunc<f64>(f) == f && abs<f64>(f) <= <f64>MAX_TIME, 'codecEncode: not a time value');
        store<u8>(o++, <u8>T_DATE);
        o = putVarint(o, zigzag(<i64>f));
        p += 16;
        break;
      }
      case K_BIG_U64: {
        const v = load<u64>(p, 8);
        assert(v > <u64>i64.MAX_VALUE, 'codecEncode: K_BIG_U64 below 2^63');
        store<u8>(o++, <u8>T_BIGPOS);
        o = putVarint(o, v);
        p += 16;
        break;
      }
      case K_BIG_NEG: {
        const v = load<u64>(p, 8);
        assert(v > <u64>i64.MAX_VALUE, 'codecEncode: K_BIG_NEG above -2^63');
        store<u8>(o++, <u8>T_BIGNEG);
        o = putVarint(o, v);
        p += 16;
        break;
      }
      case K_BYTES: {
        store<u8>(o++, <u8>T_BYTES);
        o = putVarint(o, <u64>n);
        memory.copy(o, p + 8, <usize>n);
        o += <usize>n;
        p += 8 + ((<usize>n + 7) & ~7);
        break;
      }
      default:
        return encodeError(E_STREAM, <i32>(p - CODEC_STREAM));
    }
  }
  eOut = o - arena;
  if (sp > 0) store<i32>(fr, rem);
  eSp = sp;
  if (eOut > eMax) return encodeError(E_TOO_LARGE, len);
  if (flags & ENC_LAST) {
    const r = closeEnded();
    if (r < 0) return encodeError(r, len);
    if (eSp != 0 || !eRootDone) return encodeError(E_STREAM, len);
  }
  return <i32>eOut;
}

/**
 * Ends the containers whose items are all written (codecEncode ends them lazily, when the next
 * item comes), sorting the objects that need it: before anything is placed past the output, which
 * sorting uses as scratch. 0, or an error of sortEntries.
 */
function closeEnded(): i32 {
  while (eSp > 0) {
    const fr = STACK + (<usize>(eSp - 1) << 6);
    if (load<i32>(fr) != 0) break;
    const r = closeFrame(fr);
    if (r < 0) return r;
    eSp--;
  }
  return 0;
}

/**
 * Where an item framed outside codecEncode goes: 1 a key, 0 a value, or E_STREAM when there is no
 * place for one (after the root; a fields root that is no object). Updates the frames.
 */
function nextItem(kind: i32): i32 {
  if (eSp > 0) {
    const fr = STACK + (<usize>(eSp - 1) << 6);
    const rem = load<i32>(fr);
    if (rem == 0) return E_STREAM; // codecEncodePlace ends the containers that are complete
    store<i32>(fr, rem - 1);
    return load<i32>(fr, 4) & ~rem & 1;
  }
  if (eRootDone || (eWantObject && kind != K_OBJECT)) return E_STREAM;
  eRootDone = true;
  return 0;
}

/**
 * Makes room for a long string or byte array that JS writes straight into the arena: `cap`
 * bytes at the offset returned (an arena offset, past space for the header). E_TOO_LARGE when
 * it cannot fit within maxBytes.
 */
export function codecEncodePlace(cap: i32): i32 {
  const r = closeEnded();
  if (r < 0) return encodeError(r, -1);
  // A string's room is 3 bytes a unit, more than its UTF-8 may take: up to 3 x maxBytes.
  if (cap < 0 || <usize>cap > 3 * eMax || !ensureArena(eOut + 16 + <usize>cap)) return encodeError(E_TOO_LARGE, -1);
  return <i32>(eOut + 16);
}

/**
 * Frames the `n` bytes JS wrote at the offset codecEncodePlace returned as the next item:
 * kind K_STR8 (UTF-8, validated here) or K_BYTES. Returns the bytes written so far, or an error.
 */
export function codecEncodePlaced(kind: i32, n: i32): i32 {
  assert(n >= 0 && eOut + 16 + <usize>n <= arenaCap, 'codecEncodePlaced: outside the arena');
  const isKey = nextItem(kind);
  if (isKey < 0 || (isKey && kind != K_STR8) || (kind != K_STR8 && kind != K_BYTES)) return encodeError(E_STREAM, -1);
  const src = arena + eOut + 16;
  if (kind == K_STR8 && !validUtf8(src, n)) return encodeError(E_SURROGATE, -1);
  let o = arena + eOut;
  if (!isKey) store<u8>(o++, <u8>(kind == K_STR8 ? T_STRING : T_BYTES));
  o = putVarint(o, <u64>n);
  memory.copy(o, src, <usize>n);
  if (isKey) noteKey(STACK + (<usize>(eSp - 1) << 6), o, n);
  eOut = o + <usize>n - arena;
  if (eOut > eMax) return encodeError(E_TOO_LARGE, -1);
  return <i32>eOut;
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
