// ChaCha20 and HChaCha20 of the wasm core: the RFC 8439 vectors (§2.3.2 block function, §2.4.2
// encryption, Appendix A.1 block functions, A.2 encryption, A.4 Poly1305 key generation), the
// HChaCha20 vector of draft-irtf-cfrg-xchacha-03 §2.2.1, and random keys, nonces, counters and
// lengths with random chunk splits against node:crypto's chacha20 (OpenSSL).

import { createCipheriv, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chacha20Stream, hchacha20 } from '../../src/wasm/chacha20'
import { byteChunks, chunksAtCuts, concat, fromHex, isDebugWasm, patternBytes, straddlingChunks, toHex, variableLengthChunks } from '../helpers/bytes'
import { ietfText, jabberwocky, sunscreen } from '../helpers/rfc8439'

/** chunks ^ the keystream of (key, nonce) from block `counter`, through the streaming API. */
function xorChunks(key: Uint8Array, nonce: Uint8Array, counter: number, chunks: readonly Uint8Array[]): Uint8Array {
  const s = chacha20Stream(key, nonce, counter)
  const out = concat(chunks.map((c) => s.xor(c)))
  s.wipe()
  return out
}

/** OpenSSL's chacha20 takes a 16-byte IV: the 32-bit block counter (little-endian), then the 96-bit nonce. */
function nodeChacha20(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16)
  new DataView(iv.buffer).setUint32(0, counter, true)
  iv.set(nonce, 4)
  return createCipheriv('chacha20', key, iv).update(data)
}

const key00to1f = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
const zeros = (n: number) => new Uint8Array(n)

