// Word-at-a-time byte helpers of the codec: eight bytes per load, little-endian. Callers make
// sure 7 bytes past what they read are readable (the arena and the key cache keep that slack).

/** The low `n` (0..7) bytes of a word. */
// @ts-ignore: decorator
@inline export function lowBytes(w: u64, n: i32): u64 {
  return w & ((<u64>1 << (<u64>n << 3)) - 1);
}

/** Four bytes to four 16-bit lanes. */
// @ts-ignore: decorator
@inline export function widen(x: u32): u64 {
  let v = <u64>x;
  v = (v | (v << 16)) & 0x0000ffff0000ffff;
  return (v | (v << 8)) & 0x00ff00ff00ff00ff;
}

/** Four 16-bit lanes (each < 0x100) to four bytes. */
// @ts-ignore: decorator
@inline export function narrow(v: u64): u32 {
  v = (v | (v >>> 8)) & 0x0000ffff0000ffff;
  return <u32>(v | (v >>> 16));
}

/** Compares `n` bytes (reads whole words: both sides must have 7 readable bytes after them). */
// @ts-ignore: decorator
@inline export function bytesEqual(a: usize, b: usize, n: i32): bool {
  let i = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  return i == n || lowBytes(load<u64>(a + i) ^ load<u64>(b + i), n - i) == 0;
}

/**
 * Compares `n` bytes at `a` and at `b` as unsigned bytes, the first difference deciding: negative,
 * 0 or positive. Reads whole words: both sides must have 7 readable bytes after them.
 */
// @ts-ignore: decorator
@inline export function compareBytes(a: usize, b: usize, n: i32): i32 {
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
