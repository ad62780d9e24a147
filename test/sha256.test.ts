// SHA-256 of the wasm core: the FIPS 180-4 examples, every short length against node:crypto, and
// streaming over every kind of split (1-byte chunks, chunks that straddle 64-byte blocks,
// growing-then-shrinking chunks, random cuts, inputs larger than the 64 KiB IO buffer).

import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { core } from '../src/wasm/index'
import {
  byteChunks,
  chunksAtCuts,
  chunksOfSizes,
  isDebugWasm,
  nodeSha256,
  patternBytes,
  straddlingChunks,
  toHex,
  utf8,
  variableLengthChunks,
} from './helpers/bytes'

const streamed = (chunks: readonly Uint8Array[]): string => {
  const s = core.sha256Stream()
  for (const c of chunks) s.update(c)
  return toHex(s.digest())
}

describe('SHA-256: FIPS 180-4 examples', () => {
  // FIPS 180-4 §6.2 with the example values of NIST's "SHA-256 example" sheets (CSRC), plus the
  // empty message; the million-'a' message is the long-message example of FIPS 180-2 Appendix B.3.
  const vectors: [name: string, message: () => Uint8Array, digest: string][] = [
    ['empty', () => new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc" (one block)', () => utf8('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      '448-bit message (padding needs a second block)',
      () => utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    [
      '896-bit message (two blocks)',
      () =>
        utf8(
          'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
        ),
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
    ['one million "a"', () => new Uint8Array(1_000_000).fill(0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
  ]

  for (const [name, message, digest] of vectors) {
    it(`${name}: one shot`, () => {
      expect(toHex(core.sha256(message()))).toBe(digest)
    })
    it(`${name}: 1-byte, straddling and variable-length chunks`, () => {
      const m = message()
      // 1-byte chunks of a million bytes is a million calls: the million-'a' case uses 997-byte
      // chunks instead (a prime, so the cuts walk through every offset of a block).
      const small = m.length > 10_000 ? chunksOfSizes(m, new Array<number>(Math.ceil(m.length / 997)).fill(997)) : byteChunks(m)
      expect(streamed(small)).toBe(digest)
      expect(streamed(straddlingChunks(m))).toBe(digest)
      expect(streamed(variableLengthChunks(m))).toBe(digest)
    })
  }

  it('the million "a" as 1000 updates of 1000 "a" (the classic streaming form)', () => {
    const s = core.sha256Stream()
    const a1000 = new Uint8Array(1000).fill(0x61)
    for (let i = 0; i < 1000; i++) s.update(a1000)
    expect(toHex(s.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })
})

describe('SHA-256 against node:crypto', () => {
  it('every length 0..300, one shot and streamed byte by byte', () => {
    const data = patternBytes(300, 1)
    for (let n = 0; n <= 300; n++) {
      const m = data.subarray(0, n)
      const want = nodeSha256(m)
      expect(toHex(core.sha256(m)), `one shot, length ${n}`).toBe(want)
      expect(streamed(byteChunks(m)), `1-byte chunks, length ${n}`).toBe(want)
    }
  })

  it('every length 0..300 split at every point into two chunks (lengths 0..130)', () => {
    // Two-chunk splits cover each (buffered, incoming) pair of a block: buffered bytes before the
    // cut, then a chunk that fills, straddles or stays inside the block.
    const data = patternBytes(300, 2)
    for (let n = 0; n <= 300; n++) {
      const m = data.subarray(0, n)
      const want = nodeSha256(m)
      const cuts = n <= 130 ? Array.from({ length: n + 1 }, (_, i) => i) : [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, n]
      for (const cut of cuts) {
        expect(streamed(chunksAtCuts(m, [cut])), `length ${n} cut at ${cut}`).toBe(want)
      }
    }
  })

  it('growing-then-shrinking and block-straddling chunks of random inputs', () => {
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4096, 5000, 12_345]) {
      const m = new Uint8Array(randomBytes(n))
      const want = nodeSha256(m)
      expect(streamed(variableLengthChunks(m)), `variable chunks, length ${n}`).toBe(want)
      expect(streamed(variableLengthChunks(m, 7)), `variable chunks up to 7, length ${n}`).toBe(want)
      expect(streamed(variableLengthChunks(m, 200)), `variable chunks up to 200, length ${n}`).toBe(want)
      expect(streamed(straddlingChunks(m)), `straddling chunks, length ${n}`).toBe(want)
    }
  })

  it('random inputs cut at random points (with empty chunks)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat({ max: 2000 }), { maxLength: 40 }), (m, cuts) => {
        expect(streamed(chunksAtCuts(m, cuts))).toBe(nodeSha256(m))
      }),
      { numRuns: isDebugWasm ? 150 : 400 },
    )
  })

  it('inputs larger than the 64 KiB IO buffer: one shot and streamed, chunks below, at and above the buffer', () => {
    expect(core.ioSize).toBe(65536) // the sizes below are chosen around it
    for (const n of [65535, 65536, 65537, 65536 * 3 + 17, 300_001]) {
      const m = new Uint8Array(randomBytes(n))
      const want = nodeSha256(m)
      expect(toHex(core.sha256(m)), `one shot, length ${n}`).toBe(want)
      expect(streamed(chunksOfSizes(m, [1, 65536, 65535, 100_000, 3, 65537])), `big chunks, length ${n}`).toBe(want)
      expect(streamed(variableLengthChunks(m, 3000)), `variable chunks, length ${n}`).toBe(want)
      expect(streamed(straddlingChunks(m)), `straddling chunks, length ${n}`).toBe(want)
    }
  })

  it('random large inputs cut at random points', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 60_000, max: 200_000 }),
        fc.array(fc.nat({ max: 200_000 }), { maxLength: 8 }),
        (n, cuts) => {
          const m = new Uint8Array(randomBytes(n))
          expect(streamed(chunksAtCuts(m, cuts))).toBe(nodeSha256(m))
        },
      ),
      { numRuns: isDebugWasm ? 8 : 25 },
    )
  })

  it('reads the input without modifying it, and returns a digest that later hashes do not overwrite', () => {
    const m = patternBytes(200, 3)
    const copy = m.slice()
    const first = core.sha256(m)
    expect(m).toEqual(copy)
    const second = core.sha256(utf8('something else'))
    expect(toHex(first)).toBe(nodeSha256(m))
    expect(toHex(second)).toBe(nodeSha256(utf8('something else')))
    expect(first.length).toBe(32)
  })

  it('a new stream (or a one-shot hash) starts from a clean state after an unfinished one', () => {
    const abandoned = core.sha256Stream()
    abandoned.update(patternBytes(100, 4)) // never finished: the next stream must not see it
    const s = core.sha256Stream()
    s.update(utf8('abc'))
    expect(toHex(s.digest())).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    core.sha256Stream().update(patternBytes(30, 5))
    expect(toHex(core.sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})
