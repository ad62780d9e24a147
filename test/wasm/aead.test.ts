// ChaCha20-Poly1305 and XChaCha20-Poly1305 of the wasm core: RFC 8439 §2.8.2 and Appendix A.5,
// draft-irtf-cfrg-xchacha-03 Appendix A.3.1, every Wycheproof chacha20_poly1305 and
// xchacha20_poly1305 vector, random keys, nonces, aad and plaintexts of 0..2000 bytes with random
// chunk splits of the streaming API against node:crypto (OpenSSL) and @noble/ciphers; then what a
// forgery may not do (release plaintext), what a call may not leave behind (key material), and
// calls out of order.

import { createCipheriv, randomBytes } from 'node:crypto'
import { xchacha20poly1305 as nobleXChaCha } from '@noble/ciphers/chacha.js'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import type { CoreExports, CryptoExports } from '../../src/wasm/abi'
import { AEAD_FORGED, AEAD_MISUSE } from '../../src/wasm/abi'
import { chachaOpen, chachaSeal, openStream, sealStream, xchachaOpen, xchachaSeal, xchachaSealRandom } from '../../src/wasm/aead'
import { hchacha20 } from '../../src/wasm/chacha20'
import { core } from '../../src/wasm/index'
import { chunksAtCuts, concat, fromHex, isDebugWasm, patternBytes, toHex, utf8 } from '../helpers/bytes'
import { sunscreen } from '../helpers/rfc8439'
import { type AeadTestFile, wycheproof } from '../helpers/wycheproof'

const e = core.exports as CoreExports & CryptoExports

/** Random bytes as a plain Uint8Array (a Buffer's slice() is a view, and it compares unequal to one). */
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** OpenSSL's ChaCha20-Poly1305: ciphertext | tag. */
function nodeSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
  c.setAAD(aad, { plaintextLength: pt.length })
  return concat([c.update(pt), c.final(), c.getAuthTag()])
}

const seal = (x: boolean) => (x ? xchachaSeal : chachaSeal)
const open = (x: boolean) => (x ? xchachaOpen : chachaOpen)

/** Seal through the streaming API with the aad and the plaintext cut into the given chunks. */
function sealChunks(x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array[], pt: Uint8Array[]): Uint8Array {
  const s = sealStream(x, key, nonce)
  for (const c of aad) s.aad(c)
  const ct = pt.map((c) => s.encrypt(c))
  return concat([...ct, s.final()])
}

/** Open through the streaming API (auth every chunk, verify, decrypt the same chunks). */
function openChunks(x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array[], ct: Uint8Array[], tag: Uint8Array): Uint8Array | undefined {
  const s = openStream(x, key, nonce)
  for (const c of aad) s.aad(c)
  for (const c of ct) s.auth(c)
  if (!s.verify(tag)) return undefined
  const pt = concat(ct.map((c) => s.decrypt(c)))
  s.wipe()
  return pt
}

/** Byte-string search in the whole of WASM memory. */
const inMemory = (needle: Uint8Array): boolean => Buffer.from(core.mem().buffer).indexOf(Buffer.from(needle)) >= 0

describe('ChaCha20-Poly1305: RFC 8439 vectors', () => {
  it('§2.8.2: the sunscreen text with aad, sealed and opened, one shot and streamed', () => {
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
    const nonce = fromHex('070000004041424344454647')
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7')
    const ct =
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116'
    const tag = '1ae10b594f09e26a7e902ecbd0600691'
    expect(toHex(chachaSeal(key, nonce, aad, sunscreen))).toBe(ct + tag)
    expect(chachaOpen(key, nonce, aad, fromHex(ct + tag))).toEqual(sunscreen)
    expect(toHex(sealChunks(false, key, nonce, [aad.subarray(0, 5), aad.subarray(5)], [sunscreen.subarray(0, 63), sunscreen.subarray(63)]))).toBe(ct + tag)
  })

  it('A.5: decryption of the Internet-Drafts text', () => {
    const key = fromHex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0')
    const nonce = fromHex('000000000102030405060708')
    const aad = fromHex('f33388860000000000004e91')
    const ct = fromHex(
      '64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0' +
        'bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855' +
        '9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9' +
        '9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a' +
        '0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130' +
        '305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b',
    )
    const tag = fromHex('eead9d67890cbb22392336fea1851f38')
    const plaintext = utf8(
      'Internet-Drafts are draft documents valid for a maximum of six months and may be updated, replaced, or ' +
        'obsoleted by other documents at any time. It is inappropriate to use Internet-Drafts as reference material ' +
        'or to cite them other than as /\u201cwork in progress./\u201d',
    )
    expect(plaintext.length).toBe(ct.length)
    expect(chachaOpen(key, nonce, aad, concat([ct, tag]))).toEqual(plaintext)
    expect(toHex(chachaSeal(key, nonce, aad, plaintext))).toBe(toHex(concat([ct, tag])))
  })
})