describe('ChaCha20: RFC 8439 vectors', () => {
  it('§2.3.2: the block function (key 00..1f, nonce 00000009 0000004a 00000000, block 1)', () => {
    const block = xorChunks(key00to1f, fromHex('000000090000004a00000000'), 1, [zeros(64)])
    expect(toHex(block)).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
        'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e',
    )
  })

  it('§2.4.2: encryption of the sunscreen text from block 1, and decryption back, over every split', () => {
    const nonce = fromHex('000000000000004a00000000')
    const ct =
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357' +
      '1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
      '5af90bbf74a35be6b40b8eedf2785e42874d'
    expect(sunscreen.length).toBe(114)
    for (const chunks of [[sunscreen], byteChunks(sunscreen), straddlingChunks(sunscreen), variableLengthChunks(sunscreen, 9)]) {
      expect(toHex(xorChunks(key00to1f, nonce, 1, chunks))).toBe(ct)
    }
    expect(xorChunks(key00to1f, nonce, 1, [fromHex(ct)])).toEqual(sunscreen)
  })

  // Appendix A.1: the block function (keystream block) for five keys, nonces and counters.
  const a1: [n: number, key: string, nonce: string, counter: number, keystream: string][] = [
    [1, '00'.repeat(32), '00'.repeat(12), 0,
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586'],
    [2, '00'.repeat(32), '00'.repeat(12), 1,
      '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f'],
    [3, '00'.repeat(31) + '01', '00'.repeat(12), 1,
      '3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0'],
    [4, '00ff' + '00'.repeat(30), '00'.repeat(12), 2,
      '72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096'],
    [5, '00'.repeat(32), '00'.repeat(11) + '02', 0,
      'c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d'],
  ]
  for (const [n, key, nonce, counter, keystream] of a1) {
    it(`A.1 test vector #${n}: block ${counter}`, () => {
      expect(toHex(xorChunks(fromHex(key), fromHex(nonce), counter, [zeros(64)]))).toBe(keystream)
    })
  }

  // Appendix A.2: encryption.
  const a2: [n: number, key: string, nonce: string, counter: number, plaintext: Uint8Array, ciphertext: string][] = [
    [1, '00'.repeat(32), '00'.repeat(12), 0, zeros(64),
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586'],
    [2, '00'.repeat(31) + '01', '00'.repeat(11) + '02', 1, ietfText,
      'a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d' +
        '4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e52795042bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a' +
        'd00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259dc4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b' +
        '0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6ccc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b' +
        'c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6' +
        '98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221'],
    [3, '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0', '00'.repeat(11) + '02', 42, jabberwocky,
      '62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb' +
        'f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f7704c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1'],
  ]
  for (const [n, key, nonce, counter, plaintext, ciphertext] of a2) {
    it(`A.2 test vector #${n}: ${plaintext.length} bytes from block ${counter}, one shot and split`, () => {
      for (const chunks of [[plaintext], byteChunks(plaintext), straddlingChunks(plaintext)]) {
        expect(toHex(xorChunks(fromHex(key), fromHex(nonce), counter, chunks))).toBe(ciphertext)
      }
    })
  }

  // Appendix A.4: the Poly1305 one-time key is the first 32 bytes of block 0 (§2.6).
  const a4: [n: number, key: string, nonce: string, polyKey: string][] = [
    [1, '00'.repeat(32), '00'.repeat(12), '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7'],
    [2, '00'.repeat(31) + '01', '00'.repeat(11) + '02', 'ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739'],
    [3, '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0', '00'.repeat(11) + '02',
      '965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae'],
  ]
  for (const [n, key, nonce, polyKey] of a4) {
    it(`A.4 test vector #${n}: Poly1305 key generation`, () => {
      expect(toHex(xorChunks(fromHex(key), fromHex(nonce), 0, [zeros(32)]))).toBe(polyKey)
    })
  }
})

describe('HChaCha20', () => {
  it('draft-irtf-cfrg-xchacha-03 §2.2.1: the subkey of key 00..1f and nonce 000000090000004a0000000031415927', () => {
    const subkey = hchacha20(key00to1f, fromHex('000000090000004a0000000031415927'))
    // The draft lists the result as the first and last rows of the state after 20 rounds.
    expect(toHex(subkey)).toBe('82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc')
  })

  it('refuses keys and inputs of the wrong length', () => {
    expect(() => hchacha20(new Uint8Array(31), new Uint8Array(16))).toThrow(RangeError)
    expect(() => hchacha20(new Uint8Array(32), new Uint8Array(24))).toThrow(RangeError)
  })
})

describe('ChaCha20 against node:crypto', () => {
  it('random keys, nonces and counters, lengths 0..2000, split at random points', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        // Counters that leave room for 2000 bytes (32 blocks) before the 32-bit counter wraps.
        fc.integer({ min: 0, max: 2 ** 32 - 33 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 20 }),
        (key, nonce, counter, data, cuts) => {
          expect(toHex(xorChunks(key, nonce, counter, chunksAtCuts(data, cuts)))).toBe(toHex(nodeChacha20(key, nonce, counter, data)))
        },
      ),
      { numRuns: isDebugWasm ? 200 : 1000 },
    )
  })

  it('inputs larger than the 64 KiB IO buffer', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    const data = patternBytes(200_000, 3)
    expect(toHex(xorChunks(key, nonce, 7, [data]))).toBe(toHex(nodeChacha20(key, nonce, 7, data)))
    expect(toHex(xorChunks(key, nonce, 7, variableLengthChunks(data, 3000)))).toBe(toHex(nodeChacha20(key, nonce, 7, data)))
  })
})

describe('ChaCha20 counter range', () => {
  it('stops before the 32-bit block counter wraps (RFC 8439 §2.4: a (key, nonce) covers 2^32 blocks)', () => {
    const s = chacha20Stream(new Uint8Array(32), new Uint8Array(12), 0xffffffff)
    expect(s.xor(new Uint8Array(60))).toHaveLength(60) // the last block: 64 bytes left
    expect(s.xor(new Uint8Array(4))).toHaveLength(4)
    expect(() => s.xor(new Uint8Array(1))).toThrow(RangeError)
    s.wipe()
  })

  it('refuses keys, nonces and counters out of range', () => {
    expect(() => chacha20Stream(new Uint8Array(16), new Uint8Array(12))).toThrow(RangeError)
    expect(() => chacha20Stream(new Uint8Array(32), new Uint8Array(8))).toThrow(RangeError)
    expect(() => chacha20Stream(new Uint8Array(32), new Uint8Array(12), 2 ** 32)).toThrow(RangeError)
  })
})
