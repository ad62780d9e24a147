// The core: instantiated synchronously from a compiled module (no fs, no top-level await, so it
// loads under both require() and import), with the hashing, signing and ID calls that move
// strings and bytes through the static IO/OUT buffers: nothing is allocated inside the module per
// call. Its memory's views belong to ./memory.ts.

import type { CoreExports } from './abi.js'
import { MAC_CHARS, POOL_SHORT, SHA256_SIZE, SIGN_MALFORMED } from './abi.js'
import { bytes, ioBytes, useMemory } from './memory.js'

/** Reads the UTF-16 string AssemblyScript passes to abort (its byte length sits at ptr - 4). */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return ''
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0] ?? 0
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1))
}

const utf8 = new TextEncoder()
const fromCharCode = String.fromCharCode
/** The length of IDs by default (src/id.ts), which readAscii makes without a loop. */
const DEFAULT_ID_CHARS = 32

export class WasmAbort extends Error {
  override name = 'WasmAbort'
}

/** The `env.abort` import: decodes AssemblyScript's message and location, then throws. */
export function abortImport(memory: () => WebAssembly.Memory | undefined) {
  return (msg: number, file: number, line: number, col: number): never => {
    const m = memory()
    throw new WasmAbort(m ? `${readAsString(m, msg)} at ${readAsString(m, file)}:${line}:${col}` : 'abort')
  }
}

export class Core {
  readonly exports: CoreExports
  readonly io: number
  readonly ioSize: number
  readonly out: number
  readonly maxSlots: number
  private readonly pool: number
  private readonly poolSize: number

  /** Instantiates `module`; its memory becomes the one ./memory.ts makes views of (one core a process). */
  constructor(readonly module: WebAssembly.Module) {
    let memory: WebAssembly.Memory | undefined
    const instance = new WebAssembly.Instance(module, { env: { abort: abortImport(() => memory) } })
    this.exports = instance.exports as unknown as CoreExports
    memory = this.exports.memory
    this.io = this.exports.ioPtr()
    this.ioSize = this.exports.ioSize()
    useMemory(memory, this.io, this.ioSize)
    this.out = this.exports.outPtr()
    this.pool = this.exports.poolPtr()
    this.poolSize = this.exports.poolSize()
    this.maxSlots = this.exports.maxSlots()
  }

  /** The current byte view of memory (./memory.ts). */
  mem(): Uint8Array {
    return bytes()
  }

  /**
   * Writes `s` at IO if it is ASCII and fits; returns its length or -1. encodeInto is native and
   * measured ~3x faster than a charCodeAt loop for a 78-char cookie value; any non-ASCII character
   * makes it write more bytes than characters, which is how those are refused.
   */
  writeAscii(s: string): number {
    const r = utf8.encodeInto(s, ioBytes())
    return r.read === s.length && r.written === s.length ? s.length : -1
  }

