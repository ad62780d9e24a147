// HMAC-SHA256 of the wasm core through its key slots: RFC 4231 test cases 1-7, the whole
// Wycheproof hmac_sha256_test.json (valid and invalid, full and truncated tags), and random keys
// and messages with random splits against node:crypto.
//
// These tests use raw slots 200-250 and clear them afterwards; this file makes no Signer, so no
// allocator holds them. Slot 0 (RESERVED_SLOT) is never handed to a signer either.

import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { CodecExports, CoreExports } from '../src/wasm/abi'
import { core } from '../src/wasm/index'
import {
  byteChunks,
  chunksAtCuts,
  fromHex,
  isDebugWasm,
  nodeHmac,
  patternBytes,
  straddlingChunks,
  toHex,
  utf8,
  variableLengthChunks,
} from './helpers/bytes'

const SLOT = 200
const SLOT_B = 201
const usedSlots = new Set<number>()

afterAll(() => {
  for (const s of usedSlots) core.clearKey(s)
})

/** The full 32-byte HMAC of `chunks` under `key`, computed in `slot` of the core. */
function mac(key: Uint8Array, chunks: readonly Uint8Array[], slot = SLOT): Uint8Array {
  usedSlots.add(slot)
  core.setKey(slot, key)
  const h = core.hmacStream(slot)
  for (const c of chunks) h.update(c)
  return h.digest()
}

describe('HMAC-SHA256: RFC 4231 test cases', () => {
  // RFC 4231 §4.2-4.8, the HMAC-SHA-256 lines. Case 5's output is truncated to 128 bits.
  const cases: { n: number; key: string; data: string; mac: string }[] = [
    {
      n: 1,
      key: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
      data: '4869205468657265', // "Hi There"
      mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    },
    {
      n: 2,
      key: '4a656665', // "Jefe"
      data: '7768617420646f2079612077616e7420666f72206e6f7468696e673f', // "what do ya want for nothing?"
      mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    },
    {
      n: 3,
      key: 'aa'.repeat(20),
      data: 'dd'.repeat(50),
      mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    },
    {
      n: 4,
      key: '0102030405060708090a0b0c0d0e0f10111213141516171819',
      data: 'cd'.repeat(50),
      mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    },
    {
      n: 5,
      key: '0c'.repeat(20),
      data: '546573742057697468205472756e636174696f6e', // "Test With Truncation"
      mac: 'a3b6167473100ee06e0c796c2955552b', // 128 bits
    },
    {
      n: 6,
      key: 'aa'.repeat(131), // larger than a block: hashed first
      // "Test Using Larger Than Block-Size Key - Hash Key First"
      data: '54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374',
      mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    },
    {
      n: 7,
      key: 'aa'.repeat(131),
      // "This is a test using a larger than block-size key and a larger than block-size data.
      //  The key needs to be hashed before being used by the HMAC algorithm."
      data:
        '5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a' +
        '65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865' +
        '206b6579206e6565647320746f20626520686173686564206265666f7265206265696e672075736564206279' +
        '2074686520484d414320616c676f726974686d2e',
      mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    },
  ]

  for (const c of cases) {
    it(`test case ${c.n}`, () => {
      const key = fromHex(c.key)
      const data = fromHex(c.data)
      for (const chunks of [[data], byteChunks(data), straddlingChunks(data), variableLengthChunks(data, 9)]) {
        const full = toHex(mac(key, chunks))
        expect(full).toHaveLength(64)
        // Case 5 lists only the leftmost 128 bits; the others list all 256.
        expect(full.slice(0, c.mac.length)).toBe(c.mac)
      }
    })
  }
})

interface WycheproofTest {
  tcId: number
  comment: string
  key: string
  msg: string
  tag: string
  result: 'valid' | 'invalid' | 'acceptable'
  flags: string[]
}
interface WycheproofFile {
  algorithm: string
  numberOfTests: number
  testGroups: { keySize: number; tagSize: number; tests: WycheproofTest[] }[]
}

// The shared folder sits beside the clone: <clone>/../shared/vectors/wycheproof/.
const wycheproofFile = fileURLToPath(new URL('../../shared/vectors/wycheproof/hmac_sha256_test.json', import.meta.url))
const haveWycheproof = existsSync(wycheproofFile)
if (!haveWycheproof) console.warn(`hmac.test.ts: skipping the Wycheproof HMAC-SHA256 vectors: ${wycheproofFile} not found`)

