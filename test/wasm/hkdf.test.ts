// HKDF-SHA256 of the wasm core: RFC 5869 Appendix A.1-A.3 (PRK and OKM), every Wycheproof
// hkdf_sha256 vector, random inputs against node:crypto's hkdfSync, and what it leaves behind.

import { createHmac, hkdfSync, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hkdf, hkdfExpand, hkdfExtract } from '../../src/wasm/hkdf'
import { core } from '../../src/wasm/index'
import { fromHex, isDebugWasm, toHex } from '../helpers/bytes'
import { type HkdfTestFile, wycheproof } from '../helpers/wycheproof'

const range = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('HKDF-SHA256: RFC 5869 Appendix A', () => {
  const cases: [name: string, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, L: number, prk: string, okm: string][] = [
    ['A.1: basic test case', fromHex('0b'.repeat(22)), range(0x00, 0x0c), range(0xf0, 0xf9), 42,
      '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'],
    ['A.2: longer inputs and outputs', range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82,
      '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
      'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
        'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87'],
    ['A.3: zero-length salt and info', fromHex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 42,
      '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'],
  ]
  for (const [name, ikm, salt, info, L, prk, okm] of cases) {
    it(name, () => {
      expect(toHex(hkdfExtract(salt, ikm))).toBe(prk)
      expect(toHex(hkdfExpand(fromHex(prk), info, L))).toBe(okm)
      expect(toHex(hkdf(ikm, salt, info, L))).toBe(okm)
    })
  }
})

const vectors = wycheproof<HkdfTestFile>('hkdf_sha256_test.json')
describe.skipIf(vectors.skip)('HKDF-SHA256: Wycheproof hkdf_sha256_test.json', () => {
  it('every valid vector derives its OKM; every invalid one (a size over 255 * 32) is refused', () => {
    const file = vectors.load()
    expect(file.algorithm).toBe('HKDF-SHA-256')
    const seen = { valid: 0, invalid: 0 }
    for (const group of file.testGroups) {
      for (const t of group.tests) {
        const label = `tcId ${t.tcId} (${t.comment}; ${t.flags.join(', ')})`
        const run = () => hkdf(fromHex(t.ikm), fromHex(t.salt), fromHex(t.info), t.size)
        if (t.result === 'valid') {
          expect(toHex(run()), label).toBe(t.okm)
          seen.valid++
        } else if (t.result === 'invalid') {
          expect(run, label).toThrow(RangeError)
          seen.invalid++
        } else {
          throw new Error(`${label}: unexpected result ${t.result}`)
        }
      }
    }
    expect(seen.valid + seen.invalid).toBe(file.numberOfTests)
    expect(seen.valid).toBeGreaterThan(0)
    expect(seen.invalid).toBeGreaterThan(0)
    console.log(`hkdf_sha256_test.json: ${seen.valid} valid passed, ${seen.invalid} invalid rejected`)
  })
})

describe('HKDF-SHA256 against node:crypto', () => {
  it('random ikm, salt and info of 0..200 bytes (around and past the 64-byte HMAC block), lengths 0..8160', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 255 * 32 })),
        (ikm, salt, info, L) => {
          // node:crypto limits info to 1024 bytes; these stay under it.
          const expected = new Uint8Array(hkdfSync('sha256', ikm, salt, info, L))
          expect(toHex(hkdf(ikm, salt, info, L))).toBe(toHex(expected))
        },
      ),
      { numRuns: isDebugWasm ? 100 : 300 },
    )
  })

  it('expand takes a PRK of any length as its HMAC key (RFC 5869 §2.3: at least HashLen)', () => {
    for (const n of [32, 33, 64, 65, 100]) {
      const prk = new Uint8Array(randomBytes(n))
      const info = new Uint8Array(randomBytes(10))
      // T(1) = HMAC(PRK, info | 0x01).
      const t1 = createHmac('sha256', prk).update(info).update(new Uint8Array([1])).digest()
      expect(toHex(hkdfExpand(prk, info, 32)), `PRK of ${n} bytes`).toBe(toHex(t1))
    }
  })

  it('refuses lengths over 255 * 32 and inputs that do not fit the IO buffer', () => {
    expect(() => hkdf(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError)
    expect(() => hkdf(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), -1)).toThrow(RangeError)
    expect(() => hkdf(new Uint8Array(core.ioSize), new Uint8Array(0), new Uint8Array(0), 1)).toThrow(RangeError)
    expect(() => hkdfExpand(new Uint8Array(32), new Uint8Array(core.ioSize - 40), 32)).toThrow(RangeError)
    expect(hkdf(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 0)).toHaveLength(0)
  })
})

describe('HKDF-SHA256 leaves no key material in WASM memory', () => {
  it('no IKM, PRK or OKM after hkdf, hkdfExtract and hkdfExpand', () => {
    const inMemory = (needle: Uint8Array): boolean => Buffer.from(core.mem().buffer).indexOf(Buffer.from(needle)) >= 0
    const ikm = new Uint8Array(randomBytes(32))
    const salt = new Uint8Array(randomBytes(16))
    const info = new TextEncoder().encode('simplesessions cookie encryption')
    const prkReal = createHmac('sha256', salt).update(ikm).digest()
    const okm = hkdf(ikm, salt, info, 64)
    for (const [what, bytes] of [['ikm', ikm], ['PRK', prkReal], ['OKM', okm], ['OKM block 2', okm.subarray(32)]] as const) {
      expect(inMemory(bytes), `${what} after hkdf`).toBe(false)
    }
    expect(toHex(hkdfExtract(salt, ikm))).toBe(toHex(prkReal))
    expect(inMemory(ikm), 'ikm after extract').toBe(false)
    expect(inMemory(prkReal), 'PRK after extract').toBe(false)
    const okm2 = hkdfExpand(prkReal, info, 64)
    expect(okm2).toEqual(okm)
    expect(inMemory(prkReal), 'PRK after expand').toBe(false)
    expect(inMemory(okm2.subarray(0, 32)), 'OKM after expand').toBe(false)
  })
})