describe('XChaCha20-Poly1305: draft-irtf-cfrg-xchacha-03 vector', () => {
  it('A.3.1: the sunscreen text with aad and a 24-byte nonce', () => {
    const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
    const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657')
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7')
    const ct =
      'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
      'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
      '21f9664c97637da9768812f615c68b13b52e'
    const tag = 'c0875924c1c7987947deafd8780acf49'
    expect(toHex(xchachaSeal(key, nonce, aad, sunscreen))).toBe(ct + tag)
    expect(xchachaOpen(key, nonce, aad, fromHex(ct + tag))).toEqual(sunscreen)
  })
})

for (const [name, x] of [['chacha20_poly1305_test.json', false], ['xchacha20_poly1305_test.json', true]] as const) {
  const vectors = wycheproof<AeadTestFile>(name)
  describe.skipIf(vectors.skip)(`Wycheproof ${name}`, () => {
    it('every valid vector seals to its ciphertext and tag and opens; every invalid one is refused', () => {
      const file = vectors.load()
      expect(file.algorithm).toBe(x ? 'XCHACHA20-POLY1305' : 'CHACHA20-POLY1305')
      const nonceSize = x ? 24 : 12
      const seen = { valid: 0, invalid: 0, badNonce: 0 }
      for (const group of file.testGroups) {
        expect(group.tagSize).toBe(128)
        for (const t of group.tests) {
          const [key, nonce, aad, msg] = [fromHex(t.key), fromHex(t.iv), fromHex(t.aad), fromHex(t.msg)]
          const sealed = fromHex(t.ct + t.tag)
          const label = `tcId ${t.tcId} (${t.comment}; ${t.flags.join(', ')})`
          if (t.result === 'valid') {
            expect(toHex(seal(x)(key, nonce, aad, msg)), label).toBe(toHex(sealed))
            expect(toHex(open(x)(key, nonce, aad, sealed) ?? new Uint8Array([1])), label).toBe(t.msg)
            // And through the streaming API, cut at a point that moves with the test id.
            const cut = t.tcId % (msg.length + 1)
            const ct = sealed.subarray(0, msg.length)
            expect(toHex(sealChunks(x, key, nonce, [aad], [msg.subarray(0, cut), msg.subarray(cut)])), label).toBe(toHex(sealed))
            expect(toHex(openChunks(x, key, nonce, [aad], [ct.subarray(0, cut), ct.subarray(cut)], sealed.subarray(msg.length)) ?? new Uint8Array([1])), label).toBe(t.msg)
            seen.valid++
          } else if (t.result === 'invalid') {
            if (nonce.length !== nonceSize) {
              // Nonces of another size: refused as arguments, before anything is computed.
              expect(() => seal(x)(key, nonce, aad, msg), label).toThrow(RangeError)
              expect(() => open(x)(key, nonce, aad, sealed), label).toThrow(RangeError)
              seen.badNonce++
            } else {
              expect(open(x)(key, nonce, aad, sealed), label).toBeUndefined()
              expect(openChunks(x, key, nonce, [aad], [sealed.subarray(0, msg.length)], sealed.subarray(msg.length)), label).toBeUndefined()
              expect(toHex(seal(x)(key, nonce, aad, msg)), label).not.toBe(toHex(sealed))
            }
            seen.invalid++
          } else {
            throw new Error(`${label}: unexpected result ${t.result}`)
          }
        }
      }
      expect(seen.valid + seen.invalid).toBe(file.numberOfTests)
      expect(seen.valid).toBeGreaterThan(0)
      expect(seen.invalid - seen.badNonce).toBeGreaterThan(0) // forged tags, not only bad nonces
      console.log(`${name}: ${seen.valid} valid passed, ${seen.invalid} invalid rejected (${seen.badNonce} for their nonce size)`)
    })
  })
}

