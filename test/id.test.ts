// Session IDs: uniqueness over a million, length and alphabet, uniform character frequencies
// (overall and per position), entropy taken only from crypto.getRandomValues (exactly 3 bytes per
// 4 characters, predictable when getRandomValues is replaced), used entropy wiped, and
// isValidId's accept/reject rules.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SessionError } from '../src/errors'
import { DEFAULT_ID_LENGTH, MAX_ID_LENGTH, MIN_ID_LENGTH, checkIdLength, generateId, isValidId } from '../src/id'
import { Signer } from '../src/signing'
import { core } from '../src/wasm/index'
import { patternBytes } from './helpers/bytes'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64URL = /^[A-Za-z0-9_-]+$/
const POOL_SIZE = core.exports.poolSize()
/** Random bytes an ID of `len` characters takes: 3 per 4 characters, whole groups. */
const bytesFor = (len: number): number => Math.ceil(len / 4) * 3

/**
 * The chi-square statistic with 63 degrees of freedom that a uniform source exceeds with
 * probability 1e-6 (scipy.stats.chi2.isf(1e-6, 63) = 131.37). Each test below makes a handful of
 * such checks, so a correct generator fails one about once in 10^5 runs; a bias of a few percent
 * on one symbol over these sample sizes lands far above it.
 */
const CHI2_63_P1E6 = 131.37

function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  const expected = total / counts.length
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
}

/** Counts of each alphabet symbol; throws on a character outside the alphabet. */
function symbolCounts(ids: readonly string[], position?: number): number[] {
  const index = new Int16Array(128).fill(-1)
  for (let i = 0; i < 64; i++) index[ALPHABET.charCodeAt(i)] = i
  const counts = new Array<number>(64).fill(0)
  const count = (c: number) => {
    const k = c < 128 ? (index[c] ?? -1) : -1
    if (k < 0) throw new Error(`character ${c} outside the alphabet`)
    counts[k] = (counts[k] ?? 0) + 1
  }
  for (const id of ids) {
    if (position === undefined) for (let i = 0; i < id.length; i++) count(id.charCodeAt(i))
    else count(id.charCodeAt(position))
  }
  return counts
}

/** Fails the test if Math.random is called. */
function forbidMathRandom(): void {
  vi.spyOn(Math, 'random').mockImplementation(() => {
    throw new Error('Math.random must never be used for session IDs')
  })
}

/**
 * Replaces crypto.getRandomValues with a deterministic fill; returns every array it filled (a
 * copy of what it wrote), in order.
 */
function deterministicEntropy(): Uint8Array[] {
  const fills: Uint8Array[] = []
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((array: Uint8Array) => {
    const bytes = patternBytes(array.byteLength, 1000 + fills.length)
    array.set(bytes)
    fills.push(bytes)
    return array
  }) as typeof globalThis.crypto.getRandomValues)
  return fills
}

/**
 * Uses up what is left in the pool without asking for entropy (32-character IDs, then
 * 1-character IDs of 3 bytes each), so that the next ID of any length refills it.
 */
