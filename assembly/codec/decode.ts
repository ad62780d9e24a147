// Decoding untrusted bytes into a tape JS walks (the format: assembly/codec/format.ts).
//
// One pass validates everything: each length and count is checked against the bytes that remain
// (a count of n needs at least n bytes, 2n for an object) before JS allocates anything for it;
// the whole input is already bounded by maxBytes on the JS side. Unknown tags, truncation,
// trailing bytes, invalid UTF-8, non-canonical varints and numbers, duplicate keys, v2 keys out of
// order and nesting deeper than maxDepth are errors, with the byte offset in errAt.
//
// JS copies the bytes into the arena and calls codecDecode, which writes 16-byte tape entries
// (kind, length or count, offset or number) into CODEC_TAPE, and the UTF-16 code units of short
// strings into CODEC_UNITS, so JS makes each with one String.fromCharCode call (longer strings
// are validated here and left to TextDecoder). Object keys go through a cache of KEY_SLOTS slots
// of UTF-8 bytes, mirrored by an array of strings in JS: a key seen before comes back as a slot
// number and JS reuses the very same string. Each open object keeps the set of slots its keys
// used, so a key is flagged K_CHECK (JS looks for a duplicate) only when it shares a slot with an
// earlier key of that object. The tape is filled in chunks (codecDecodeNext continues), so memory
// stays fixed however many values the input holds.

import { CODEC_TAPE, CODEC_TAPE_SIZE, CODEC_UNITS, CODEC_UNITS_SIZE } from '../buffers';
import {
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
  CODEC_E_RANGE as E_RANGE,
  CODEC_E_FLOAT as E_FLOAT,
  CODEC_E_NOT_OBJECT as E_NOT_OBJECT,
  CODEC_E_ORDER as E_ORDER,
  CODEC_DONE as DONE,
  CODEC_KEY_SLOTS as KEY_SLOTS,
  CODEC_MAX_DEPTH as MAX_DEPTH,
} from '../abi';
import {
  FORMAT_VERSION,
  FORMAT_V1,
  T_TRUE,
  T_INT,
  T_FLOAT,
  T_BIGPOS,
  T_BIGNEG,
  T_STRING,
  T_BYTES,
  T_DATE,
  T_ARRAY,
  T_OBJECT,
  MAX_SAFE,
  MAX_TIME,
  isIntegerNumber,
} from './format';
import { STACK, arena, arenaCap, setErrAt } from './arena';
import { getVarint, unzigzag, varAt, varErr } from './varint';
import { bytesEqual, compareBytes, lowBytes } from './bytes';
import { utf8ToUnits, validUtf8 } from './utf8';

/** Strings of at most this many UTF-8 bytes are decoded to UTF-16 here; longer ones by JS. */
export const SHORT_MAX: i32 = 64;
/** Key cache: slots of 32 bytes (length + 1, then up to 31 bytes). */
export const KEY_MAX: i32 = 31;
const KEYS: usize = memory.data(KEY_SLOTS * 32, 16);

const ENTRY: usize = CODEC_TAPE_ENTRY;
const TAPE_LAST: usize = CODEC_TAPE + <usize>CODEC_TAPE_SIZE - 2 * ENTRY; // room for key + value
// Room for a key and a value of SHORT_MAX units each, plus the 14 bytes a widening may write past each.
const UNITS_LAST: usize = CODEC_UNITS + <usize>CODEC_UNITS_SIZE - <usize>(4 * SHORT_MAX + 32);

// The decode cursor (the input left: pos..end) between chunks.
let pos: usize = 0;
let end: usize = 0;
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

/** Slot of the key cache for the `n` bytes at `p` (multiplicative hashing of 8-byte words). */
// @ts-ignore: decorator
@inline function keySlot(p: usize, n: i32): i32 {
  let h: u64 = <u64>n;
  let i = 0;
  for (; i + 8 <= n; i += 8) h = (h ^ load<u64>(p + i)) * 0x9e3779b97f4a7c15;
  if (i < n) h = (h ^ lowBytes(load<u64>(p + i), n - i)) * 0x9e3779b97f4a7c15;
  return <i32>(h >>> 56);
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
  // getVarint.
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
          n64 = getVarint(p, e);
          if (varErr) return decodeError(varErr, varAt);
          p = varAt;
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
      if (isIntegerNumber(f)) return decodeError(E_FLOAT, at);
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
      v = getVarint(p, e);
      if (varErr) return decodeError(varErr, varAt);
      p = varAt;
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