describe.skipIf(!haveWycheproof)('HMAC-SHA256: Wycheproof hmac_sha256_test.json', () => {
  it('every test: valid tags match, invalid tags do not (full and truncated tags)', () => {
    const file = JSON.parse(readFileSync(wycheproofFile, 'utf8')) as WycheproofFile
    expect(file.algorithm).toBe('HMACSHA256')
    let run = 0
    const seen = { valid: 0, invalid: 0, truncated: 0 }
    for (const group of file.testGroups) {
      for (const t of group.tests) {
        const key = fromHex(t.key)
        const msg = fromHex(t.msg)
        expect(key.length * 8, `tcId ${t.tcId}: key size`).toBe(group.keySize)
        const tag = toHex(mac(key, variableLengthChunks(msg, 5)).subarray(0, group.tagSize / 8))
        const matches = tag === t.tag.toLowerCase()
        if (t.result === 'valid') expect(matches, `tcId ${t.tcId} (${t.comment}) should verify`).toBe(true)
        else if (t.result === 'invalid') expect(matches, `tcId ${t.tcId} (${t.comment}) should not verify`).toBe(false)
        else throw new Error(`tcId ${t.tcId}: unexpected result ${t.result}`)
        seen[t.result]++
        if (group.tagSize < 256) seen.truncated++
        run++
      }
    }
    expect(run).toBe(file.numberOfTests)
    // Both outcomes and the truncated-tag groups were exercised.
    expect(seen.valid).toBeGreaterThan(0)
    expect(seen.invalid).toBeGreaterThan(0)
    expect(seen.truncated).toBeGreaterThan(0)
  })
})

describe('HMAC-SHA256 against node:crypto', () => {
  it('random keys of 0..300 bytes and random messages of 0..1000 bytes, split at random points', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 1000 }),
        fc.array(fc.nat({ max: 1000 }), { maxLength: 20 }),
        (key, msg, cuts) => {
          expect(toHex(mac(key, chunksAtCuts(msg, cuts)))).toBe(toHex(nodeHmac(key, msg)))
        },
      ),
      { numRuns: isDebugWasm ? 300 : 1000 },
    )
  })

  it('every key length 0..300 (around the 64-byte block: used as is, zero-padded, or hashed first)', () => {
    const keys = patternBytes(300, 11)
    const msg = patternBytes(100, 12)
    for (let n = 0; n <= 300; n++) {
      const key = keys.subarray(0, n)
      expect(toHex(mac(key, [msg])), `key length ${n}`).toBe(toHex(nodeHmac(key, msg)))
    }
  })

  it('keys larger than the 64 KiB IO buffer, and messages larger than it', () => {
    for (const n of [65535, 65536, 65537, 100_000]) {
      const key = patternBytes(n, n)
      const msg = patternBytes(70_000, 13)
      expect(toHex(mac(key, [msg])), `key length ${n}`).toBe(toHex(nodeHmac(key, msg)))
      expect(toHex(mac(key, variableLengthChunks(msg, 2000))), `key length ${n}, chunked`).toBe(toHex(nodeHmac(key, msg)))
    }
  })

  it('every message length 0..300 under one key, streamed byte by byte', () => {
    const key = patternBytes(32, 14)
    const msgs = patternBytes(300, 15)
    for (let n = 0; n <= 300; n++) {
      const m = msgs.subarray(0, n)
      expect(toHex(mac(key, byteChunks(m))), `message length ${n}`).toBe(toHex(nodeHmac(key, m)))
    }
  })
})