  /**
   * Reads `n` ASCII bytes at `ptr` as a string. String.fromCharCode with the bytes as explicit
   * arguments builds a flat string ~3x faster than fromCharCode.apply over a subarray or a
   * TextDecoder, so the two lengths of the hot path (a MAC, a default-length ID) get their own.
   */
  readAscii(ptr: number, n: number): string {
    const u = bytes()
    const p = ptr
    if (n === MAC_CHARS) return fromCharCode(u[p]!, u[p + 1]!, u[p + 2]!, u[p + 3]!, u[p + 4]!, u[p + 5]!, u[p + 6]!, u[p + 7]!, u[p + 8]!, u[p + 9]!, u[p + 10]!, u[p + 11]!, u[p + 12]!, u[p + 13]!, u[p + 14]!, u[p + 15]!, u[p + 16]!, u[p + 17]!, u[p + 18]!, u[p + 19]!, u[p + 20]!, u[p + 21]!, u[p + 22]!, u[p + 23]!, u[p + 24]!, u[p + 25]!, u[p + 26]!, u[p + 27]!, u[p + 28]!, u[p + 29]!, u[p + 30]!, u[p + 31]!, u[p + 32]!, u[p + 33]!, u[p + 34]!, u[p + 35]!, u[p + 36]!, u[p + 37]!, u[p + 38]!, u[p + 39]!, u[p + 40]!, u[p + 41]!, u[p + 42]!)
    if (n === DEFAULT_ID_CHARS) return fromCharCode(u[p]!, u[p + 1]!, u[p + 2]!, u[p + 3]!, u[p + 4]!, u[p + 5]!, u[p + 6]!, u[p + 7]!, u[p + 8]!, u[p + 9]!, u[p + 10]!, u[p + 11]!, u[p + 12]!, u[p + 13]!, u[p + 14]!, u[p + 15]!, u[p + 16]!, u[p + 17]!, u[p + 18]!, u[p + 19]!, u[p + 20]!, u[p + 21]!, u[p + 22]!, u[p + 23]!, u[p + 24]!, u[p + 25]!, u[p + 26]!, u[p + 27]!, u[p + 28]!, u[p + 29]!, u[p + 30]!, u[p + 31]!)
    return fromCharCode.apply(null, u.subarray(ptr, ptr + n) as unknown as number[])
  }

  /** Feeds bytes through IO to the running hash, in IO-sized chunks. */
  private feed(data: Uint8Array): void {
    const e = this.exports
    for (let off = 0; off < data.length; off += this.ioSize) {
      const chunk = data.subarray(off, off + this.ioSize)
      bytes().set(chunk, this.io)
      e.sha256Update(chunk.length)
    }
  }

  private digest(): Uint8Array {
    return bytes().slice(this.out, this.out + SHA256_SIZE)
  }

  /** Streaming SHA-256 (the core has one context, so a stream must finish before another starts). */
  sha256Stream(): { update(chunk: Uint8Array): void; digest(): Uint8Array } {
    this.exports.sha256Init()
    return {
      update: (chunk) => this.feed(chunk),
      digest: () => {
        this.exports.sha256Final()
        return this.digest()
      },
    }
  }

  sha256(data: Uint8Array): Uint8Array {
    this.exports.sha256Init()
    this.feed(data)
    this.exports.sha256Final()
    return this.digest()
  }

  /**
   * Runs `use(len)` with `key` at IO, then wipes every place the key passed through. Keys longer
   * than IO are hashed here first (RFC 2104 §2 makes that the same key), and IO, the digest at OUT
   * and the hash context wiped before `use`.
   */
  private withKey(key: Uint8Array, use: (len: number) => number): number {
    let k = key
    if (key.length > this.ioSize) {
      k = this.sha256(key)
      const u8 = bytes()
      u8.fill(0, this.io, this.io + this.ioSize)
      u8.fill(0, this.out, this.out + SHA256_SIZE)
      this.exports.sha256Wipe()
    }
    bytes().set(k, this.io)
    const r = use(k.length)
    bytes().fill(0, this.io, this.io + k.length)
    if (k !== key) k.fill(0)
    return r
  }

  setKey(slot: number, key: Uint8Array): void {
    if (this.withKey(key, (n) => this.exports.hmacSetKey(slot, n)) !== 0) throw new RangeError(`bad key slot ${slot}`)
  }

  /** The key's identity: HMAC(key, a fixed label), 32 bytes that are no use for signing. */
  keyId(key: Uint8Array): Uint8Array {
    this.withKey(key, (n) => this.exports.hmacKeyId(n))
    return this.digest()
  }

  clearKey(slot: number): void {
    this.exports.hmacClearKey(slot)
  }

  /** The key slots the table holds now (it grows up to maxSlots). */
  slotCapacity(): number {
    return this.exports.slotCapacity()
  }