function drainPool(): void {
  const big = Math.floor(core.exports.poolRemaining() / bytesFor(32))
  for (let i = 0; i < big; i++) generateId(32)
  // Bounded, so a pool that does not advance fails here instead of hanging.
  for (let i = 0; i < 8 && core.exports.poolRemaining() >= bytesFor(1); i++) generateId(1)
  expect(core.exports.poolRemaining()).toBeLessThan(bytesFor(1))
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

beforeEach(() => {
  forbidMathRandom()
})
afterEach(() => {
  vi.restoreAllMocks()
  // A test may have filled the pool with chosen bytes: later tests get fresh entropy.
  drainPool()
})

describe('generateId', () => {
  // A million in both projects: the time goes to the JS side (Set, regex), so even the
  // unoptimized debug wasm does it in about a second. Should the debug build ever get slow here,
  // run the full count only when !isDebugWasm.
  const N = 1_000_000
  it(`${N} IDs: no duplicate, each 32 base64url characters`, () => {
    const seen = new Set<string>()
    let wrongLength = 0
    let wrongAlphabet = 0
    for (let i = 0; i < N; i++) {
      const id = generateId()
      if (id.length !== 32) wrongLength++
      if (!B64URL.test(id)) wrongAlphabet++
      seen.add(id)
    }
    expect(wrongLength).toBe(0)
    expect(wrongAlphabet).toBe(0)
    expect(seen.size).toBe(N)
  })

  it('every length 1..64 (and 255): that many base64url characters', () => {
    for (const len of [...Array.from({ length: 64 }, (_, i) => i + 1), 100, 254, 255]) {
      for (let k = 0; k < 20; k++) {
        const id = generateId(len)
        expect(id, `length ${len}`).toHaveLength(len)
        expect(id, `length ${len}`).toMatch(B64URL)
      }
    }
    expect(generateId()).toHaveLength(DEFAULT_ID_LENGTH)
    expect(DEFAULT_ID_LENGTH).toBe(32)
  })

  it('refuses lengths outside 1..255 and non-integers with CONFIG', () => {
    for (const len of [0, -1, 256, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let err: unknown
      try {
        generateId(len)
      } catch (e) {
        err = e
      }
      expect(err, `length ${len}`).toBeInstanceOf(SessionError)
      expect((err as SessionError).code).toBe('CONFIG')
      expect((err as SessionError).message).toMatch(/^option idLength is invalid: /)
    }
  })
})

describe('ID character frequencies are uniform (chi-square, 63 degrees of freedom)', () => {
  it('over all characters of 20 000 IDs', () => {
    const ids = Array.from({ length: 20_000 }, () => generateId())
    const counts = symbolCounts(ids)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20_000 * 32)
    expect(counts.every((c) => c > 0)).toBe(true) // every symbol occurs
    expect(chiSquare(counts)).toBeLessThan(CHI2_63_P1E6)
  })

  it('at each of the four positions of a 3-byte group, and the last, over 64 000 IDs', () => {
    const ids = Array.from({ length: 64_000 }, () => generateId())
    for (const pos of [0, 1, 2, 3, 13, 31]) {
      const x2 = chiSquare(symbolCounts(ids, pos))
      expect(x2, `position ${pos}`).toBeLessThan(CHI2_63_P1E6)
    }
  })

  it('at the last position of IDs whose length is not a multiple of 4 (bits dropped from the group)', () => {
    for (const len of [1, 2, 3, 33]) {
      const ids = Array.from({ length: 32_000 }, () => generateId(len))
      expect(chiSquare(symbolCounts(ids, len - 1)), `length ${len}`).toBeLessThan(CHI2_63_P1E6)
    }
  })

  it('the test itself notices a biased source (sanity check of the statistic)', () => {
    // Replace the entropy with bytes where the top bit is set 3 times in 5: the first character
    // of each group (the top 6 bits) is then skewed, and the chi-square must say so.
    let seed = 7
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((array: Uint8Array) => {
      const bytes = patternBytes(array.byteLength, seed++)
      for (let i = 0; i < bytes.length; i++) if ((bytes[i] ?? 0) % 5 < 1) bytes[i] = (bytes[i] ?? 0) | 0x80
      array.set(bytes)
      return array
    }) as typeof globalThis.crypto.getRandomValues)
    drainPool()
    const ids = Array.from({ length: 20_000 }, () => generateId())
    expect(chiSquare(symbolCounts(ids, 0))).toBeGreaterThan(CHI2_63_P1E6)
  })
})

describe('entropy comes only from crypto.getRandomValues', () => {
  it('N IDs take exactly 24 bytes each, from 4096-byte refills of the pool', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues')
    const perId = bytesFor(32)
    expect(perId).toBe(24)
    const idsPerPool = Math.floor(POOL_SIZE / perId) // 170: the last 16 bytes of a pool are never used
    for (const n of [1, 169, 170, 171, 1000, 5000]) {
      spy.mockClear()
      const before = core.exports.poolRemaining()
      for (let i = 0; i < n; i++) generateId()
      // What the pool can still serve, then whole refills of idsPerPool IDs each.
      const fromPool = Math.min(n, Math.floor(before / perId))
      const refills = Math.ceil((n - fromPool) / idsPerPool)
      expect(spy, `n = ${n}`).toHaveBeenCalledTimes(refills)
      for (const [array] of spy.mock.calls) {
        expect(array).toBeInstanceOf(Uint8Array)
        expect((array as Uint8Array).byteLength).toBe(POOL_SIZE)
        // Written straight into WASM memory: no copy in JS.
        expect((array as Uint8Array).buffer).toBe(core.exports.memory.buffer)
      }
      const after = refills === 0 ? before - n * perId : POOL_SIZE - (n - fromPool - (refills - 1) * idsPerPool) * perId
      expect(core.exports.poolRemaining(), `n = ${n}`).toBe(after)
    }
  })

  it('IDs of other lengths take 3 bytes per 4 characters, and signed IDs take the same', () => {
    const s = new Signer(['k'.repeat(32)], { idLength: 22, idMinLength: 1, idMaxLength: 64 })
    try {
      for (const len of [1, 2, 3, 4, 5, 31, 33, 64]) {
        drainPool()
        generateId(len) // refills
        expect(core.exports.poolRemaining(), `generateId(${len})`).toBe(POOL_SIZE - bytesFor(len))
        generateId(len)
        expect(core.exports.poolRemaining(), `generateId(${len}) twice`).toBe(POOL_SIZE - 2 * bytesFor(len))
      }
      drainPool()
      s.newSignedId()
      expect(core.exports.poolRemaining()).toBe(POOL_SIZE - bytesFor(22))
    } finally {
      s.close()
    }
  })

  it('with a deterministic getRandomValues, the IDs are exactly base64url of its bytes, none reused', () => {
    const fills = deterministicEntropy()
    drainPool()
    expect(fills).toHaveLength(0) // draining used what was already in the pool
    // Model of the pool: a refill when the next ID needs more than remains, bytes taken in order.
    const lengths = [...Array.from({ length: 400 }, () => 32), ...Array.from({ length: 300 }, (_, i) => 1 + (i % 64))]
    let pool: Uint8Array | undefined
    let pos = POOL_SIZE
    let refills = 0
    for (const len of lengths) {
      const id = generateId(len)
      const need = bytesFor(len)
      if (need > POOL_SIZE - pos) {
        pool = fills[refills++]
        pos = 0
      }
      expect(fills, `refills after an id of length ${len}`).toHaveLength(refills)
      if (!pool) throw new Error('no pool')
      expect(id, `id of length ${len} at pool offset ${pos}`).toBe(b64url(pool.subarray(pos, pos + need)).slice(0, len))
      pos += need
    }
    expect(refills).toBeGreaterThan(3)
  })

  it('signed IDs with a deterministic getRandomValues are predictable too', () => {
    const secret = 's'.repeat(32)
    const s = new Signer([secret])
    try {
      const fills = deterministicEntropy()
      drainPool()
      const { id, value } = s.newSignedId()
      const first = fills[0]
      expect(fills).toHaveLength(1)
      if (!first) throw new Error('no fill')
      expect(id).toBe(b64url(first.subarray(0, 24)))
      expect(s.verify(value)).toEqual({ id, key: 0 })
    } finally {
      s.close()
    }
  })

  it('used random bytes are wiped from WASM memory', () => {
    const fills = deterministicEntropy()
    drainPool()
    generateId() // refill, then take 24 bytes
    generateId()
    const pool = core.mem().subarray(core.exports.poolPtr(), core.exports.poolPtr() + POOL_SIZE)
    const fill = fills[0]
    if (!fill) throw new Error('no fill')
    expect(Array.from(pool.subarray(0, 48))).toEqual(new Array<number>(48).fill(0))
    // The rest is still the fill, not yet used.
    expect(pool.subarray(48)).toEqual(fill.subarray(48))
  })

  it('Math.random is never called (it throws here) and generation still works', () => {
    expect(() => Math.random()).toThrow(/never be used/)
    for (let i = 0; i < 2000; i++) expect(generateId()).toHaveLength(32)
  })
})

