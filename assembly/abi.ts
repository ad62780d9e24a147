// The numbers JS and the core must agree on: results, error codes, entry kinds, flags, sizes and
// offsets. This file is their one definition. The core's modules import them from here;
// build/build.mjs generates src/wasm/generated/abi.ts from this file (build/abi.mjs reads it), so
// JS gets the same names with the same values as literal constants; and the debug build exports
// them as globals (assembly/debug.ts), which test/wasm/abi.test.ts compares with that file.
// A copy kept by hand compiles after it drifts and is then misread in silence: never write one
// of these numbers anywhere else, on either side.
//
// What the generator reads: `export const NAME: i32 = <value>;`, the value an integer or an
// expression of integers and names above it, each with an optional /** one-line doc */ above.

// ---- Signed cookie values (assembly/sign.ts) and IDs (assembly/id.ts)

/** sign, verify, newId, newSignedId: the input is not a well-formed value, length or slot. */
export const SIGN_MALFORMED: i32 = -1;
/** verify: well-formed, but no key of the run made its MAC. */
export const SIGN_BAD_MAC: i32 = -2;
/** newId, newSignedId: the entropy pool has too few bytes left; refill it and call again. */
export const POOL_SHORT: i32 = -2;
/** Characters of a MAC: base64url of 32 bytes, no padding (ceil(256 / 6)). */
export const MAC_CHARS: i32 = 43;
/** Longest ID the core signs, verifies or makes. */
export const ID_MAX: i32 = 255;
/** Bytes of a SHA-256 digest or an HMAC-SHA256 MAC (at OUT). */
export const SHA256_SIZE: i32 = 32;

// ---- The tagged codec (assembly/codec/). Results >= 0 are lengths or counts; negative results
// are the CODEC_E_* errors, with the byte offset of the problem at CODEC_STATE_ERR_AT.

/** Byte offsets in the state block (codecState()): the arena's address, its capacity, errAt. */
export const CODEC_STATE_ARENA: i32 = 0;
export const CODEC_STATE_CAPACITY: i32 = 4;
export const CODEC_STATE_ERR_AT: i32 = 8;

// Entry kinds, shared by the decode tape (16-byte entries) and the encode stream (8-byte aligned
// entries). K_NULL, K_FALSE and K_TRUE have the numbers of their tags in the format.
export const CODEC_K_NULL: i32 = 0;
export const CODEC_K_FALSE: i32 = 1;
export const CODEC_K_TRUE: i32 = 2;
/** Number: f64 at +8. */
export const CODEC_K_NUMBER: i32 = 3;
/** Date: time value (f64) at +8. */
export const CODEC_K_DATE: i32 = 4;
/** Bigint in the int64 range: i64 at +8. */
export const CODEC_K_BIG_I64: i32 = 5;
/** Bigint in [2^63, 2^64): u64 at +8. */
export const CODEC_K_BIG_U64: i32 = 6;
/** Bigint in [-2^64, -2^63): u64 n at +8, the value is -1 - n. */
export const CODEC_K_BIG_NEG: i32 = 7;
/** Short string: +4 UTF-16 code units, +8 index of the first unit (Uint16Array index). */
export const CODEC_K_STR16: i32 = 8;
/** Long string: +4 UTF-8 byte length, +8 byte address (validated UTF-8). */
export const CODEC_K_STR8: i32 = 9;
/** Bytes: +4 length, +8 byte address (decode); encode: +4 length then the bytes. */
export const CODEC_K_BYTES: i32 = 10;
/** Array: +4 count. */
export const CODEC_K_ARRAY: i32 = 11;
/** Object: +4 count (entries). */
export const CODEC_K_OBJECT: i32 = 12;
/** Decode only: a cached key, +4 slot. */
export const CODEC_K_KEY_HIT: i32 = 13;
/** Decode only: a key now cached: +4 units, +8 index of the first unit, +12 slot. */
export const CODEC_K_KEY_MISS: i32 = 14;
/** Decode only, or-ed into a key's kind: the key may repeat an earlier one of its object; check before adding. */
export const CODEC_K_CHECK: i32 = 16;

/** Bytes of a decode tape entry. */
export const CODEC_TAPE_ENTRY: i32 = 16;

// Errors. errAt: decode, the byte offset into the input; encode, the offset of the entry in the
// stream, -1 for a placed entry.
export const CODEC_E_TRUNCATED: i32 = -1;
export const CODEC_E_TAG: i32 = -2;
export const CODEC_E_TRAILING: i32 = -3;
export const CODEC_E_UTF8: i32 = -4;
export const CODEC_E_DEPTH: i32 = -5;
export const CODEC_E_VERSION: i32 = -6;
export const CODEC_E_VARINT: i32 = -7;
export const CODEC_E_RANGE: i32 = -8;
export const CODEC_E_FLOAT: i32 = -9;
export const CODEC_E_NOT_OBJECT: i32 = -10;
export const CODEC_E_TOO_LARGE: i32 = -11;
export const CODEC_E_SURROGATE: i32 = -12;
export const CODEC_E_NAN: i32 = -13;
export const CODEC_E_INVALID_DATE: i32 = -14;
/** The encode stream is malformed (a bug on the JS side, never a property of the value). */
export const CODEC_E_STREAM: i32 = -15;
/** Format v2: an object key that does not come after the key before it (errAt: the key). */
export const CODEC_E_ORDER: i32 = -16;

/** Or-ed into a decode result when the value is complete (trailing bytes checked). */
export const CODEC_DONE: i32 = 0x40000000;

// Flags of codecEncode.
/** Starts a value: resets the state, writes the version. */
export const CODEC_ENC_FIRST: i32 = 1;
/** Ends a value: checks it is complete. */
export const CODEC_ENC_LAST: i32 = 2;
/** With CODEC_ENC_FIRST: the value must be an object (a fields blob). */
export const CODEC_ENC_FIELDS: i32 = 4;

/** Slots of the decode key cache (its slot numbers are the top 8 bits of a hash). */
export const CODEC_KEY_SLOTS: i32 = 256;
/** Deepest nesting any caller may configure. */
export const CODEC_MAX_DEPTH: i32 = 256;

// ---- ChaCha20, Poly1305, (X)ChaCha20-Poly1305 (assembly/chacha20poly1305.ts) and HKDF

/** A call out of order or a length that does not fit: nothing was done. */
export const AEAD_MISUSE: i32 = -1;
/** The tag did not match: nothing was decrypted, the context is wiped. */
export const AEAD_FORGED: i32 = -2;
export const AEAD_KEY_SIZE: i32 = 32;
export const AEAD_TAG_SIZE: i32 = 16;
export const CHACHA_NONCE_SIZE: i32 = 12;
export const XCHACHA_NONCE_SIZE: i32 = 24;
/** SHA-256 output, the HKDF PRK. */
export const HKDF_HASH_LEN: i32 = SHA256_SIZE;
/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const HKDF_MAX_OKM: i32 = 255 * HKDF_HASH_LEN;
