// Encoding: a stream JS writes -> the format's bytes in the arena (assembly/codec/format.ts).
//
// JS walks the value, classifies each item by its JS type and writes a stream of 8-byte aligned
// entries into CODEC_STREAM (kind, length or count, then the f64 / 64-bit payload or the string's
// UTF-16 code units); codecEncode turns the stream into the format (tags, varints, the number
// rules, UTF-16 -> UTF-8 with lone-surrogate checks, depth and size limits) in the arena. Long
// strings and byte arrays skip the stream: JS writes their bytes straight into the arena
// (codecEncodePlace) and codecEncodePlaced frames them in place.
//
// Key order (format v2): JS hands over an object's keys in its own order; they are written as
// they come, each compared with the one before it (cheap: lengths differ, or a word or two of
// bytes), and an object whose keys were not in order is sorted in place when it ends, entries
// (key and value bytes) moved as blocks. Here rather than in JS: the order is one of UTF-8 bytes,
// which only the core has (JS would have to compute each key's UTF-8 length, and its code unit
// order differs from UTF-8 order for keys with characters above U+FFFF).

import { CODEC_STREAM, CODEC_STREAM_SIZE } from '../buffers';
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
  CODEC_E_DEPTH as E_DEPTH,
  CODEC_E_TOO_LARGE as E_TOO_LARGE,
  CODEC_E_SURROGATE as E_SURROGATE,
  CODEC_E_NAN as E_NAN,
  CODEC_E_INVALID_DATE as E_INVALID_DATE,
  CODEC_E_STREAM as E_STREAM,
  CODEC_ENC_FIRST as ENC_FIRST,
  CODEC_ENC_LAST as ENC_LAST,
  CODEC_ENC_FIELDS as ENC_FIELDS,
  CODEC_MAX_DEPTH as MAX_DEPTH,
} from '../abi';
import {
  FORMAT_VERSION,
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
  MAX_TIME,
  isIntegerNumber,
} from './format';
import { STACK, arena, arenaCap, ensureArena, setErrAt } from './arena';
import { putVarint, readVarint, varintLength, vEnd, zigzag } from './varint';
import { compareBytes, narrow } from './bytes';
import { unitsToUtf8, utf8Length, validUtf8 } from './utf8';

let eOut: usize = 0; // bytes written into the arena
let eMax: usize = 0; // maxBytes
let eMaxDepth: i32 = 0;
let eSp: i32 = 0;
let eRootDone: bool = false;
let eWantObject: bool = false;

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
        if (isIntegerNumber(f)) {
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