describe('isValidId', () => {
  const id = 'AZaz09-_'.repeat(4)

  it('accepts the right length over the base64url alphabet', () => {
    expect(isValidId(id)).toBe(true)
    expect(isValidId(ALPHABET.slice(0, 32))).toBe(true)
    expect(isValidId(ALPHABET.slice(32))).toBe(true)
    for (let i = 0; i < 200; i++) expect(isValidId(generateId())).toBe(true)
    for (const len of [1, 2, 16, 31, 33, 64, 255]) expect(isValidId(generateId(len), len), `length ${len}`).toBe(true)
  })

  it('rejects other lengths', () => {
    for (const s of ['', id.slice(1), id + 'A', id + id]) expect(isValidId(s), JSON.stringify(s)).toBe(false)
    expect(isValidId(generateId(31))).toBe(false)
    expect(isValidId(generateId(32), 31)).toBe(false)
    expect(isValidId(generateId(16), 32)).toBe(false)
    expect(isValidId('', 0)).toBe(false)
  })

  it('rejects any character outside the alphabet, at every position', () => {
    const bad = ['.', '=', '+', '/', ' ', '"', ';', '%', '~', '\u0000', '\u007f', 'é', '\u0141', '€', '\ud83d']
    for (const ch of bad) {
      for (let pos = 0; pos < 32; pos++) {
        const s = id.slice(0, pos) + ch + id.slice(pos + 1)
        expect(s.length).toBe(32)
        expect(isValidId(s), `${JSON.stringify(ch)} at ${pos}`).toBe(false)
      }
    }
    // A non-ASCII character whose low byte is an alphabet letter ('Ł' is U+0141, 'A' is 0x41).
    expect(isValidId('\u0141' + id.slice(1))).toBe(false)
    // Two UTF-16 units that make 32 units in all.
    expect(isValidId('😀' + id.slice(2))).toBe(false)
  })

  it('rejects non-strings', () => {
    for (const v of [undefined, null, 32, 1n, {}, [id], new String(id), { length: 32 }, Buffer.from(id)]) {
      expect(isValidId(v), String(v)).toBe(false)
    }
  })
})

describe('checkIdLength, the one ID-length rule', () => {
  it('takes integers from min (default 1) to 255, and names the option and the bounds when it refuses', () => {
    expect(checkIdLength('idLength', 1)).toBe(1)
    expect(checkIdLength('idLength', MAX_ID_LENGTH)).toBe(255)
    expect(checkIdLength('idLength', MIN_ID_LENGTH, MIN_ID_LENGTH)).toBe(16)
    expect(() => checkIdLength('idLength', MIN_ID_LENGTH - 1, MIN_ID_LENGTH)).toThrow(/^option idLength is invalid: 15 \(an integer from 16 \(96 bits\) to 255\)$/)
    for (const v of [0, 256, 1.5, '32', undefined]) {
      expect(() => checkIdLength('idMaxLength', v), String(v)).toThrow(expect.objectContaining({ code: 'CONFIG', message: expect.stringMatching(/^option idMaxLength is invalid: .* \(an integer from 1 to 255\)$/) }))
    }
  })
})
