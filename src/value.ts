// What the codec stores, and the bounds it keeps: a leaf module, so that the public codec
// (./codec.ts) and the boundary code under ./wasm/ both import it without importing each other.

import { CODEC_MAX_DEPTH } from './wasm/generated/abi.js'

/**
 * What the codec stores, each type kept as itself. Objects are plain objects (own enumerable
 * string keys); bigints from -2^64 to 2^64 - 1. Anything else (undefined, NaN, class instances)
 * is refused with CODEC.
 *
 * @example
 * import type { Value } from 'simplesessions'
 *
 * const v: Value = { name: 'ada', admin: true, visits: 3, id: 2n ** 63n, seen: new Date(), tags: ['a'] }
 */
export type Value = null | boolean | number | bigint | string | Uint8Array | Date | Value[] | { [key: string]: Value }

/**
 * Bounds of the codec; both apply to encode and decode alike.
 *
 * @example
 * import { encodeValue, type CodecLimits } from 'simplesessions'
 *
 * const limits: CodecLimits = { maxDepth: 4, maxBytes: 4096 }
 * encodeValue({ a: { b: 1 } }, limits)
 */
export interface CodecLimits {
  /**
   * Most arrays and objects nested inside each other, the outermost included (the fields map of
   * encodeFields counts as one). Default 32; at most 256.
   */
  maxDepth?: number
  /** Largest encoding, in bytes: longer output is refused, longer input is not read. Default 1 MiB; at most 64 MiB. */
  maxBytes?: number
}

export const DEFAULT_CODEC_LIMITS: Readonly<Required<CodecLimits>> = Object.freeze({
  maxDepth: 32,
  maxBytes: 1024 * 1024,
})

/** The largest maxDepth accepted: the deepest nesting the core supports. */
export const MAX_CODEC_DEPTH = CODEC_MAX_DEPTH

/** The largest maxBytes accepted. */
export const MAX_CODEC_BYTES = 64 * 1024 * 1024