describe('against node:crypto (ChaCha20-Poly1305) and @noble/ciphers (XChaCha20-Poly1305)', () => {
  const oracle = (x: boolean, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array =>
    x ? nobleXChaCha(key, nonce, aad).encrypt(pt) : nodeSeal(key, nonce, aad, pt)

  for (const x of [false, true]) {
    it(`${x ? 'XChaCha20' : 'ChaCha20'}-Poly1305: random keys, nonces, aad 0..300 and plaintexts 0..2000 bytes, one shot and split at random points`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: x ? 24 : 12, maxLength: x ? 24 : 12 }),
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 2000 }),
          fc.array(fc.nat({ max: 300 }), { maxLength: 5 }),
          fc.array(fc.nat({ max: 2000 }), { maxLength: 20 }),
          (key, nonce, aad, pt, aadCuts, ptCuts) => {
            const expected = toHex(oracle(x, key, nonce, aad, pt))
            const sealed = seal(x)(key, nonce, aad, pt)
            expect(toHex(sealed)).toBe(expected)
            expect(toHex(sealChunks(x, key, nonce, chunksAtCuts(aad, aadCuts), chunksAtCuts(pt, ptCuts)))).toBe(expected)
            expect(open(x)(key, nonce, aad, sealed)).toEqual(pt)
            const ct = sealed.subarray(0, pt.length)
            const tag = sealed.subarray(pt.length)
            expect(openChunks(x, key, nonce, chunksAtCuts(aad, aadCuts), chunksAtCuts(ct, ptCuts), tag)).toEqual(pt)
          },
        ),
        { numRuns: isDebugWasm ? 150 : 500 },
      )
    })

    it(`${x ? 'XChaCha20' : 'ChaCha20'}-Poly1305: aad and plaintexts larger than the 64 KiB IO buffer (streamed through it)`, () => {
      const key = random(32)
      const nonce = random(x ? 24 : 12)
      for (const [aadLen, ptLen] of [[70_000, 10], [10, 100_000], [40_000, 40_000]] as const) {
        const aad = patternBytes(aadLen, 1)
        const pt = patternBytes(ptLen, 2)
        const sealed = seal(x)(key, nonce, aad, pt)
        expect(toHex(sealed), `${aadLen}/${ptLen}`).toBe(toHex(oracle(x, key, nonce, aad, pt)))
        expect(open(x)(key, nonce, aad, sealed), `${aadLen}/${ptLen}`).toEqual(pt)
      }
    })
  }
})

describe('a forgery releases no plaintext', () => {
  const key = random(32)
  const aad = utf8('session v1')

  for (const x of [false, true]) {
    const name = x ? 'XChaCha20-Poly1305' : 'ChaCha20-Poly1305'
    const nonce = random(x ? 24 : 12)
    const pt = random(300)
    const sealed = seal(x)(key, nonce, aad, pt)
    const flip = (bytes: Uint8Array, i: number): Uint8Array => {
      const b = bytes.slice()
      b[i] = (b[i] ?? 0) ^ 1
      return b
    }
    const forgeries: [string, () => Uint8Array | undefined][] = [
      ['a wrong tag', () => open(x)(key, nonce, aad, flip(sealed, sealed.length - 1))],
      ['a flipped ciphertext bit', () => open(x)(key, nonce, aad, flip(sealed, 17))],
      ['a flipped aad bit', () => open(x)(key, nonce, flip(aad, 0), sealed)],
      ['a truncated input (one byte short)', () => open(x)(key, nonce, aad, sealed.subarray(0, sealed.length - 1))],
      ['a truncated input (shorter than a tag)', () => open(x)(key, nonce, aad, sealed.subarray(0, 15))],
      ['an appended byte', () => open(x)(key, nonce, aad, concat([sealed, new Uint8Array(1)]))],
      ['another key', () => open(x)(flip(key, 31), nonce, aad, sealed)],
      ['another nonce', () => open(x)(key, flip(nonce, nonce.length - 1), aad, sealed)],
    ]
    for (const [what, attempt] of forgeries) {
      it(`${name}: ${what} opens to undefined and leaves no plaintext in WASM memory`, () => {
        expect(inMemory(pt)).toBe(false)
        expect(attempt()).toBeUndefined()
        expect(inMemory(pt)).toBe(false)
        expect(inMemory(pt.subarray(0, 16))).toBe(false) // not even the first block
      })
    }

    it(`${name}: after a failed open the output region of IO holds the ciphertext as it was given`, () => {
      const forged = flip(sealed, sealed.length - 1)
      const u8 = core.mem()
      u8.set(key, core.io)
      u8.set(nonce, core.io + e.aeadNonceAt())
      const at = core.io + e.aeadDataAt()
      u8.set(aad, at)
      u8.set(forged, at + aad.length)
      expect(e.aeadOpen(x ? 1 : 0, aad.length, forged.length)).toBe(AEAD_FORGED)
      expect(toHex(core.mem().subarray(at + aad.length, at + aad.length + forged.length))).toBe(toHex(forged))
      expect(toHex(core.mem().subarray(core.io, core.io + 32))).toBe('00'.repeat(32)) // the key, wiped even so
    })

    it(`${name}: a stream whose tag does not verify refuses to decrypt`, () => {
      const s = openStream(x, key, nonce)
      s.aad(aad)
      s.auth(sealed.subarray(0, pt.length))
      expect(s.verify(flip(sealed, sealed.length - 1).subarray(pt.length))).toBe(false)
      expect(() => s.decrypt(sealed.subarray(0, pt.length))).toThrow()
      expect(inMemory(pt)).toBe(false)
    })
  }
})