describe('HMAC key slots', () => {
  it('slots hold their keys independently (interleaved use of several slots)', () => {
    const slots = [SLOT, SLOT_B, 230, 250]
    const keys = slots.map((_, i) => patternBytes(32 + i * 20, 100 + i))
    slots.forEach((s, i) => {
      usedSlots.add(s)
      core.setKey(s, keys[i] ?? new Uint8Array(0))
    })
    const msg = utf8('the same message under every key')
    for (let round = 0; round < 3; round++) {
      slots.forEach((s, i) => {
        const h = core.hmacStream(s)
        h.update(msg)
        expect(toHex(h.digest()), `slot ${s}`).toBe(toHex(nodeHmac(keys[i] ?? new Uint8Array(0), msg)))
      })
    }
  })

  it('setKey replaces a slot\'s key, and clearKey forgets it', () => {
    const msg = utf8('message')
    const k1 = patternBytes(32, 21)
    const k2 = patternBytes(32, 22)
    const run = () => {
      const h = core.hmacStream(SLOT)
      h.update(msg)
      return toHex(h.digest())
    }
    usedSlots.add(SLOT)
    core.setKey(SLOT, k1)
    expect(run()).toBe(toHex(nodeHmac(k1, msg)))
    core.setKey(SLOT, k2)
    expect(run()).toBe(toHex(nodeHmac(k2, msg)))
    core.clearKey(SLOT)
    const cleared = run()
    expect(cleared).not.toBe(toHex(nodeHmac(k2, msg)))
    expect(cleared).not.toBe(toHex(nodeHmac(new Uint8Array(0), msg))) // a cleared slot is not the empty key either
  })

  it('setKey refuses a slot outside the table as it is now with a RangeError', () => {
    const capacity = core.slotCapacity()
    expect(capacity).toBeLessThan(core.maxSlots) // the table grows only for signers
    for (const slot of [-1, capacity, core.maxSlots, 2 ** 31 - 1]) {
      expect(() => core.setKey(slot, new Uint8Array(32)), `slot ${slot}`).toThrow(RangeError)
    }
  })

  it('a grown table keeps every key, and so does an arena that grows under it', () => {
    const keys = [SLOT, SLOT_B].map((s) => patternBytes(32, 300 + s))
    ;[SLOT, SLOT_B].forEach((s, i) => {
      usedSlots.add(s)
      core.setKey(s, keys[i] ?? new Uint8Array(0))
    })
    const msg = utf8('before and after the table moves')
    const check = (label: string) =>
      [SLOT, SLOT_B].forEach((s, i) => {
        const h = core.hmacStream(s)
        h.update(msg)
        expect(toHex(h.digest()), `${label}, slot ${s}`).toBe(toHex(nodeHmac(keys[i] ?? new Uint8Array(0), msg)))
      })
    // The states SLOT holds, found as the bytes clearKey changes.
    const before = core.mem().slice()
    core.clearKey(SLOT)
    const changed = core.mem().findIndex((b, i) => b !== before[i])
    const state = Buffer.from(before.subarray(changed, changed + 32))
    core.setKey(SLOT, keys[0] ?? new Uint8Array(0))
    const copies = (): number => {
      const mem = Buffer.from(core.mem().buffer)
      let n = 0
      for (let at = mem.indexOf(state); at >= 0; at = mem.indexOf(state, at + 1)) n++
      return n
    }
    expect(copies()).toBe(1)

    const capacity = core.slotCapacity()
    expect(core.reserveSlots(capacity + 1)).toBe(true)
    expect(core.slotCapacity()).toBeGreaterThan(capacity)
    check('grown table')
    expect(copies(), 'the static table was wiped').toBe(1)
    const high = core.slotCapacity() - 1
    usedSlots.add(high)
    core.setKey(high, keys[0] ?? new Uint8Array(0))
    // Arena requests: a table above the arena moves up, as often as the arena grows.
    const codec = core.exports as CoreExports & CodecExports
    for (let i = 0; i < 3; i++) {
      const at = codec.codecState() // places the arena the first time, which may grow memory
      const arenaCap = new Uint32Array(core.exports.memory.buffer, at, 2)[1] ?? 0
      expect(codec.codecReserve(2 * arenaCap + 1)).toBe(0)
      check(`after the arena grew ${i + 1} times`)
      expect(copies(), 'one copy in each of the two slots that hold it').toBe(2)
    }
    const h = core.hmacStream(high)
    h.update(msg)
    expect(toHex(h.digest()), 'last slot').toBe(toHex(nodeHmac(keys[0] ?? new Uint8Array(0), msg)))
    expect(core.reserveSlots(core.maxSlots + 1)).toBe(false)
  })
})
