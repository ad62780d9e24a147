// The MemoryStore's Map key of a session ID: the ID decoded from base64url, 4 characters to 3
// bytes (a shorter tail one byte a character, tagged so that no two IDs share a key), as a
// one-byte string. A Manager's 32-character ID becomes a 24-character key. An ID with other
// characters is kept as it is, plus a '\u0100' that keeps it apart from every decoded key (a
// two-byte string then). Either way the key is a string the store made, never the caller's
// (which may be a slice of a whole Cookie header, kept alive by a Map entry).

import { begin, finish, put } from './record.js'

/** base64url character → its 6 bits, -1 for any other ASCII character. */
const SEXTET = new Int8Array(128).fill(-1)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) SEXTET[c.charCodeAt(0)] = i

const sextet = (id: string, i: number): number => {
  const c = id.charCodeAt(i)
  return c < 128 ? SEXTET[c]! : -1
}

// The last ID and its key: a request's load and commit ask for the same one back to back, and
// decoding it was ~10% of a read+write request's CPU in a profile. (Holds one caller string.)
let memoId = ''
let memoKey = ''

/**
 * The Map key of session `id`. A base64url ID of 4k + r characters becomes 3k bytes for its
 * whole groups, then r bytes (a character's 6 bits each), then for r = 3 one byte 0xFF: key
 * lengths 3k, 3k + 1 (last byte < 64), 3k + 2 and 3k + 4 (last byte 0xFF) tell the four tails
 * apart, so two IDs never share a key. Any other ID is kept whole, followed by '\u0100', which
 * no decoded key contains. The result is always a new flat string.
 */
export function keyOf(id: string): string {
  // Stryker disable next-line ConditionalExpression: equivalent for false only (a cache: decoding the ID again gives the same key); true, which gives every ID the last key, the key tests kill
  if (id === memoId) return memoKey
  const key = decodeKey(id)
  memoId = id
  memoKey = key
  return key
}

/** The 24 bytes of a 32-character key, reused: String.fromCharCode.apply reads exactly these. */
const KEY32 = new Array<number>(24).fill(0)
const fromCharCode = String.fromCharCode

function decodeKey(id: string): string {
  const n = id.length
  // The Manager's IDs are 32 characters: their 24 bytes go straight into one fromCharCode call,
  // not through the record writer (half the time of a decode, ~0.1 µs, on every load and commit).
  // Stryker disable next-line ConditionalExpression: equivalent for false only (the general path below gives the same key); true, which decodes every length as 32, the key tests kill
  if (n === 32) {
    for (let i = 0, o = 0; i < 32; i += 4, o += 3) {
      const a = sextet(id, i)
      const b = sextet(id, i + 1)
      const c = sextet(id, i + 2)
      const d = sextet(id, i + 3)
      if ((a | b | c | d) < 0) return [id, '\u0100'].join('')
      KEY32[o] = (a << 2) | (b >> 4)
      KEY32[o + 1] = ((b & 15) << 4) | (c >> 2)
      KEY32[o + 2] = ((c & 3) << 6) | d
    }
    return fromCharCode.apply(null, KEY32)
  }
  const r = n & 3
  const whole = n - r
  const build = begin()
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(id, i)
    const b = sextet(id, i + 1)
    const c = sextet(id, i + 2)
    const d = sextet(id, i + 3)
    if ((a | b | c | d) < 0) return [id, '\u0100'].join('')
    put((a << 2) | (b >> 4))
    put(((b & 15) << 4) | (c >> 2))
    put(((c & 3) << 6) | d)
  }
  for (let i = whole; i < n; i++) {
    const s = sextet(id, i)
    if (s < 0) return [id, '\u0100'].join('')
    put(s)
  }
  if (r === 3) put(0xff)
  return finish(build)
}

/** Bytes a key takes: one per character, two for a kept-whole (two-byte) one. */
export const keyBytes = (key: string): number => (key.charCodeAt(key.length - 1) === 0x100 ? 2 * key.length : key.length)
