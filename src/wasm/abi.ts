// The core's exports, typed: every function of assembly/index.ts, with what it reads and writes.
// Lengths and statuses are i32; negative values are errors (see each function). The constants
// they return or take (error codes, entry kinds, flags, sizes) are not written here: they are
// generated from assembly/abi.ts at build time and re-exported here.

export * from './generated/abi.js'

export interface CoreExports {
  readonly memory: WebAssembly.Memory
  ioPtr(): number
  ioSize(): number
  outPtr(): number
  outSize(): number
  poolPtr(): number
  poolSize(): number
  /** The most key slots the table grows to. */
  maxSlots(): number
  /** The key slots the table holds now. */
  slotCapacity(): number

  sha256Init(): void
  /** Feeds IO[0..len). */
  sha256Update(len: number): void
  /** 32-byte digest at OUT. */
  sha256Final(): void
  /** Zeroes the hash context (after hashing key material). */
  sha256Wipe(): void

  /** Key at IO[0..len) into `slot`; 0 or -1. */
  hmacSetKey(slot: number, len: number): number
  hmacClearKey(slot: number): void
  /** Grows the key table to at least `count` slots: the slots it holds, or -1. */
  hmacReserve(count: number): number
  /** Identity of the key at IO[0..len) (HMAC of a fixed label), 32 bytes at OUT; 0 or -1. */
  hmacKeyId(len: number): number
  hmacInit(slot: number): void
  /** 32-byte MAC at OUT. */
  hmacFinal(slot: number): void

  /** Id at IO[0..idLen): MAC_CHARS characters at OUT; returns MAC_CHARS, or SIGN_MALFORMED for a bad id or slot. */
  sign(slot: number, idLen: number, strict: number): number
  /** Signed value at IO[0..len): key index within [first, first+count), SIGN_MALFORMED or SIGN_BAD_MAC. */
  verify(len: number, first: number, count: number, idMin: number, idMax: number, strict: number): number

  /** `len` id characters at OUT; SIGN_MALFORMED (bad length) or POOL_SHORT. */
  newId(len: number): number
  /** "1.<id>.<mac>" at OUT; returns its length, SIGN_MALFORMED (bad length or slot) or POOL_SHORT. */
  newSignedId(slot: number, len: number): number
  /** 1 when IO[0..len) is `expected` base64url characters. */
  validateId(len: number, expected: number): number
  /** Marks POOL as refilled with poolSize() fresh random bytes. */
  poolFilled(): void
  poolRemaining(): number
}


// The tagged codec (assembly/codec/). Results >= 0 are lengths or counts; negative results are
// the CODEC_E_* errors, with the byte offset of the problem in the state block (see codecState).
export interface CodecExports {
  /** Address of the state block: u32 arena address, u32 arena capacity, i32 errAt. */
  codecState(): number
  /** Grows the arena to at least `size` bytes: 0, or CODEC_E_TOO_LARGE. */
  codecReserve(size: number): number
  /** Decodes arena[0..len): tape entries written | CODEC_DONE, or an error. */
  codecDecode(len: number, maxDepth: number, wantObject: number): number
  /** More tape entries of the decode in progress. */
  codecDecodeNext(): number
  codecKeysReset(): void
  /** Frames CODEC_STREAM[0..len) into the arena; returns the arena bytes written so far. */
  codecEncode(len: number, flags: number, maxBytes: number, maxDepth: number): number
  /** Room for `cap` bytes written by JS at the arena offset returned. */
  codecEncodePlace(cap: number): number
  /** Frames the `n` placed bytes (CODEC_K_STR8 or CODEC_K_BYTES) as the next item. */
  codecEncodePlaced(kind: number, n: number): number
  codecTape(): number
  codecUnits(): number
  codecStream(): number
  codecStreamSize(): number
  codecMaxDepth(): number
}


// ChaCha20, HChaCha20, Poly1305, (X)ChaCha20-Poly1305 and HKDF-SHA256 (assembly/chacha20.ts,
// hchacha20.ts, poly1305.ts, chacha20poly1305.ts, xchacha20poly1305.ts, hkdf.ts). Keys are
// written at IO and wiped from it by the call that takes them. `x` is 1 for XChaCha20-Poly1305.
export interface CryptoExports {
  /** Key at IO[0..32), nonce at IO[32..44); the keystream starts at block `counter`. */
  chacha20Init(counter: number): void
  /** XORs the keystream into IO[0..len) in place: 0, or AEAD_MISUSE. */
  chacha20Update(len: number): number
  chacha20Wipe(): void
  /** Key at IO[0..32), 16 nonce bytes at IO[32..48): the 32-byte subkey at OUT. */
  hchacha20(): void
  /** One-time key at IO[0..32). */
  poly1305Init(): void
  /** Feeds IO[0..len): 0, or AEAD_MISUSE. */
  poly1305Update(len: number): number
  /** 16-byte tag at OUT. */
  poly1305Final(): void

  /** Offset in IO of the nonce of aeadSeal/aeadOpen/aeadInit (the key is at 0). */
  aeadNonceAt(): number
  /** Offset in IO of the aad of aeadSeal/aeadOpen; the text follows it. */
  aeadDataAt(): number
  /** Writes ciphertext | tag over the plaintext: textLen + 16, or AEAD_MISUSE. */
  aeadSeal(x: number, aadLen: number, textLen: number): number
  /** ctLen includes the tag: the plaintext length (plaintext over the ciphertext), AEAD_MISUSE or AEAD_FORGED. */
  aeadOpen(x: number, aadLen: number, ctLen: number): number
  aeadInit(x: number): void
  aeadAad(len: number): number
  aeadEncrypt(len: number): number
  /** The tag at OUT: 16, or AEAD_MISUSE. */
  aeadSealFinal(): number
  aeadAuth(len: number): number
  /** Tag at IO[0..16): 0, AEAD_FORGED (context wiped) or AEAD_MISUSE. */
  aeadVerify(): number
  aeadDecrypt(len: number): number
  aeadWipe(): void

  /** IO: salt | ikm | info, then the OKM: len, or -1. */
  hkdf(saltLen: number, ikmLen: number, infoLen: number, len: number): number
  /** IO: salt | ikm; the PRK at OUT: 32, or -1. */
  hkdfExtract(saltLen: number, ikmLen: number): number
  /** IO: prk | info, then the OKM: len, or -1. */
  hkdfExpand(prkLen: number, infoLen: number, len: number): number
}
