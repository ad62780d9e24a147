// Signed cookie values, format version 1:
//
//   "1" "." <id> "." <base64url(HMAC-SHA256(key, "1." <id>)), 43 chars, no padding>
//
// The MAC covers the version, so a value can never be replayed under another format version, and
// a later version ("2.…") can be introduced while version 1 values still verify. Verification
// parses strictly (exact version, one dot before the MAC, exact MAC length, id alphabet and
// length), then compares the MAC in encoded form in constant time against every key of the
// signer, newest first, and reports which one verified so the caller can re-sign.

import { IO, OUT } from './buffers';
import * as sha from './sha256';
import * as hmac from './hmac';
import { encode, isB64url } from './base64url';
import { SIGN_MALFORMED, SIGN_BAD_MAC, MAC_CHARS as MAC_LENGTH, ID_MAX } from './abi';

export const VERSION: u8 = 0x31; // '1'
const DOT: u8 = 0x2e;
export const MAC_CHARS: i32 = MAC_LENGTH;
export const MAX_ID: i32 = ID_MAX;

export const ERR_MALFORMED: i32 = SIGN_MALFORMED;
export const ERR_SIGNATURE: i32 = SIGN_BAD_MAC;

const PREFIX: usize = memory.data<u8>([VERSION, DOT]);
const PAYLOAD: usize = memory.data(64, 16);
const MAC: usize = memory.data(32, 16);
const EXPECTED: usize = memory.data(64, 16);

/** Writes the 43-char MAC of the version-1 payload for the `idLen`-byte id at `id` into `dst`. */
export function macFor(slot: i32, id: usize, idLen: i32, dst: usize): void {
  if (2 + idLen <= hmac.SHORT_MAX) {
    // The usual case (ids up to 53 chars): two compressions, nothing else.
    store<u8>(PAYLOAD, VERSION);
    store<u8>(PAYLOAD, DOT, 1);
    memory.copy(PAYLOAD + 2, id, idLen);
    hmac.macShort(slot, PAYLOAD, 2 + idLen, MAC);
  } else {
    hmac.begin(slot);
    sha.update(PREFIX, 2);
    sha.update(id, idLen);
    hmac.end(slot, MAC);
  }
  encode(MAC, 32, dst);
}

/** Signs the id in IO[0..idLen) with `slot`; writes the 43 MAC characters at OUT. */
export function sign(slot: i32, idLen: i32, strict: bool): i32 {
  if (idLen < 1 || idLen > MAX_ID || !hmac.inTable(slot, 1)) return ERR_MALFORMED;
  if (!idCharsOk(IO, idLen, strict)) return ERR_MALFORMED;
  macFor(slot, IO, idLen, OUT);
  return MAC_CHARS;
}

/** Checks an id's characters: the base64url alphabet when `strict`, else any cookie-octet but '.'. */
export function idCharsOk(ptr: usize, len: i32, strict: bool): bool {
  let bad: u32 = 0;
  if (strict) {
    for (let i = 0; i < len; i++) bad |= <u32>!isB64url(load<u8>(ptr + i));
  } else {
    for (let i = 0; i < len; i++) {
      const c = <u32>load<u8>(ptr + i);
      // cookie-octet (RFC 6265 §4.1.1) minus '.', which separates the MAC.
      bad |= <u32>(c < 0x21 || c > 0x7e || c == 0x22 || c == 0x2c || c == 0x3b || c == 0x5c || c == 0x2e);
    }
  }
  return bad == 0;
}

/**
 * Verifies the signed value in IO[0..len) against slots [first, first + count).
 * Returns the index (0-based, within the run) of the key that verified, ERR_MALFORMED when the
 * value is not a well-formed version-1 value, or ERR_SIGNATURE when no key verified.
 * The id is IO[2 .. len - 44).
 */
export function verify(len: i32, first: i32, count: i32, idMin: i32, idMax: i32, strict: bool): i32 {
  const idLen = len - 3 - MAC_CHARS;
  if (idLen < idMin || idLen > idMax || idLen < 1 || idLen > MAX_ID) return ERR_MALFORMED;
  if (count < 1 || !hmac.inTable(first, count)) return ERR_MALFORMED;
  if (load<u8>(IO) != VERSION || load<u8>(IO, 1) != DOT || load<u8>(IO + 2 + idLen) != DOT) return ERR_MALFORMED;
  if (!idCharsOk(IO + 2, idLen, strict)) return ERR_MALFORMED;
  const given = IO + 3 + idLen;
  for (let k = 0; k < count; k++) {
    macFor(first + k, IO + 2, idLen, EXPECTED);
    // Constant time over the whole MAC: no early exit.
    let diff: u32 = 0;
    for (let i = 0; i < MAC_CHARS; i++) diff |= <u32>(load<u8>(EXPECTED + i) ^ load<u8>(given + i));
    if (diff == 0) return k;
  }
  return ERR_SIGNATURE;
}