  /** Grows the key table to at least `count` slots; false past maxSlots or when memory is full. */
  reserveSlots(count: number): boolean {
    return this.exports.hmacReserve(count) >= count
  }

  /** Streaming HMAC with a key slot (shares the single hash context). */
  hmacStream(slot: number): { update(chunk: Uint8Array): void; digest(): Uint8Array } {
    this.exports.hmacInit(slot)
    return {
      update: (chunk) => this.feed(chunk),
      digest: () => {
        this.exports.hmacFinal(slot)
        return this.digest()
      },
    }
  }

  /** The 43-char MAC of the version-1 payload for `id`, or undefined for an id that cannot be signed. */
  signId(slot: number, id: string, strict = true): string | undefined {
    const n = this.writeAscii(id)
    if (n < 0 || this.exports.sign(slot, n, strict ? 1 : 0) < 0) return undefined
    return this.readAscii(this.out, MAC_CHARS)
  }

  /** Verifies a signed value; returns the key index within the run, or a negative status. */
  verify(value: string, first: number, count: number, idMin: number, idMax: number, strict: boolean): number {
    const n = this.writeAscii(value)
    if (n < 0) return SIGN_MALFORMED
    return this.exports.verify(n, first, count, idMin, idMax, strict ? 1 : 0)
  }

  /** Refills the entropy pool from the host's CSPRNG, straight into WASM memory. */
  private refill(): void {
    // Looked up at call time (not cached) so a test can observe every read of entropy.
    globalThis.crypto.getRandomValues(bytes().subarray(this.pool, this.pool + this.poolSize))
    this.exports.poolFilled()
  }

  newId(len: number): string {
    let n = this.exports.newId(len)
    if (n === POOL_SHORT) {
      this.refill()
      n = this.exports.newId(len)
    }
    if (n < 0) throw new RangeError(`bad id length ${len}`)
    return this.readAscii(this.out, n)
  }

  /** A new ID signed with `slot`, and its whole cookie value ("1.<id>.<mac>"). */
  newSignedId(slot: number, len: number): { id: string; value: string } {
    let n = this.exports.newSignedId(slot, len)
    if (n === POOL_SHORT) {
      this.refill()
      n = this.exports.newSignedId(slot, len)
    }
    if (n < 0) throw new RangeError(`bad id length ${len}`)
    // "1." before the ID, "." after it.
    const id = this.readAscii(this.out + 2, len)
    return { id, value: `1.${id}.${this.readAscii(this.out + 3 + len, MAC_CHARS)}` }
  }

  validateId(id: string, expected: number): boolean {
    const n = this.writeAscii(id)
    return n >= 0 && this.exports.validateId(n, expected) === 1
  }
}

type NativeBase64 = (b64: string) => Uint8Array

/** The runtime's native base64 decoder, if it has one: Uint8Array.fromBase64, else Buffer (Node, Bun). */
function nativeBase64(): NativeBase64 | undefined {
  const u8 = Uint8Array as { fromBase64?: NativeBase64 }
  if (typeof u8.fromBase64 === 'function') return (b64) => u8.fromBase64!(b64)
  const buffer = (globalThis as { Buffer?: { from(s: string, encoding: 'base64'): Uint8Array } }).Buffer
  if (typeof buffer?.from === 'function') return (b64) => buffer.from(b64, 'base64')
  return undefined
}

/**
 * Decodes standard base64: the core's bytes, once at import. With the runtime's native decoder
 * where there is one, else atobDecode. Its copy loop over the ~36 KB of the release core runs
 * cold, before the engine has compiled it: ~1.3 ms of the import on Node 20, where Buffer.from
 * takes ~0.1 ms (docs/cold-start.md).
 */
export function decodeBase64(b64: string): Uint8Array {
  const native = nativeBase64()
  return native === undefined ? atobDecode(b64) : native(b64)
}

/** Decodes standard base64 with atob, which every target runtime has. */
export function atobDecode(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
