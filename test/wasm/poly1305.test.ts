// Poly1305 of the wasm core: RFC 8439 §2.5.2 and the eleven Appendix A.3 vectors (A.3 #5-#11 are
// the carry and reduction edge cases of limb implementations), and random keys and messages with
// random chunk splits against @noble/ciphers' Poly1305.

import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { poly1305Stream } from '../../src/wasm/poly1305'
import { byteChunks, chunksAtCuts, fromHex, isDebugWasm, straddlingChunks, toHex, utf8, variableLengthChunks } from '../helpers/bytes'
import { ietfText, jabberwocky } from '../helpers/rfc8439'

function mac(key: Uint8Array, chunks: readonly Uint8Array[]): string {
  const p = poly1305Stream(key)
  for (const c of chunks) p.update(c)
  return toHex(p.digest())
}

/** Every way the tests cut a message. */
const splits = (m: Uint8Array): Uint8Array[][] => [[m], byteChunks(m), straddlingChunks(m), variableLengthChunks(m, 17)]

describe('Poly1305: RFC 8439 vectors', () => {
  it('§2.5.2: "Cryptographic Forum Research Group"', () => {
    const key = fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b')
    for (const chunks of splits(utf8('Cryptographic Forum Research Group'))) {
      expect(mac(key, chunks)).toBe('a8061dc1305136c6c22b8baf0c0127a9')
    }
  })

  // Appendix A.3. Keys are r | s; #5-#11 give R and S separately, joined here.
  const r2 = '02' + '00'.repeat(15)
  const r1 = '01' + '00'.repeat(15)
  const r14 = '01' + '00'.repeat(7) + '04' + '00'.repeat(7)
  const z16 = '00'.repeat(16)
  const a3: [n: number, key: string, text: Uint8Array, tag: string][] = [
    [1, '00'.repeat(32), new Uint8Array(64), z16],
    // #2: r = 0, so the tag is s whatever the text.
    [2, z16 + '36e5f6b5c5e06070f0efca96227a863e', ietfText, '36e5f6b5c5e06070f0efca96227a863e'],
    [3, '36e5f6b5c5e06070f0efca96227a863e' + z16, ietfText, 'f3477e7cd95417af89a6b8794c310cf0'],
    [4, '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0', jabberwocky, '4541669a7eaaee61e708dc7cbcc5eb62'],
    // #5: a partially reduced result that is not fully reduced.
    [5, r2 + z16, fromHex('ff'.repeat(16)), '03' + '00'.repeat(15)],
    // #6: the addition of s overflows 2^128.
    [6, r2 + 'ff'.repeat(16), fromHex('02' + '00'.repeat(15)), '03' + '00'.repeat(15)],
    // #7: a data limb of all ones with a carry from the limb below.
    [7, r1 + z16, fromHex('ff'.repeat(16) + 'f0' + 'ff'.repeat(15) + '11' + '00'.repeat(15)), '05' + '00'.repeat(15)],
    // #8: the polynomial's result is exactly 2^130 - 5.
    [8, r1 + z16, fromHex('ff'.repeat(16) + 'fb' + 'fe'.repeat(15) + '01'.repeat(16)), z16],
    // #9: the polynomial's result is exactly 2^130 - 6.
    [9, r2 + z16, fromHex('fd' + 'ff'.repeat(15)), 'fa' + 'ff'.repeat(15)],
    // #10: a 5*H+L reduction with a 131-bit intermediate result.
    [10, r14 + z16, fromHex('e33594d7505e43b9' + '00'.repeat(8) + '3394d7505e4379cd01' + '00'.repeat(7) + z16 + '01' + '00'.repeat(15)),
      '14' + '00'.repeat(7) + '55' + '00'.repeat(7)],
    // #11: a 5*H+L reduction with a 131-bit final result.
    [11, r14 + z16, fromHex('e33594d7505e43b9' + '00'.repeat(8) + '3394d7505e4379cd01' + '00'.repeat(7) + z16), '13' + '00'.repeat(15)],
  ]
  for (const [n, key, text, tag] of a3) {
    it(`A.3 test vector #${n} (${text.length} bytes)`, () => {
      for (const chunks of splits(text)) expect(mac(fromHex(key), chunks)).toBe(tag)
    })
  }
})

describe('Poly1305 against @noble/ciphers', () => {
  it('random keys, messages of 0..2000 bytes split at random points', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 20 }),
        (key, msg, cuts) => {
          expect(mac(key, chunksAtCuts(msg, cuts))).toBe(toHex(noblePoly1305(msg, key)))
        },
      ),
      { numRuns: isDebugWasm ? 300 : 1000 },
    )
  })

  it('keys and messages of all-ones bytes, every length 0..100 (carries in every limb)', () => {
    const key = new Uint8Array(32).fill(0xff)
    const msgs = new Uint8Array(100).fill(0xff)
    for (let n = 0; n <= 100; n++) {
      const m = msgs.subarray(0, n)
      expect(mac(key, [m]), `length ${n}`).toBe(toHex(noblePoly1305(m, key)))
    }
  })
})
