// Shared helpers for the hash, MAC, signing and ID suites: hex, node:crypto references, the ways
// an input is cut into chunks for streaming, and which wasm build the current project runs.

import { createHash, createHmac } from 'node:crypto'

/** True in the vitest project that runs on the debug (unoptimized, asserting) wasm. */
export const isDebugWasm = process.env.SIMPLESESSIONS_WASM === 'debug'

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not hex: ${hex}`)
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

/** The reference SHA-256 (OpenSSL through node:crypto). */
export const nodeSha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

/** The reference HMAC-SHA256 (OpenSSL through node:crypto). */
export const nodeHmac = (key: Uint8Array | string, data: Uint8Array | string): Buffer => createHmac('sha256', key).update(data).digest()

/** Deterministic bytes (a counter mixed with a seed), for inputs that must be the same every run. */
export function patternBytes(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n)
  let x = (seed * 0x9e3779b1 + 0x7f4a7c15) >>> 0
  for (let i = 0; i < n; i++) {
    // xorshift32: cheap, and unlike i & 255 it does not repeat every 256 bytes.
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 255
  }
  return out
}

/** Cuts `data` into consecutive chunks of the given sizes (the last chunk takes the rest). */
export function chunksOfSizes(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let pos = 0
  for (const size of sizes) {
    if (pos >= data.length) break
    out.push(data.subarray(pos, pos + size))
    pos += size
  }
  if (pos < data.length) out.push(data.subarray(pos))
  return out
}

/** Cuts `data` at the given offsets (any order, duplicates allowed: they give empty chunks). */
export function chunksAtCuts(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => Math.min(c, data.length)).sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of points) {
    out.push(data.subarray(prev, p))
    prev = p
  }
  out.push(data.subarray(prev))
  return out
}

/** One byte per chunk. */
export const byteChunks = (data: Uint8Array): Uint8Array[] => chunksOfSizes(data, new Array<number>(data.length).fill(1))

/**
 * Growing-then-shrinking chunk sizes, after hash-wasm's getVariableLengthChunks: 1, 2, …, max,
 * max-1, …, 1, 1, 2, … — so chunk boundaries land at every offset within a 64-byte block and
 * chunks both fit inside and straddle blocks.
 */
export function variableLengthChunks(data: Uint8Array, max = 150): Uint8Array[] {
  const sizes: number[] = []
  let total = 0
  let size = 1
  let step = 1
  while (total < data.length) {
    sizes.push(size)
    total += size
    if (size === max) step = -1
    else if (size === 1 && step === -1) step = 1
    size += step
    if (size < 1) size = 1
  }
  return chunksOfSizes(data, sizes)
}

/** Chunks that always straddle a 64-byte block boundary: 63, 65, 127, 129, 1, 191, … bytes. */
export function straddlingChunks(data: Uint8Array): Uint8Array[] {
  const pattern = [63, 65, 127, 129, 1, 191, 3, 61, 64, 0, 200, 55, 56, 57]
  const sizes: number[] = []
  for (let total = 0, i = 0; total < data.length; i++) {
    const s = pattern[i % pattern.length] ?? 1
    sizes.push(s)
    total += s
  }
  return chunksOfSizes(data, sizes)
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let pos = 0
  for (const c of chunks) {
    out.set(c, pos)
    pos += c.length
  }
  return out
}
