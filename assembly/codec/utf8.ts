// UTF-8 (RFC 3629, https://www.rfc-editor.org/rfc/rfc3629) to and from UTF-16 code units, as
// the format requires it: well-formed only (no overlong forms, no surrogates, nothing above
// U+10FFFF), and a lone surrogate in a JS string refused, since UTF-8 cannot represent it.
// ASCII runs go eight bytes (decode) or four units (encode) at a time.

import { lowBytes, widen } from './bytes';

/**
 * Decodes `n` bytes of UTF-8 at `src` into UTF-16 code units at `dst`, validating (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). Returns the number of units, or -1.
 * Never writes more units than there are bytes.
 */
export function utf8ToUnits(src: usize, n: i32, dst: usize): i32 {
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
export function validUtf8(src: usize, n: i32): bool {
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
export function utf8Length(src: usize, n: i32): i32 {
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
export function unitsToUtf8(src: usize, n: i32, dst: usize): void {
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
