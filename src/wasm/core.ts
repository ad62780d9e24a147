// The only code that touches WASM memory. It instantiates the core synchronously from bytes
// (no fs, no top-level await, so it loads under both require() and import), keeps byte views
// that are re-created if memory grows, and moves strings and bytes through the static IO/OUT
// buffers: nothing is allocated inside the module per call.

import type { CoreExports } from './abi'
import { MAC_CHARS, POOL_SHORT } from './abi'

/** Reads the UTF-16 string AssemblyScript passes to abort (its byte length sits at ptr - 4). */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return ''
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0] ?? 0
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1))
}

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
  private u8: Uint8Array

  constructor(readonly module: WebAssembly.Module) {
    let memory: WebAssembly.Memory | undefined
    const instance = new WebAssembly.Instance(module, { env: { abort: abortImport(() => memory) } })
    this.exports = instance.exports as unknown as CoreExports
    memory = this.exports.memory
    this.u8 = new Uint8Array(memory.buffer)
    this.io = this.exports.ioPtr()
    this.ioSize = this.exports.ioSize()
    this.out = this.exports.outPtr()
    this.pool = this.exports.poolPtr()
    this.poolSize = this.exports.poolSize()
    this.maxSlots = this.exports.maxSlots()
  }

  /** The current byte view of memory (a grown memory detaches the old buffer). */
  mem(): Uint8Array {
    let u8 = this.u8
    if (u8.byteLength === 0) u8 = this.u8 = new Uint8Array(this.exports.memory.buffer)
    return u8
  }

  /** Writes `s` at IO if it is ASCII and fits; returns its length or -1. */
  writeAscii(s: string): number {
    const n = s.length
    if (n > this.ioSize) return -1
    const u8 = this.mem()
    const io = this.io
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c > 0x7e) return -1
      u8[io + i] = c
    }
    return n
  }

  /** Reads `n` ASCII bytes at `ptr` as a string. */
  readAscii(ptr: number, n: number): string {
    return String.fromCharCode.apply(null, this.mem().subarray(ptr, ptr + n) as unknown as number[])
  }

  /** Feeds bytes through IO to the running hash, in IO-sized chunks. */
  private feed(data: Uint8Array): void {
    const e = this.exports
    for (let off = 0; off < data.length; off += this.ioSize) {
      const chunk = data.subarray(off, off + this.ioSize)
      this.mem().set(chunk, this.io)
      e.sha256Update(chunk.length)
    }
  }

  private digest(): Uint8Array {
    return this.mem().slice(this.out, this.out + 32)
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

  setKey(slot: number, key: Uint8Array): void {
    // Keys longer than IO are hashed here first; RFC 2104 §2 makes that the same key.
    const k = key.length > this.ioSize ? this.sha256(key) : key
    const u8 = this.mem()
    u8.set(k, this.io)
    const r = this.exports.hmacSetKey(slot, k.length)
    u8.fill(0, this.io, this.io + k.length)
    if (r !== 0) throw new RangeError(`bad key slot ${slot}`)
  }

  clearKey(slot: number): void {
    this.exports.hmacClearKey(slot)
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
    if (n < 0) return -1
    return this.exports.verify(n, first, count, idMin, idMax, strict ? 1 : 0)
  }

  /** Refills the entropy pool from the host's CSPRNG, straight into WASM memory. */
  private refill(): void {
    // Looked up at call time (not cached) so a test can observe every read of entropy.
    globalThis.crypto.getRandomValues(this.mem().subarray(this.pool, this.pool + this.poolSize))
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

  /** A new ID signed with `slot`: the whole cookie value ("1.<id>.<mac>"). */
  newSignedId(slot: number, len: number): string {
    let n = this.exports.newSignedId(slot, len)
    if (n === POOL_SHORT) {
      this.refill()
      n = this.exports.newSignedId(slot, len)
    }
    if (n < 0) throw new RangeError(`bad id length ${len}`)
    return this.readAscii(this.out, n)
  }

  validateId(id: string, expected: number): boolean {
    const n = this.writeAscii(id)
    return n >= 0 && this.exports.validateId(n, expected) === 1
  }
}

/** Decodes standard base64 with atob, which every target runtime has (Buffer is Node-only). */
export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