describe('key material is wiped from WASM memory', () => {
  /** The first `n` keystream bytes from block `counter` (OpenSSL's chacha20). */
  const keystream = (key: Uint8Array, nonce: Uint8Array, counter: number, n: number): Uint8Array => {
    const iv = new Uint8Array(16)
    new DataView(iv.buffer).setUint32(0, counter, true)
    iv.set(nonce, 4)
    return createCipheriv('chacha20', key, iv).update(new Uint8Array(n))
  }

  for (const x of [false, true]) {
    const name = x ? 'XChaCha20-Poly1305' : 'ChaCha20-Poly1305'
    it(`${name}: no key, subkey, one-time Poly1305 key (r, s) or keystream block after seal, open and streams`, () => {
      const key = random(32)
      const nonce = random(x ? 24 : 12)
      // What ChaCha20 runs under: the key itself, or the HChaCha20 subkey and 0000 | nonce[16..24).
      const subkey = x ? hchacha20(key, nonce.subarray(0, 16)) : key
      const nonce12 = x ? concat([new Uint8Array(4), nonce.subarray(16)]) : nonce
      const block0 = keystream(subkey, nonce12, 0, 64)
      const block1 = keystream(subkey, nonce12, 1, 64)
      const secrets: [string, Uint8Array][] = [
        ['key', key],
        ['subkey', subkey],
        ['Poly1305 r (as derived)', block0.subarray(0, 16)],
        ['Poly1305 s', block0.subarray(16, 32)],
        ['block 0', block0.subarray(32)],
        ['keystream block 1', block1],
        ['key, second half', key.subarray(16)],
      ]
      const check = (after: string) => {
        for (const [what, bytes] of secrets) expect(inMemory(bytes), `${what} after ${after}`).toBe(false)
      }
      const aad = random(20)
      const pt = random(100) // two keystream blocks, the second partly used
      const sealed = seal(x)(key, nonce, aad, pt)
      check('seal')
      expect(open(x)(key, nonce, aad, sealed)).toEqual(pt)
      check('open')
      expect(open(x)(key, nonce, aad, sealed.subarray(1))).toBeUndefined()
      check('a failed open')
      expect(sealChunks(x, key, nonce, [aad], [pt.subarray(0, 30), pt.subarray(30)])).toEqual(sealed)
      check('a sealing stream')
      expect(openChunks(x, key, nonce, [aad], [sealed.subarray(0, 30), sealed.subarray(30, 100)], sealed.subarray(100))).toEqual(pt)
      check('an opening stream')
      // A stream abandoned half way holds the ChaCha20 key state (the key, or the subkey, as its
      // words) until it is wiped: the search finds key material when it is there.
      const s = sealStream(x, key, nonce)
      s.encrypt(pt.subarray(0, 10))
      expect(inMemory(subkey)).toBe(true)
      s.wipe()
      check('an abandoned stream, wiped')
    })
  }
})

