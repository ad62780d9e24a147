// Typed mirror of assembly/index.ts: every export of the core, with what it reads and writes.
// Lengths and statuses are i32; negative values are errors (see each function).

export interface CoreExports {
  readonly memory: WebAssembly.Memory
  ioPtr(): number
  ioSize(): number
  outPtr(): number
  outSize(): number
  poolPtr(): number
  poolSize(): number
  maxSlots(): number

  sha256Init(): void
  /** Feeds IO[0..len). */
  sha256Update(len: number): void
  /** 32-byte digest at OUT. */
  sha256Final(): void

  /** Key at IO[0..len) into `slot`; 0 or -1. */
  hmacSetKey(slot: number, len: number): number
  hmacClearKey(slot: number): void
  hmacInit(slot: number): void
  /** 32-byte MAC at OUT. */
  hmacFinal(slot: number): void

  /** Id at IO[0..idLen): 43 MAC characters at OUT; returns 43, or -1 for a bad id. */
  sign(slot: number, idLen: number, strict: number): number
  /** Signed value at IO[0..len): key index within [first, first+count), -1 malformed, -2 bad MAC. */
  verify(len: number, first: number, count: number, idMin: number, idMax: number, strict: number): number

  /** `len` id characters at OUT; -1 bad length, -2 pool short. */
  newId(len: number): number
  /** "1.<id>.<mac>" at OUT; returns its length, -1 bad length, -2 pool short. */
  newSignedId(slot: number, len: number): number
  /** 1 when IO[0..len) is `expected` base64url characters. */
  validateId(len: number, expected: number): number
  /** Marks POOL as refilled with poolSize() fresh random bytes. */
  poolFilled(): void
  poolRemaining(): number
}

export const SIGN_MALFORMED = -1
export const SIGN_BAD_MAC = -2
export const POOL_SHORT = -2
export const MAC_CHARS = 43