describe('calls out of order or out of range', () => {
  const key = new Uint8Array(32).fill(7)
  const nonce = new Uint8Array(12).fill(9)

  it('refuses keys and nonces of the wrong length with a RangeError', () => {
    expect(() => chachaSeal(new Uint8Array(31), nonce, new Uint8Array(0), new Uint8Array(0))).toThrow(RangeError)
    expect(() => chachaOpen(key, new Uint8Array(24), new Uint8Array(0), new Uint8Array(16))).toThrow(RangeError)
    expect(() => xchachaSeal(key, nonce, new Uint8Array(0), new Uint8Array(0))).toThrow(RangeError)
    expect(() => sealStream(true, key, nonce)).toThrow(RangeError)
  })

  it('the core: aad after text, decrypt before verify, more decrypted than authenticated, final twice', () => {
    const put = () => {
      core.mem().set(key, core.io)
      core.mem().set(nonce, core.io + e.aeadNonceAt())
    }
    put()
    e.aeadInit(0)
    expect(e.aeadAad(5)).toBe(0)
    expect(e.aeadEncrypt(10)).toBe(0)
    expect(e.aeadAad(5)).toBe(AEAD_MISUSE)
    expect(e.aeadDecrypt(1)).toBe(AEAD_MISUSE)
    expect(e.aeadSealFinal()).toBe(16)
    expect(e.aeadSealFinal()).toBe(AEAD_MISUSE)
    expect(e.aeadEncrypt(1)).toBe(AEAD_MISUSE)

    const sealed = chachaSeal(key, nonce, new Uint8Array(0), new Uint8Array(40))
    put()
    e.aeadInit(0)
    core.mem().set(sealed.subarray(0, 40), core.io)
    expect(e.aeadAuth(40)).toBe(0)
    expect(e.aeadDecrypt(40)).toBe(AEAD_MISUSE) // not verified yet
    core.mem().set(sealed.subarray(40), core.io)
    expect(e.aeadVerify()).toBe(0)
    expect(e.aeadAuth(1)).toBe(AEAD_MISUSE)
    expect(e.aeadDecrypt(30)).toBe(0)
    expect(e.aeadDecrypt(11)).toBe(AEAD_MISUSE) // 10 authenticated bytes left
    expect(e.aeadDecrypt(10)).toBe(0)
    e.aeadWipe()
    expect(e.aeadDecrypt(0)).toBe(AEAD_MISUSE)
  })

  it('the core: one-shot lengths that do not fit IO, negative lengths', () => {
    const size = core.ioSize
    expect(e.aeadSeal(0, 0, size)).toBe(AEAD_MISUSE)
    expect(e.aeadSeal(0, size - e.aeadDataAt() - 16, 1)).toBe(AEAD_MISUSE)
    expect(e.aeadSeal(0, -1, 10)).toBe(AEAD_MISUSE)
    expect(e.aeadOpen(0, 0, size)).toBe(AEAD_MISUSE)
    expect(e.aeadOpen(1, 10, -1)).toBe(AEAD_MISUSE)
    expect(e.aeadAad(size + 1)).toBe(AEAD_MISUSE)
    expect(e.aeadOpen(0, 0, 15)).toBe(AEAD_FORGED) // shorter than a tag
  })
})

describe('random nonces', () => {
  it('xchachaSealRandom draws 24 bytes from crypto.getRandomValues for every seal and prefixes them', () => {
    const key = random(32)
    const pt = utf8('{"user":1}')
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues')
    try {
      const a = xchachaSealRandom(key, new Uint8Array(0), pt)
      const b = xchachaSealRandom(key, new Uint8Array(0), pt)
      expect(spy).toHaveBeenCalledTimes(2)
      expect(spy.mock.calls[0]?.[0]).toHaveLength(24)
      expect(a).toHaveLength(24 + pt.length + 16)
      expect(toHex(a.subarray(0, 24))).not.toBe(toHex(b.subarray(0, 24)))
      expect(toHex(a.subarray(24))).not.toBe(toHex(b.subarray(24)))
      for (const s of [a, b]) expect(xchachaOpen(key, s.subarray(0, 24), new Uint8Array(0), s.subarray(24))).toEqual(pt)
      expect(toHex(nobleXChaCha(key, a.subarray(0, 24)).decrypt(a.subarray(24)))).toBe(toHex(pt))
    } finally {
      spy.mockRestore()
    }
  })
})
